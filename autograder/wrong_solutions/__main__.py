"""`python -m autograder.wrong_solutions ASSIGNMENT`: see the package docstring."""

import sys

from autograder.wrong_solutions import main

sys.exit(main())
