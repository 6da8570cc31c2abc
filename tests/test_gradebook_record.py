"""`autograde` records its grades in the course gradebook, read by formgrader and nbgrader export.

Every course here lives in a temporary ``$GANCOURSE_GRADING_DIR``, laid out as the hub's is after
``collect``: the submissions in ``<course>/submitted/<student>/<assignment>/`` with the
``timestamp.txt`` the exchange writes.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime, timedelta

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader

from autograder import pipeline, record
from autograder.notebooks import answered_release

ASSIGNMENT = "ps1-gan-foundations"  # the smallest assignment: the quickest to grade
# The cell limit must leave room for importing TensorFlow on a busy machine.
LIMITS = pipeline.Limits(timeout=400, memory_mb=2500, cell_timeout=60)
SUBMITTED_AT = {
    "alice": datetime(2026, 1, 5, 10, 0),
    "bob": datetime(2026, 1, 5, 11, 0),
    "carol": datetime(2026, 1, 5, 12, 0),
}


def _answered():
    """The released notebook with every answer cell taken from the reference solution."""
    return answered_release(ASSIGNMENT)


def _submit(folder, student, kind, submitted_at):
    """Write a submission as nbgrader's collect leaves it: the notebook and timestamp.txt."""
    target = folder / student / ASSIGNMENT
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    path = target / f"{ASSIGNMENT}.ipynb"
    if kind == "answered":
        nbformat.write(_answered(), path)
    elif kind == "blank":
        shutil.copy2(pipeline.RELEASES / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", path)
    else:
        path.write_text("this is not a notebook")
    (target / "timestamp.txt").write_text(f"{submitted_at:%Y-%m-%d %H:%M:%S.%f} UTC")


def _gradebook(course):
    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", "gan-course")


def _export(course, tmp_path) -> dict[str, dict[str, str]]:
    """`nbgrader export` of the course, one row per student."""
    destination = tmp_path / "export.csv"
    result = pipeline.run_nbgrader(["export", "--to", str(destination)], work=course)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    with open(destination, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["assignment"] == ASSIGNMENT]
    return {r["student_id"]: r for r in rows}


def _autograded(course, student):
    return course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory, grading_sandbox):
    """One `autograde` into a new course: alice answered, bob submitted the release, carol junk."""
    root = tmp_path_factory.mktemp("record")
    course = root / "course"
    for student, kind in (("alice", "answered"), ("bob", "blank"), ("carol", "junk")):
        _submit(course / "submitted", student, kind, SUBMITTED_AT[student])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANCOURSE_GRADING_DIR", str(course))
        rows = pipeline.autograde(
            course / "submitted", root / "out", jobs=1, limits=LIMITS, progress=False, record=True
        )
    return course, {r.student_id: r for r in rows}


@pytest.fixture
def course(graded_course, tmp_path, monkeypatch):
    """A private copy of the graded course, the course of this test."""
    copy = tmp_path / "course"
    shutil.copytree(graded_course[0], copy)
    monkeypatch.setenv("GANCOURSE_GRADING_DIR", str(copy))
    return copy


