"""Where the course's files are: the datasets, the trained weights and the cache. One rule, here.

A folder is found in this order:

1. the environment variable (``GANCOURSE_DATA_DIR``, ``GANCOURSE_WEIGHTS_DIR``), when set: what a
   hub image, the Colab cell of the student edition and the grading sandbox set;
2. the ``data/`` folder of the checkout the package sits in (a clone of the course or of its
   student edition, installed with ``pip install -e .``): ``data/`` and ``data/weights/``;
3. otherwise :class:`CourseFilesNotFound`, whose message names the variable to set. That is the
   case of a non-editable install (``pip install .``, a hub image) that sets no variable: the
   package then sits in ``site-packages/``, far from any ``data/``.

The decoded-array cache is ``GANCOURSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/gancourse``, else
``~/.cache/gancourse``. ``python -m gancourse doctor`` reports what these resolve to.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "CACHE_DIR_ENV",
    "DATA_DIR_ENV",
    "WEIGHTS_DIR_ENV",
    "CourseFilesNotFound",
    "cache_dir",
    "checkout",
    "data_dir",
    "weights_dir",
]

#: Environment variable naming a folder that holds ``mnist/`` and ``fashion-mnist/``.
DATA_DIR_ENV = "GANCOURSE_DATA_DIR"
#: Environment variable naming the folder of the trained weights (``*.weights.h5`` and records).
WEIGHTS_DIR_ENV = "GANCOURSE_WEIGHTS_DIR"
#: Environment variable naming the folder for decoded arrays and checkpoints.
CACHE_DIR_ENV = "GANCOURSE_CACHE_DIR"


class CourseFilesNotFound(FileNotFoundError):
    """Neither the environment variable nor a checkout's ``data/`` says where the files are."""


def checkout() -> Path | None:
    """The checkout the package sits in (its root holds ``pyproject.toml`` and ``data/``), or None.

    An editable install imports the package from the checkout itself; a non-editable one from
    ``site-packages/``, which is no checkout.
    """
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root
    return None


def _from_environment(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser() if value else None


def _not_found(what: str, variable: str, example: str) -> CourseFilesNotFound:
    return CourseFilesNotFound(
        f"cannot find the course's {what}: ${variable} is not set and the gancourse package "
        f"({Path(__file__).resolve().parent}) is not inside a checkout of the course with a data/ "
        f"folder (a non-editable install). Set {variable} to the folder that holds them, "
        f"for example `export {variable}=~/gan-course/{example}`, or install the package "
        "from a clone with `pip install -e .`."
    )


def _course_folder(variable: str, relative: str, what: str) -> Path:
    """``$variable`` if set, else ``relative`` in the checkout; else the error naming it."""
    found = _from_environment(variable)
    if found is not None:
        return found
    root = checkout()
    if root is None:
        raise _not_found(what, variable, relative)
    return root / relative


def data_dir() -> Path:
    """The folder holding ``mnist/`` and ``fashion-mnist/``: ``$GANCOURSE_DATA_DIR``, else the
    checkout's ``data/``; raises :class:`CourseFilesNotFound` naming the variable otherwise."""
    return _course_folder(DATA_DIR_ENV, "data", "datasets (MNIST, Fashion-MNIST)")


def weights_dir() -> Path:
    """The folder of the trained weights: ``$GANCOURSE_WEIGHTS_DIR``, else the checkout's
    ``data/weights/``; raises :class:`CourseFilesNotFound` naming the variable otherwise."""
    return _course_folder(WEIGHTS_DIR_ENV, "data/weights", "trained weights")


def cache_dir() -> Path:
    """The folder for decoded arrays: ``$GANCOURSE_CACHE_DIR``, else ``~/.cache/gancourse``."""
    found = _from_environment(CACHE_DIR_ENV)
    if found is not None:
        return found
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "gancourse"
