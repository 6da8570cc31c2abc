"""Code shared by the GAN course's book, assignments and autograder.

Import the pieces by name, for example ``from gancourse.data import load_dataset``.
"""

__version__ = "0.1.0"