@pytest.mark.slow
def test_formgrader_and_export_show_the_pipeline_grades(graded_course, course, tmp_path):
    """Full marks for the answered notebook, 0 for the blank one, in the gradebook and export."""
    rows = graded_course[1]
    assert {s: r.status for s, r in rows.items()} == {
        "alice": "graded",
        "bob": "graded",
        "carol": "not-a-notebook",
    }
    full = rows["alice"].max_score
    assert full > 0 and rows["alice"].score == full and rows["bob"].score == 0

    with _gradebook(course) as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        assert assignment.max_score == full, "the course's assignment is not the one graded"
        assert sorted(s.student.id for s in assignment.submissions) == ["alice", "bob", "carol"]
        for student, expected in (("alice", full), ("bob", 0.0)):
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.timestamp == SUBMITTED_AT[student]
            assert submission.score == expected, f"{student}: {submission.score} != {expected}"
            grades = [g for nb in submission.notebooks for g in nb.grades]
            assert len(grades) == len(assignment.notebooks[0].grade_cells)
            for grade in grades:
                wanted = grade.max_score if student == "alice" else 0.0
                assert grade.auto_score == wanted, f"{student}'s {grade.name}: {grade.auto_score}"
                assert not grade.needs_manual_grade, f"{student}'s {grade.name} needs review"
        # nbgrader's own comment on an answer cell left as released.
        bob = gradebook.find_submission(ASSIGNMENT, "bob")
        assert {c.auto_comment for nb in bob.notebooks for c in nb.comments} == {"No response."}
        alice = gradebook.find_submission(ASSIGNMENT, "alice")
        assert {c.auto_comment for nb in alice.notebooks for c in nb.comments} == {None}

    # Formgrader opens the executed notebooks, and lists both as autograded with their scores.
    for student in ("alice", "bob"):
        notebook = nbformat.read(_autograded(course, student), 4)
        # Every code cell ran (ps1's cells print nothing when they pass, so count executions).
        counts = [c.get("execution_count") for c in notebook.cells if c.cell_type == "code"]
        assert counts and all(counts), f"{student}'s is not executed: {counts}"
    config = PyFileConfigLoader(pipeline.CONFIG.name, path=str(pipeline.CONFIG.parent))
    listed = {
        s["student"]: s
        for s in NbGraderAPI(config=config.load_config()).get_submissions(ASSIGNMENT)
    }
    assert listed["alice"]["autograded"] and listed["alice"]["score"] == full
    assert listed["bob"]["autograded"] and listed["bob"]["score"] == 0.0
    assert listed["carol"]["submitted"] and not listed["carol"]["autograded"]

    exported = _export(course, tmp_path)
    assert float(exported["alice"]["score"]) == full == float(exported["alice"]["max_score"])
    assert float(exported["bob"]["score"]) == 0.0
    assert exported["alice"]["timestamp"].startswith("2026-01-05 10:00:00")


@pytest.mark.slow
def test_grading_again_replaces_the_auto_grades_and_keeps_the_manual_ones(
    course, tmp_path, grading_sandbox
):
    """Bob answers after all: his grades are replaced, not added; the grader's score stays."""
    with _gradebook(course) as gradebook:
        cell = gradebook.find_assignment(ASSIGNMENT).notebooks[0].grade_cells[0]
        full, first, first_points = cell.notebook.max_score, cell.name, cell.max_score
        manual = gradebook.find_grade(first, ASSIGNMENT, ASSIGNMENT, "bob")
        manual.manual_score = 3.0
        gradebook.update_or_create_student("bob", first_name="Bob")
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=SUBMITTED_AT["bob"])
        gradebook.grant_extension(ASSIGNMENT, "bob", days=2)  # reaches the worker's gradebook
        counts = {table: gradebook.db.query(table).count() for table in _tables()}
    again = tmp_path / "again"
    resubmitted = SUBMITTED_AT["bob"] + timedelta(days=1)
    _submit(again, "bob", "answered", resubmitted)
    before = _autograded(course, "bob").read_text()

    rows = pipeline.autograde(
        again, tmp_path / "out", jobs=1, limits=LIMITS, progress=False, record=True
    )
    assert [r.status for r in rows] == ["graded"] and rows[0].score == full
    # A day past the due date, within the extension: the worker knew both.
    log = (tmp_path / "out" / "logs" / f"bob--{ASSIGNMENT}.log").read_text()
    assert "seconds late" not in log and "submitted at 2026-01-06 11:00:00" in log

    with _gradebook(course) as gradebook:
        assert {t: gradebook.db.query(t).count() for t in _tables()} == counts
        submission = gradebook.find_submission(ASSIGNMENT, "bob")
        assert submission.timestamp == resubmitted
        assert submission.extension == timedelta(days=2)
        assert gradebook.find_student("bob").first_name == "Bob"
        grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
        assert all(g.auto_score == g.max_score for g in grades.values())
        assert grades[first].manual_score == 3.0 and grades[first].needs_manual_grade
        assert not any(g.needs_manual_grade for n, g in grades.items() if n != first)
        assert submission.score == full - first_points + 3.0  # a manual score wins
    assert _autograded(course, "bob").read_text() != before
    assert not (tmp_path / "out" / ".record").exists(), "the workers' results were left behind"


def _tables():
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook

    return (Student, SubmittedAssignment, SubmittedNotebook, Grade, Comment)


