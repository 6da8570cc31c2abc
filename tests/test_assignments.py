"""The assignment round trip: generate, in-sync check, validate, autograde, feedback."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest

from autograder import pipeline

ASSIGNMENTS = pipeline.assignment_names()
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.DOTALL)
SOLUTION = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.DOTALL)


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
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
            assert marker not in text
    # Every solution cell of the release is nbgrader's stub, and no hidden test survives.
    for source_path in (pipeline.SOLUTIONS / name).glob("*.ipynb"):
        source = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in _cells(source_path)}
        for cell in _cells(pipeline.RELEASES / name / source_path.name):
            meta = cell.metadata.get("nbgrader", {})
            original = source[meta.get("grade_id")] if meta.get("grade_id") else None
            if meta.get("solution") and original is not None and SOLUTION.search(original.source):
                assert "raise NotImplementedError()" in cell.source, meta["grade_id"]
            if original is not None and HIDDEN.search(original.source):
                assert len(cell.source) < len(original.source), meta["grade_id"]
    assert pipeline.secret_lines(name), "expected secret lines to compare against"


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


@pytest.mark.slow
def test_validate_solutions_pass_and_releases_fail():
    assert pipeline.validate() == []


@pytest.mark.slow
def test_autograde_round_trip(tmp_path):
    """The solution scores full marks, the untouched release zero, a non-notebook a status."""
    name = ASSIGNMENTS[0]
    submissions = tmp_path / "submitted"
    for student, source in [("alice", pipeline.SOLUTIONS), ("bob", pipeline.RELEASES)]:
        shutil.copytree(source / name, submissions / student / name)
    (submissions / "carol" / name).mkdir(parents=True)
    (submissions / "carol" / name / f"{name}.ipynb").write_text("this is not a notebook")

    rows = pipeline.autograde(submissions, tmp_path / "out", jobs=2, progress=False)
    by_student = {row.student_id: row for row in rows}
    assert set(by_student) == {"alice", "bob", "carol"}
    alice, bob, carol = by_student["alice"], by_student["bob"], by_student["carol"]
    assert alice.status == "graded" and alice.score == alice.max_score > 0
    assert bob.status == "graded" and bob.score == 0
    assert carol.status == "not-a-notebook" and carol.score == 0

    grades = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert grades[0] == ",".join(pipeline.GRADES_COLUMNS) and len(grades) == 4

    # Lines over 20 characters: shorter ones (`m = (p + q) / 2`) also stand in the prose.
    hidden_lines = {
        line for line in pipeline.secret_lines(name, hidden_tests_only=True) if len(line) > 20
    }
    for student in ("alice", "bob"):
        feedback = list((tmp_path / "out" / "feedback" / student / name).glob("*.html"))
        assert feedback, f"no feedback for {student}"
        text = feedback[0].read_text()
        assert "HIDDEN TESTS" not in text
        import html as html_module

        plain = html_module.unescape(re.sub(r"<[^>]+>", "", text))
        leaked = [line for line in hidden_lines if line in plain]
        assert not leaked, f"hidden test source in {student}'s feedback: {leaked[:2]}"
