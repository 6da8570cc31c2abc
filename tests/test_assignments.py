"""The assignment round trip: generate, in-sync check, validate, autograde, feedback."""

from __future__ import annotations

import html
import json
import re
import shutil

import nbformat
import pytest

from autograder import pipeline
from autograder.notebooks import answered_release
from autograder.wrong_solutions import library
from gancourse.grading import BEGIN_HIDDEN, BEGIN_SOLUTION, END_SOLUTION, MARKERS

ASSIGNMENTS = pipeline.assignment_names()
SOLUTION = re.compile(rf"{re.escape(BEGIN_SOLUTION)}(.*?){re.escape(END_SOLUTION)}", re.DOTALL)


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _meaningful_lines(block: str) -> set[str]:
    return {line.strip() for line in block.splitlines() if len(line.strip()) > 12}


def test_there_are_assignments():
    assert ASSIGNMENTS, "solutions/ holds no assignment"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_is_in_sync_with_the_solution(name, tmp_path):
    """Regenerating from solutions/ must give exactly the committed assignments/."""
    release = tmp_path / "release"
    pipeline.generate([name], work=tmp_path / "work", release=release)
    committed = sorted(p.name for p in (pipeline.RELEASES / name).glob("*.ipynb"))
    generated = sorted(p.name for p in (release / name).glob("*.ipynb"))
    assert committed == generated, "notebooks differ: run `make assignments` and commit"
    for notebook in generated:
        fresh = json.loads((release / name / notebook).read_text())
        kept = json.loads((pipeline.RELEASES / name / notebook).read_text())
        assert fresh == kept, (
            f"assignments/{name}/{notebook} is stale: run `make assignments` and commit"
        )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_contains_no_solution_and_no_hidden_test(name):
    for source_path in (pipeline.SOLUTIONS / name).glob("*.ipynb"):
        text = (pipeline.RELEASES / name / source_path.name).read_text()
        for marker in MARKERS:
            assert marker not in text
    # Every solution cell of the release is nbgrader's stub, and no hidden test survives.
    for source_path in (pipeline.SOLUTIONS / name).glob("*.ipynb"):
        source = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in _cells(source_path)}
        for cell in _cells(pipeline.RELEASES / name / source_path.name):
            meta = cell.metadata.get("nbgrader", {})
            original = source[meta.get("grade_id")] if meta.get("grade_id") else None
            if meta.get("solution") and original is not None and SOLUTION.search(original.source):
                assert "raise NotImplementedError()" in cell.source, meta["grade_id"]
    assert pipeline.secret_snippets(name), "expected secret lines to compare against"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_conventions(name):
    """Test cells open with a docstring; heading points add up to the graded points."""
    for path in (pipeline.SOLUTIONS / name).glob("*.ipynb"):
        cells = _cells(path)
        heading_points = sum(
            int(p)
            for cell in cells
            if cell.cell_type == "markdown"
            for p in re.findall(r"^#+ .*\((\d+) points?\)", cell.source, re.MULTILINE)
        )
        graded = 0
        for cell in cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                graded += meta["points"]
                first = cell.source.lstrip().splitlines()[0]
                assert first.startswith('"""') and first.endswith('"""'), (
                    f"test cell {meta['grade_id']} must open with a one-line docstring"
                )
        assert graded == heading_points, (
            f"{path.name}: headings say {heading_points}, cells {graded}"
        )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_problem_sets_share_one_shape(name):
    """The setup cell comes first and is called setup; a short run under grading is flagged by
    GRADING; the notebook ends with the same "Before you submit" section."""
    first = ASSIGNMENTS[0]
    closing = nbformat.read(pipeline.SOLUTIONS / first / f"{first}.ipynb", 4).cells[-1].source
    notebook = nbformat.read(pipeline.SOLUTIONS / name / f"{name}.ipynb", 4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert (
        code[0].metadata["nbgrader"]["grade_id"] == "setup"
        and code[0].metadata["nbgrader"]["locked"]
    )
    flag = [c.source for c in code if "NBGRADER_EXECUTION" in c.source]
    assert all('GRADING = bool(os.environ.get("NBGRADER_EXECUTION"))' in f for f in flag)
    assert notebook.cells[-1].cell_type == "markdown" and notebook.cells[-1].source == closing
    assert closing.startswith("## Before you submit")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_setup_cell_hides_the_reference_solutions(name):
    """The locked setup cell, which nbgrader restores before grading, switches them off."""
    for folder in (pipeline.SOLUTIONS, pipeline.RELEASES):
        paths = sorted((folder / name).glob("*.ipynb"))
        assert paths, f"no notebook in {folder / name}"
        for path in paths:
            locked_setup = [
                cell.source
                for cell in _cells(path)
                if cell.cell_type == "code"
                and cell.metadata.get("nbgrader", {}).get("locked")
                and not cell.metadata["nbgrader"].get("grade")
            ]
            assert locked_setup and "\nhide_reference_solutions()" in locked_setup[0], path


@pytest.mark.slow
def test_validate_solutions_pass_and_releases_fail():
    assert pipeline.validate() == []


def _write_submissions(name: str, submissions) -> None:
    """A correct, a blank, a non-notebook and the instructor's usual suspects."""

    def write(student, edit=None):
        notebook = answered_release(name)
        if edit is not None:
            notebook.cells = [c for c in (edit(c) for c in notebook.cells) if c is not None]
        folder = submissions / student / name
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{name}.ipynb")

    kinds = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in answered_release(name).cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }
    first_test = next(
        g
        for g, c in kinds.items()
        if c.metadata.nbgrader.get("grade") and not c.metadata.nbgrader.get("solution")
    )
    first_answer = next(g for g, c in kinds.items() if c.metadata.nbgrader.get("solution"))
    wrong = library(name)[0]
    wrong_cell = next(g for g, c in kinds.items() if f"def {wrong.function}(" in c.source)

    def on(grade_id, change):
        def edit(cell):
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                return change(cell)
            return cell

        return edit

    def append(code):
        def change(cell):
            cell.source += "\n\n" + code
            return cell

        return change

    write("alice")
    shutil.copytree(pipeline.RELEASES / name, submissions / "bob" / name)
    (submissions / "carol" / name).mkdir(parents=True)
    (submissions / "carol" / name / f"{name}.ipynb").write_text("this is not a notebook")
    write("dave", on(first_test, lambda cell: None))  # deleted a test cell

    def empty(cell):
        cell.source = "pass  # tests? what tests?"
        return cell

    write("erin", on(first_test, empty))  # emptied a test cell
    write("frank", on(first_answer, append("while True:\n    pass")))  # loops forever
    write("gina", on(first_answer, append("import os\n\nos._exit(1)")))  # kills its kernel
    hog = "import numpy\n\nhog = numpy.ones(5 * 2**30 // 8)"  # 5 GiB at once
    write("hank", on(first_answer, append(hog)))
    write("ivan", on(wrong_cell, append(wrong.source)))  # a known wrong solution
    write("ivan2", on(wrong_cell, append(wrong.source)))  # the same again: graded the same