@pytest.mark.slow
def test_a_submission_that_fails_is_recorded_with_zero_for_manual_grading(
    course, tmp_path, grading_sandbox
):
    """Carol's junk, then alice's broken resubmission: 0 on every cell, no autograded notebook."""
    assert not _autograded(course, "carol").parent.exists()
    with _gradebook(course) as gradebook:
        carol = gradebook.find_submission(ASSIGNMENT, "carol")
        assert carol.timestamp == SUBMITTED_AT["carol"] and carol.score == 0.0
        grades = [g for nb in carol.notebooks for g in nb.grades]
        assert grades and all(g.auto_score == 0.0 and g.needs_manual_grade for g in grades)
        students = gradebook.db.query(_tables()[0]).count()

    broken = tmp_path / "broken"
    resubmitted = SUBMITTED_AT["alice"] + timedelta(hours=1)
    _submit(broken, "alice", "junk", resubmitted)
    rows = pipeline.autograde(
        broken, tmp_path / "out", jobs=1, limits=LIMITS, progress=False, record=True
    )
    assert [r.status for r in rows] == ["not-a-notebook"]

    with _gradebook(course) as gradebook:
        assert gradebook.db.query(_tables()[0]).count() == students
        alice = gradebook.find_submission(ASSIGNMENT, "alice")
        assert alice.timestamp == resubmitted and alice.score == 0.0
        grades = [g for nb in alice.notebooks for g in nb.grades]
        assert all(g.auto_score == 0.0 and g.needs_manual_grade for g in grades)
        assert {c.auto_comment for nb in alice.notebooks for c in nb.comments} == {None}
    assert not _autograded(course, "alice").parent.exists(), "the earlier notebook is still there"
    exported = _export(course, tmp_path)
    assert float(exported["alice"]["score"]) == 0.0 and float(exported["carol"]["score"]) == 0.0


@pytest.mark.slow
def test_the_command_line_records_unless_told_not_to(course, tmp_path, grading_sandbox):
    """`autograde` records by default; `--no-course-gradebook` leaves the gradebook alone."""
    _submit(tmp_path / "subs", "dave", "junk", datetime(2026, 1, 6))
    args = ["autograde", str(tmp_path / "subs"), str(tmp_path / "out"), "--jobs", "1"]
    before = (course / "gradebook.db").read_bytes()
    assert pipeline.main([*args, "--no-course-gradebook"]) == 0
    assert (course / "gradebook.db").read_bytes() == before
    assert (tmp_path / "out" / "grades.csv").read_text().splitlines()[1].startswith("dave,")

    assert pipeline.main(args) == 0
    with _gradebook(course) as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "dave").score == 0.0


@pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")  # add_submission
def test_the_course_assignment_is_made_to_match_the_graded_one(tmp_path):
    """Missing or stale: replaced; with submissions: refused; due dates and extensions cross."""
    template = tmp_path / "template"
    pipeline.generate([ASSIGNMENT], work=template, release=tmp_path / "release")
    stale = tmp_path / "course.db"
    due = datetime(2026, 1, 4, 23, 59)
    with record.open_gradebook(f"sqlite:///{stale}", "gan-course") as course:  # a new one
        course.add_assignment(ASSIGNMENT, duedate=due)
        course.add_notebook(ASSIGNMENT, ASSIGNMENT)
        course.add_grade_cell("old_test", ASSIGNMENT, ASSIGNMENT, max_score=5, cell_type="code")

    def prepare():
        with (
            record.open_gradebook(f"sqlite:///{stale}", "gan-course") as course,
            record.open_gradebook(f"sqlite:///{template / 'gradebook.db'}", "gan-course") as tb,
        ):
            extensions = record.prepare(course, tb, [ASSIGNMENT])
            cells = record._cell_names(course.find_assignment(ASSIGNMENT))
            assert cells == record._cell_names(tb.find_assignment(ASSIGNMENT))
            assert tb.find_assignment(ASSIGNMENT).duedate == due
            assert course.find_assignment(ASSIGNMENT).max_score == 100.0
            return extensions

    assert prepare() == {}  # the stale version had no submissions: replaced
    with Gradebook(f"sqlite:///{stale}", "gan-course") as course:
        course.add_student("erin")
        course.add_submission(ASSIGNMENT, "erin")
        course.grant_extension(ASSIGNMENT, "erin", days=2)
    assert prepare() == {(ASSIGNMENT, "erin"): timedelta(days=2)}  # same cells: fine

    with Gradebook(f"sqlite:///{stale}", "gan-course") as course:
        course.add_grade_cell("new_test", ASSIGNMENT, ASSIGNMENT, max_score=5, cell_type="code")
    with pytest.raises(record.GradebookMismatch, match="no-course-gradebook"):
        prepare()
    with Gradebook(f"sqlite:///{stale}", "gan-course") as course:
        assert course.find_submission(ASSIGNMENT, "erin").extension == timedelta(days=2)
