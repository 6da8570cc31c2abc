"""The student edition (`make student-edition`): complete, nothing private, and its labs run.

The slow test builds the edition, installs its package the way its Colab cell does (from the
edition's archive, non-editable, into the fresh venv that holds only requirements/runtime.txt;
see tests/conftest.py), then executes every lab of the edition from inside the edition.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from autograder import pipeline
from gancourse.addresses import Addresses
from tools import student_edition

REPOSITORY = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.name for p in pipeline.RELEASES.iterdir() if p.is_dir())
PUBLISHED = Addresses(edition_repository="https://github.com/example/gan-course-student")
BINARY = {".gz", ".h5", ".png", ".gif", ".jpg", ".jpeg", ".ico", ".svg", ".pdf", ".zip", ".woff"}
#: What issue 18 says must never be in the edition: the nbgrader source notebooks, the grader's
#: internals (checks, probes, calibration, attacks, the wrong-solution and correct-variant
#: libraries), the tests, the CI. (The tool keeps its own, longer list.)
PRIVATE = (
    "solutions",
    "autograder",
    "autograder/wrong_solutions",
    "autograder/checks",
    "autograder/calibration",
    "autograder/attacks",
    "tests",
    ".ci",
    "gancourse/grading.py",
)


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The edition as published with a GitHub repository (so the labs carry the Colab cell)."""
    return student_edition.build(
        tmp_path_factory.mktemp("edition") / "gan-course-student", git=True, addresses=PUBLISHED
    )


def _text_files(root: Path):
    """(relative path, text) of every text file; a notebook's text is its cells and outputs."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or ".git" in path.relative_to(root).parts:
            continue
        if path.suffix.lower() in BINARY:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        if path.suffix == ".ipynb":
            cells = json.loads(text)["cells"]
            parts = ["".join(cell["source"]) for cell in cells]
            for cell in cells:
                for output in cell.get("outputs", []):
                    parts.append("".join(output.get("text", "")))
                    parts.append("".join(output.get("data", {}).get("text/plain", "")))
            text = text + "\n" + "\n".join(parts)
        yield str(path.relative_to(root)), text


def test_the_edition_holds_what_students_need(edition):
    for name in (
        "_config.yml", "_toc.yml", "pyproject.toml", "LICENSE", "README.md", "addresses.toml",
        "requirements/runtime.txt", "requirements-gpu.txt", "gancourse/__init__.py",
        "gancourse/paths.py", "gancourse/__main__.py", "data/mnist/train-images-idx3-ubyte.gz",
        "data/fashion-mnist/t10k-labels-idx1-ubyte.gz", "data/weights/dcgan-mnist.weights.h5",
        "data/weights/quality.json", "book/intro.md", "book/labs/dcgan-mnist.ipynb",
    ):  # fmt: skip
        assert (edition / name).is_file(), f"{name} is missing from the edition"
    for assignment in ASSIGNMENTS:
        assert (edition / "assignments" / assignment / f"{assignment}.ipynb").is_file()
    labs = sorted(p.name for p in (REPOSITORY / "book" / "labs").glob("*.ipynb"))
    assert sorted(p.name for p in (edition / "book" / "labs").glob("*.ipynb")) == labs
    readme = (edition / "README.md").read_text()
    assert "pip install -r requirements/runtime.txt" in readme and "jupyter lab" in readme
    assert PUBLISHED.colab_url("book/labs/data-pipelines.ipynb") in readme
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=edition, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(log) == 1 and log[0].startswith("Student edition")
    branch = subprocess.run(
        ["git", "branch", "--show-current"], cwd=edition, capture_output=True, text=True
    ).stdout.strip()
    assert branch == PUBLISHED.edition_branch


def test_nothing_private_reaches_the_edition(edition):
    for name in PRIVATE:
        assert not (edition / name).exists(), f"{name} is in the student edition"
    caches = [p for p in edition.rglob("*") if p.name in ("__pycache__", ".ruff_cache")]
    assert not caches, caches
    for name, text in _text_files(edition):
        assert "BEGIN HIDDEN TESTS" not in text, f"a hidden-test marker in {name}"
        assert not re.search(r"#+ *(BEGIN|END) SOLUTION", text), f"a solution marker in {name}"


def _leaks(edition: Path, snippets) -> dict[str, list]:
    return {
        name: found[:3]
        for name, text in _text_files(edition)
        if (found := pipeline.leaked_snippets(text, snippets))
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_hidden_check_line_in_the_edition(edition, assignment):
    """The judge's checks and hidden-test blocks: not one pair of their lines, anywhere."""
    snippets = pipeline.secret_snippets(assignment, hidden_tests_only=True)
    assert snippets
    leaks = _leaks(edition, snippets)
    assert not leaks, f"lines of {assignment}'s hidden checks in the edition: {leaks}"


def _published_on_purpose(edition: Path, assignment: str) -> str:
    """What the course publishes by design and a solution may share lines with: the labs (pages
    of the public book), the package (students install it; the labs train with its models), and
    the problem sets released after this one (a later problem set gives, as provided code, the
    answers of the earlier ones it builds on: publish it only once those are due)."""
    parts = [p.read_text() for p in (edition / "gancourse").rglob("*.py")]
    parts += [p.read_text() for p in (edition / "book" / "labs").glob("*.ipynb")]
    others = [name for name in ASSIGNMENTS if name != assignment]
    parts += [
        p.read_text() for name in others for p in (edition / "assignments" / name).glob("*.ipynb")
    ]
    return "\n".join(_text for part in parts for _text in (part, json_sources(part)))


