"""Seeding and device setup for TensorFlow, shared by the labs, assignments and trainers.

Taught on the *Conventions* page of the book (``book/conventions.md``).
"""

from __future__ import annotations

import importlib.abc
import os
import sys

#: The package modules that hold the reference answers to the problem sets' graded functions:
#: the losses and train steps (``train``), the networks (``models``) and sampling (``evaluate``).
REFERENCE_MODULES = ("gancourse.train", "gancourse.models", "gancourse.evaluate")


def configure_tensorflow(
    seed: int | None = None, *, memory_growth: bool = True, deterministic: bool = False
) -> dict:
    """Seed Python, NumPy and TensorFlow, and stop TensorFlow from grabbing a whole GPU.

    Memory growth must be set before TensorFlow touches a GPU, so call this first thing in a
    notebook. On a shared hub it keeps one student's kernel from reserving all GPU memory.

    Seeding makes the random *draws* repeatable, not the arithmetic: on a GPU, and with
    multithreaded CPU kernels, reductions may add in a different order from run to run, so two
    seeded runs can drift apart in the last digits and, over a long GAN training, visibly. With
    ``deterministic=True`` TensorFlow also runs every op deterministically
    (``tf.config.experimental.enable_op_determinism``): slower, and it needs a seed; even then
    results are repeatable on the same hardware and software versions only, so a number printed
    in the book can still differ on another machine.
    Returns a small description of what was found:
    ``{"gpus": [...], "seed": seed, "deterministic": deterministic}``.
    """
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if not isinstance(deterministic, bool):
        raise TypeError(f"deterministic must be True or False, got {deterministic!r}")
    if deterministic and seed is None:
        raise ValueError("deterministic=True needs a seed: random ops refuse to run unseeded")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide C++ info banners in notebooks
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if memory_growth:
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:
                # Raised when the GPU was already initialised; growth then stays as it was.
                pass
    if seed is not None:
        keras.utils.set_random_seed(seed)  # seeds random, numpy and tensorflow together
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return {"gpus": [gpu.name for gpu in gpus], "seed": seed, "deterministic": deterministic}


class _HideReferenceModules(importlib.abc.MetaPathFinder):
    """Refuse imports of :data:`REFERENCE_MODULES` with a message that says why."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in REFERENCE_MODULES:
            raise ImportError(
                f"{fullname} holds the course's reference solutions, so problem sets switch it "
                "off: write the graded functions yourself (the labs in the book may use it)",
                name=fullname,
            )
        return None


def hide_reference_solutions() -> None:
    """Make :data:`REFERENCE_MODULES` unimportable in this Python process.

    Every problem set calls this in its read-only setup cell, which nbgrader restores before
    grading, so an answer that imports the course's own implementation of a graded function
    fails with an :class:`ImportError` that explains itself, in the student's kernel and in the
    autograder alike. Modules already imported are dropped too. This stops the easy shortcut,
    not a determined one: code that reads the package's files directly is still possible.
    """
    if not any(isinstance(finder, _HideReferenceModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _HideReferenceModules())
    package = sys.modules.get("gancourse")
    for name in REFERENCE_MODULES:
        sys.modules.pop(name, None)
        attribute = name.rpartition(".")[2]
        if package is not None and attribute in vars(package):
            delattr(package, attribute)