@pytest.mark.slow
def test_autograde_round_trip(tmp_path, grading_sandbox):
    """Correct, blank and broken submissions: every one gets a row, the good ones their marks."""
    name = ASSIGNMENTS[0]
    submissions = tmp_path / "submitted"
    _write_submissions(name, submissions)

    # The cell limit must leave room for importing TensorFlow on a busy machine.
    limits = pipeline.Limits(timeout=400, memory_mb=2500, cell_timeout=60)
    rows = pipeline.autograde(submissions, tmp_path / "out", jobs=2, limits=limits, progress=False)
    row = {r.student_id: r for r in rows}
    expected = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "ivan2"]
    assert sorted(row) == expected
    full = row["alice"].max_score
    assert row["alice"].status == "graded" and row["alice"].score == full > 0
    assert row["bob"].status == "graded" and row["bob"].score == 0
    assert row["carol"].status == "not-a-notebook" and row["carol"].score == 0
    # The checks judge the answers, not the test cells: deleting one changes nothing.
    assert row["dave"].status == "graded+test-cells-deleted" and row["dave"].score == full
    # The emptied test cell is graded as released: a correct answer keeps its points.
    assert row["erin"].status == "graded+test-cells-restored" and row["erin"].score == full
    # The loop runs at the top of a cell after the function is defined: interrupted, graded.
    assert row["frank"].status == "graded+cell-timeout" and row["frank"].score == full
    assert row["gina"].status == "kernel-died" and row["gina"].score == 0
    assert row["hank"].status == "memory-limit" and row["hank"].score == 0

    grades = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert grades[0] == ",".join(pipeline.GRADES_COLUMNS) and len(grades) == 1 + len(row)

    hidden = pipeline.secret_snippets(name, hidden_tests_only=True)
    for student in ("alice", "bob", "dave"):
        feedback = list((tmp_path / "out" / "feedback" / student / name).glob("*.html"))
        assert feedback, f"no feedback for {student}"
        text = feedback[0].read_text()
        assert BEGIN_HIDDEN not in text
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        leaked = pipeline.leaked_snippets(plain, hidden)
        assert not leaked, f"hidden test source in {student}'s feedback: {leaked[:2]}"
    # The feedback opens with the judge's summary, before the notebook's first cell, and shows
    # no library start-up log.
    alice = html.unescape(
        re.sub(
            r"<[^>]+>",
            " ",
            (tmp_path / "out" / "feedback" / "alice" / name / f"{name}.html").read_text(),
        )
    )
    first = nbformat.read(pipeline.RELEASES / name / f"{name}.ipynb", 4).cells[0].source
    heading = first.splitlines()[0].lstrip("# ").strip()
    assert 0 <= alice.index(f"Your score: {full:g} / {full:g}") < alice.index(heading)
    assert "oneDNN" not in alice and "cuda" not in alice.lower() and "Fontconfig" not in alice
    # A wrong answer's feedback carries the check's teaching message.
    wrong = library(name)[0]
    ivan = html.unescape(
        (tmp_path / "out" / "feedback" / "ivan" / name / f"{name}.html").read_text()
    )
    assert row["ivan"].status == "graded" and row["ivan"].score < full
    assert wrong.expect in ivan and "book:" in ivan
    # Determinism: the same submission graded twice gets the same score and the same messages.
    ivan2 = html.unescape(
        (tmp_path / "out" / "feedback" / "ivan2" / name / f"{name}.html").read_text()
    )
    assert row["ivan2"].score == row["ivan"].score
    assert ivan2.replace("ivan2", "ivan") == ivan


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_leak_check_flags_two_solution_lines_but_not_one(name):
    snippets = pipeline.secret_snippets(name)
    first, second = sorted(snippets)[0]
    assert pipeline.leaked_snippets(f"<p>{first}</p>\n<p>{second}</p>", snippets)
    assert not pipeline.leaked_snippets(f"<p>{first}</p>", {(first, second)})


