"""Seeding and device setup for TensorFlow, shared by the labs, assignments and trainers.

Taught on the *Conventions* page of the book (``book/conventions.md``).
"""

from __future__ import annotations

import os


def configure_tensorflow(seed: int | None = None, *, memory_growth: bool = True) -> dict:
    """Seed Python, NumPy and TensorFlow, and stop TensorFlow from grabbing a whole GPU.

    Memory growth must be set before TensorFlow touches a GPU, so call this first thing in a
    notebook. On a shared hub it keeps one student's kernel from reserving all GPU memory.
    Returns a small description of what was found: ``{"gpus": [...], "seed": seed}``.
    """
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
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
    return {"gpus": [gpu.name for gpu in gpus], "seed": seed}
