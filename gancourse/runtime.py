"""Seeding and device setup for TensorFlow, shared by the labs, assignments and trainers.

- :func:`configure_tensorflow`: seeds and GPU memory growth, first thing in every notebook;
  taught on the *Conventions* page of the book (``book/conventions.md``).
- :func:`choose_precision`, :func:`choose_jit`, :func:`machine_description`: what the trainer
  (:mod:`gancourse.train`) and ``make bench`` run with on this machine, and record.
- :func:`hide_reference_solutions`: the problem sets' import policy. They may import the
  modules of :data:`STUDENT_MODULES` and nothing else of the package; the grading sandbox
  (``autograder/sandbox.py``) copies only these into a submission's jail.

TensorFlow is imported inside the functions that use it, so that a problem set's setup cell can
install the import policy, and the sandbox can read :data:`STUDENT_MODULES`, without it.
"""

from __future__ import annotations

import importlib.abc
import os
import platform
import sys

#: The package modules a problem set may import: datasets and their folders, metrics, image
#: grids and this module. The others (the networks, losses, train steps, sampler, trainer,
#: committed weights, ...) hold or lead to the reference answers of the graded functions, and
#: any module added later is hidden too until it is listed here.
STUDENT_MODULES = (
    "gancourse.data",
    "gancourse.metrics",
    "gancourse.paths",
    "gancourse.plotting",
    "gancourse.runtime",
)


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


def is_hidden(module: str) -> bool:
    """Whether a problem set may not import ``module``: a part of the package not listed in
    :data:`STUDENT_MODULES` (the package itself, ``gancourse``, stays importable)."""
    return module.startswith("gancourse.") and module not in STUDENT_MODULES


class _HideReferenceModules(importlib.abc.MetaPathFinder):
    """Refuse imports of the package's hidden modules with a message that says why."""

    def find_spec(self, fullname, path=None, target=None):
        if is_hidden(fullname):
            raise ImportError(
                f"{fullname} is off in problem sets: the course package's modules other than "
                f"{', '.join(STUDENT_MODULES)} hold or lead to its reference solutions, so "
                "write the graded functions yourself (the labs in the book may use it)",
                name=fullname,
            )
        return None


def hide_reference_solutions() -> None:
    """Make every module of the package outside :data:`STUDENT_MODULES` unimportable here.

    Every problem set calls this in its read-only setup cell, which nbgrader restores before
    grading, so an answer that imports the course's own implementation of a graded function
    fails with an :class:`ImportError` that explains itself, in the student's kernel and in the
    autograder alike. Modules already imported are dropped too. This stops the easy shortcut,
    not a determined one: code that reads the package's files directly is still possible, which
    is why the grading sandbox holds no other module of the package at all.
    """
    if not any(isinstance(finder, _HideReferenceModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _HideReferenceModules())
    package = sys.modules.get("gancourse")
    for name in [name for name in sys.modules if is_hidden(name)]:
        sys.modules.pop(name, None)
        attribute = name.split(".")[1]
        if package is not None and attribute in vars(package):
            delattr(package, attribute)


# --------------------------------------------------------------------------------------------
# What the trainer runs with on this machine


def cpu_flags() -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision(precision: str, on_gpu: bool) -> str:
    """``auto``: bfloat16 where the hardware computes it natively, else float32.

    On a CPU without AVX512-BF16 or AMX, bfloat16 is emulated: ``make bench`` measured it more
    than ten times slower than float32 on an AVX2-only EPYC, so ``auto`` keeps float32 there.
    """
    if precision != "auto":
        return precision
    if on_gpu:
        return "mixed_bfloat16"
    return "mixed_bfloat16" if cpu_flags() & {"avx512_bf16", "amx_bf16"} else "float32"


def choose_jit(jit: str, on_gpu: bool) -> bool:
    """``auto``: XLA on GPU; off on CPU, where ``make bench`` measured it slower than the plain
    graph (figures: ``tools/bench_train.py``), which never lost to the tutorial's step."""
    return {"on": True, "off": False}.get(jit, on_gpu)


def machine_description() -> dict:
    """CPU, cores, GPUs, platform and library versions, as the training records keep them."""
    import keras
    import tensorflow as tf

    cpu_model = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpu_names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        gpu_names.append(details.get("device_name", gpu.name))
    return {
        "cpu": cpu_model,
        "cpu_cores": os.cpu_count(),
        "gpus": gpu_names,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