def json_sources(text: str) -> str:
    """A notebook's cell sources as plain text (a .py file: empty)."""
    try:
        return "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
    except (ValueError, KeyError, TypeError):
        return ""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_lines_in_the_edition_beyond_what_is_published_on_purpose(edition, assignment):
    """The leak check of the feedback tests, over every text file of the edition, for the
    solution lines that are not in the labs, the package or a later problem set."""
    public = _published_on_purpose(edition, assignment)
    snippets = {
        pair
        for pair in pipeline.secret_snippets(assignment)
        if not pipeline.leaked_snippets(public, {pair})
    }
    assert snippets, f"every solution line of {assignment} is public: nothing left to check"
    leaks = _leaks(edition, snippets)
    assert not leaks, f"lines of {assignment}'s solutions in the edition: {leaks}"


def test_the_leak_check_finds_a_solution_copied_into_the_edition(edition, tmp_path):
    """The check above can fail: a solution cell pasted into a note of the edition is caught."""
    import nbformat

    assignment = ASSIGNMENTS[-1]
    public = _published_on_purpose(edition, assignment)
    source = next((pipeline.SOLUTIONS / assignment).glob("*.ipynb"))
    cells = nbformat.read(source, as_version=4).cells
    pasted = "\n".join(c.source for c in cells if "BEGIN SOLUTION" in c.source)
    snippets = {
        pair
        for pair in pipeline.secret_snippets(assignment)
        if not pipeline.leaked_snippets(public, {pair})
    }
    assert pipeline.leaked_snippets(pasted, snippets)


def test_without_an_edition_repository_there_is_no_colab_cell(tmp_path):
    out = student_edition.build(tmp_path / "edition", addresses=Addresses())
    for lab in (out / "book" / "labs").glob("*.ipynb"):
        assert student_edition.COLAB_CELL_ID not in lab.read_text()
    assert "colab" not in (out / "README.md").read_text().lower()
    assert not (out / ".git").exists()


def test_the_labs_carry_the_colab_cell_and_the_assignments_do_not(edition):
    for lab in (edition / "book" / "labs").glob("*.ipynb"):
        notebook = json.loads(lab.read_text())
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        assert code[0]["id"] == student_edition.COLAB_CELL_ID, lab.name
        assert "remove-cell" in code[0]["metadata"]["tags"]
        assert PUBLISHED.raw_archive_url() in "".join(code[0]["source"])
        original = json.loads((REPOSITORY / "book" / "labs" / lab.name).read_text())
        assert notebook["cells"][:1] + notebook["cells"][2:] == original["cells"], lab.name
    for assignment in ASSIGNMENTS:
        path = f"assignments/{assignment}/{assignment}.ipynb"
        assert (edition / path).read_bytes() == (REPOSITORY / path).read_bytes()


def _lab_timeout(lab: Path) -> int:
    """The page's own cell timeout (``mystnb.execution_timeout``), else the book's (30 s)."""
    import yaml

    book = yaml.safe_load((REPOSITORY / "_config.yml").read_text())["execute"]["timeout"]
    return json.loads(lab.read_text())["metadata"].get("mystnb", {}).get("execution_timeout", book)


@pytest.mark.slow
def test_the_colab_cell_installs_the_edition_and_every_lab_runs(edition, fresh_venv, tmp_path):
    # The Colab cell, run as on Colab (google.colab imported), against the edition's archive.
    top = "gan-course-student-main"
    archive = tmp_path / "edition.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zipped:
        for path in sorted(edition.rglob("*")):
            if path.is_file() and ".git" not in path.relative_to(edition).parts:
                zipped.write(path, f"{top}/{path.relative_to(edition)}")
    home = tmp_path / "content" / "gan-course"
    home.parent.mkdir()
    cell = "".join(student_edition.colab_cell(archive.as_uri())["source"])
    cell = cell.replace(json.dumps(student_edition.COLAB_HOME), json.dumps(str(home)))
    probe = (
        "import sys, types\n"
        "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
        + cell
        + "\nfrom gancourse import paths\n"
        "print(paths.data_dir(), paths.weights_dir(), sep='\\n')\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [str(fresh_venv.python), "-c", probe], cwd=tmp_path, env=fresh_venv.env(),
        capture_output=True, text=True,
    )  # fmt: skip
    fresh_venv.timings["colab cell (pip install edition)"] = round(time.perf_counter() - start, 1)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.split() == [str(home / "data"), str(home / "data" / "weights")]
    where = subprocess.run(
        [str(fresh_venv.python), "-c", "import gancourse; print(gancourse.__file__)"],
        cwd=tmp_path, env=fresh_venv.env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(fresh_venv.root)

    # Every lab, from inside the edition, with the edition's data as a hub would set it.
    data = {
        "GANCOURSE_DATA_DIR": str(edition / "data"),
        "GANCOURSE_WEIGHTS_DIR": str(edition / "data" / "weights"),
    }
    labs = edition / "book" / "labs"
    total = time.perf_counter()
    for lab in sorted(labs.glob("*.ipynb")):
        fresh_venv.timings[f"edition lab {lab.name}"] = fresh_venv.run_notebook(
            lab, labs, _lab_timeout(lab), tmp_path / f"executed-{lab.name}", **data
        )
    fresh_venv.timings["edition labs, total"] = round(time.perf_counter() - total, 1)
