"""Shared fixtures: a private cache per test session, the repository's paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent

# Quiet TensorFlow's C++ start-up notices in test output and in kernels the tests start.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def repository() -> Path:
    return REPOSITORY


@pytest.fixture(scope="session")
def grading_sandbox():
    """Skip a test that grades submissions where the sandbox cannot run (it needs root)."""
    if os.geteuid() != 0:
        pytest.skip("grading runs in the sandbox, which needs root (sudo make sandbox; CI is root)")


@pytest.fixture(autouse=True, scope="session")
def _session_cache(tmp_path_factory):
    """Decode datasets into a cache private to this test run (never the user's ~/.cache)."""
    cache = tmp_path_factory.mktemp("gancourse-cache")
    previous = os.environ.get("GANCOURSE_CACHE_DIR")
    os.environ["GANCOURSE_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("GANCOURSE_CACHE_DIR", None)
    else:
        os.environ["GANCOURSE_CACHE_DIR"] = previous