def test_feedback_from_autograde_is_released_through_the_exchange(tmp_path, monkeypatch):
    """`feedback --graded OUT` hands autograde's feedback to nbgrader's release_feedback."""
    from nbgrader.utils import notebook_hash

    name = ASSIGNMENTS[0]
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(tmp_path / "exchange"))
    (tmp_path / "exchange").mkdir(mode=0o777)  # as the first release leaves it
    monkeypatch.setenv("GANCOURSE_GRADING_DIR", str(tmp_path / "work"))
    graded = tmp_path / "graded"
    collected = graded / "feedback" / "alice" / name
    collected.mkdir(parents=True)
    (collected / f"{name}.html").write_text("<p>Score: 100.0 / 100.0</p>")
    (collected / "timestamp.txt").write_text("2026-01-01 10:00:00.000000 UTC")
    (collected / "submission_secret.txt").write_text("s3cret")
    local = graded / "feedback" / "bob" / name  # graded from a folder, not from the exchange
    local.mkdir(parents=True)
    (local / f"{name}.html").write_text("<p>Score: 0.0 / 100.0</p>")

    assert pipeline.main(["feedback", name, "--graded", str(graded)]) == 0
    released = tmp_path / "exchange" / "gan-course" / "feedback"
    expected = released / f"{notebook_hash(secret='s3cret', notebook_id=name)}.html"
    assert expected.read_text() == "<p>Score: 100.0 / 100.0</p>"
    assert [p.name for p in released.iterdir()] == [expected.name]  # bob's stays back
    assert pipeline.main(["feedback", name, "--graded", str(tmp_path / "nothing")]) == 1
