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


# --------------------------------------------------------------------------------------------
# A fresh environment as students get it (tests/test_install.py, tests/test_student_edition.py)

#: Runs a notebook with nbclient inside the fresh venv: path, working folder, per-cell timeout,
#: kernel name, where to write the executed copy. Prints the seconds it took.
NOTEBOOK_RUNNER = """
import sys, time
import nbformat
from nbclient import NotebookClient
path, cwd, timeout, kernel, out = sys.argv[1:6]
notebook = nbformat.read(path, as_version=4)
start = time.perf_counter()
try:
    NotebookClient(
        notebook, timeout=int(timeout), kernel_name=kernel, resources={"metadata": {"path": cwd}}
    ).execute()
finally:
    nbformat.write(notebook, out)
print(f"{time.perf_counter() - start:.1f}")
"""


class FreshVenv:
    """A virtualenv made with ``python -m venv`` that holds requirements/runtime.txt only."""

    KERNEL = "gancourse-fresh-venv"

    def __init__(self, root: Path):
        self.root = root
        self.bin = root / "bin"
        self.python = self.bin / "python"
        self.timings: dict[str, float] = {}

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a student's kernel: this venv first on PATH, no repository on
        PYTHONPATH, TensorFlow quiet; ``extra`` on top (GANCOURSE_DATA_DIR, ...)."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        env.update(extra)
        return env

    def pip_install(self, *args: str, label: str) -> None:
        import subprocess
        import time

        start = time.perf_counter()
        pip = [str(self.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run([*pip, *args], env=self.env(), capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"pip install {' '.join(args)} failed:\n{done.stderr[-6000:]}")
        self.timings[label] = round(time.perf_counter() - start, 1)

    def run_notebook(self, notebook: Path, cwd: Path, timeout: int, out: Path, **env: str) -> float:
        """Execute ``notebook`` in this venv's kernel with ``cwd`` as its folder; return seconds.
        A cell that raises or runs past ``timeout`` seconds fails the test with the error.

        The kernel gets a temporary folder of its own (``TMPDIR``): labs keep checkpoints under
        ``tempfile.gettempdir()``, which a book build running beside the tests shares."""
        import subprocess

        private = out.parent / f"tmp-{out.stem}"
        private.mkdir(exist_ok=True)
        env = {"TMPDIR": str(private), **env}

        done = subprocess.run(
            [str(self.python), "-c", NOTEBOOK_RUNNER, str(notebook), str(cwd), str(timeout),
             self.KERNEL, str(out)],
            cwd=cwd, env=self.env(**env), capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"{notebook.name} failed in the fresh venv:\n{done.stderr[-6000:]}")
        return float(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory) -> FreshVenv:
    """One fresh venv per test session with requirements/runtime.txt installed (pip's cache makes
    TensorFlow's wheel local after the first time) and a kernel of its own. The tests install
    the course's package into it themselves, non-editable."""
    import subprocess
    import sys
    import time

    venv = FreshVenv(tmp_path_factory.mktemp("fresh") / "venv")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv.root)], check=True)
    venv.timings["venv"] = round(time.perf_counter() - start, 1)
    # --no-compile: byte-compiling TensorFlow's thousands of modules costs more than the few
    # that the tests import.
    runtime = REPOSITORY / "requirements" / "runtime.txt"
    venv.pip_install("--no-compile", "-r", str(runtime), label="runtime lock")
    start = time.perf_counter()
    subprocess.run(
        [str(venv.python), "-m", "ipykernel", "install", "--prefix", str(venv.root),
         "--name", FreshVenv.KERNEL, "--display-name", "fresh runtime venv"],
        check=True, env=venv.env(), capture_output=True,
    )  # fmt: skip
    venv.timings["kernel"] = round(time.perf_counter() - start, 1)
    yield venv
    # What the install costs here, for the README's estimate: artifacts/ is git-ignored.
    import json

    print(f"\nfresh venv timings (s): {venv.timings}")
    (REPOSITORY / "artifacts").mkdir(exist_ok=True)
    (REPOSITORY / "artifacts" / "fresh-venv-timings.json").write_text(
        json.dumps(venv.timings, indent=1) + "\n"
    )
