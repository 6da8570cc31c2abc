"""Record the pipeline's grades in the course gradebook, which formgrader and nbgrader export read.

``python -m autograder.pipeline autograde`` grades every submission in a gradebook of its own (a
copy of ``OUT/.gradebook``), so that submissions can be graded in parallel. The course gradebook,
``$GANCOURSE_GRADING_DIR/gradebook.db`` (by default ``autograder/work/gradebook.db``, see
``autograder/nbgrader_config.py``), learns the results here, through nbgrader's ``Gradebook``
API. Only the pipeline's parent process writes to it, one submission at a time, as each worker
finishes; the workers never open it.

- :func:`prepare` runs before grading. The course's assignment is made to match the one the
  workers grade against (generated from ``solutions/`` into ``OUT/.gradebook``): what is missing
  is created; an older version with other cells is replaced when it has no submissions, as
  ``nbgrader generate_assignment`` would do, and refused when it has some, as nbgrader refuses.
  The course's due date goes the other way, into the template, and each student's extension is
  returned for the worker, so late penalties are those the course would give (an extension
  of an assignment without a due date means nothing, and nbgrader fails on it: it is left out).
- :func:`record_graded` copies one graded submission (every ``graded*`` status): the
  SubmittedAssignment with its timestamp (the submission's ``timestamp.txt``), each notebook's
  late-submission penalty, each Grade's ``auto_score`` and each Comment's ``auto_comment``. The
  autograded notebooks go to the course's ``autograded/<student>/<assignment>/``, where
  formgrader opens them for manual grading.
- :func:`record_failed` records a submission that could not be graded (``timeout``,
  ``memory-limit``, ``kernel-died``, ``cell-timeout``, ``not-a-notebook``,
  ``missing-notebook``, ``error``) with an auto score of 0 on every test cell, every cell marked
  as needing manual grading, no auto comments and no autograded notebook (an earlier one is
  removed). The student is then listed in formgrader and ``nbgrader export`` gives 0, not the
  grades of an earlier submission and not a half-filled submission; why it failed is in the
  ``status`` column of ``grades.csv`` and in ``OUT/logs/``. An ``unknown-assignment`` has no
  place in the gradebook and is not recorded.
- Grading again replaces, never duplicates: nbgrader keeps one submission per student and
  assignment and one grade per cell, and they are updated in place. What a person entered in
  formgrader (manual scores, extra credit, manual comments, flags, the student's name) is kept,
  as ``nbgrader autograde --force`` keeps it, and a cell with a manual score is marked for
  review again.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

#: How long a write waits for another process's lock on an SQLite gradebook.
BUSY_TIMEOUT_SECONDS = 60


class GradebookMismatch(RuntimeError):
    """The course gradebook holds another version of an assignment, with submissions."""


@contextmanager
def open_gradebook(db_url: str, course_id: str) -> Iterator:
    """nbgrader's ``Gradebook`` at ``db_url``, created if missing, closed on exit.

    SQLite gradebooks are opened with a busy timeout of :data:`BUSY_TIMEOUT_SECONDS`.

    Creating a gradebook runs ``alembic`` from ``PATH``: this environment's is put first.
    """
    from nbgrader.api import Gradebook

    path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), path])
    if db_url.startswith("sqlite:///") and "?" not in db_url:
        # Wait for a lock (formgrader saving a manual grade) instead of failing at once.
        db_url += f"?timeout={BUSY_TIMEOUT_SECONDS}"
    try:
        gradebook = Gradebook(db_url, course_id)
    finally:
        os.environ["PATH"] = path
    with gradebook:
        yield gradebook


def submission_timestamp(folder: Path) -> datetime | None:
    """The time in a submission's ``timestamp.txt``, in UTC; None if missing or unreadable."""
    from nbgrader.utils import parse_utc

    path = Path(folder) / "timestamp.txt"
    if not path.is_file():
        return None
    try:
        return parse_utc(path.read_text().strip()) or None
    except (ValueError, OverflowError):
        return None


def _cell_names(assignment) -> dict[str, tuple[list[str], ...]]:
    """The notebooks and cells of an assignment that nbgrader cannot change under submissions."""
    return {
        nb.name: tuple(
            sorted(cell.name for cell in cells)
            for cells in (nb.grade_cells, nb.solution_cells, nb.task_cells, nb.source_cells)
        )
        for nb in assignment.notebooks
    }


def prepare(course, template, assignments: list[str]) -> dict[tuple[str, str], timedelta]:
    """Make each assignment of ``course`` match ``template``; return the extensions.

    ``course`` and ``template`` are open ``Gradebook`` objects. Returns ``{(assignment, student):
    extension}`` for every extension the course grants, and writes the course's due dates into
    the template. Raises :class:`GradebookMismatch` when the course holds another version of an
    assignment and submissions of it.
    """
    from nbgrader.api import MissingEntry

    extensions = {}
    for name in assignments:
        source = template.find_assignment(name)
        try:
            target = course.find_assignment(name)
        except MissingEntry:
            target = course.add_assignment(name)
        if _cell_names(target) != _cell_names(source):
            if target.submissions:
                raise GradebookMismatch(
                    f"the course gradebook's {name} has other notebooks or cells than "
                    f"solutions/{name} and {len(target.submissions)} submission(s) of it, so "
                    "nbgrader cannot update it: grade with --no-course-gradebook, or remove the "
                    "assignment's submissions in formgrader first"
                )
            for notebook in list(target.notebooks):
                course.remove_notebook(notebook.name, name)
        for nb in source.notebooks:
            course.update_or_create_notebook(nb.name, name, kernelspec=nb.kernelspec)
            for cell in nb.grade_cells:
                course.update_or_create_grade_cell(
                    cell.name, nb.name, name, max_score=cell.max_score, cell_type=cell.cell_type
                )
            for cell in nb.solution_cells:
                course.update_or_create_solution_cell(cell.name, nb.name, name)
            for cell in nb.task_cells:
                course.update_or_create_task_cell(
                    cell.name, nb.name, name, max_score=cell.max_score, cell_type=cell.cell_type
                )
            for cell in nb.source_cells:
                course.update_or_create_source_cell(
                    cell.name,
                    nb.name,
                    name,
                    cell_type=cell.cell_type,
                    locked=cell.locked,
                    source=cell.source,
                    checksum=cell.checksum,
                )
        template.update_or_create_assignment(name, duedate=target.duedate)
        for submission in target.submissions if target.duedate is not None else []:
            # nbgrader's autograde fails on an extension of no due date; it means nothing.
            if submission.extension is not None:
                extensions[(name, submission.student.id)] = submission.extension
    return extensions


def _submission(course, assignment: str, student: str, timestamp: datetime | None):
    from sqlalchemy.exc import SAWarning

    course.update_or_create_student(student)  # creates; keeps a name formgrader has
    with warnings.catch_warnings():
        # nbgrader's add_submission builds its objects in a way SQLAlchemy warns about.
        warnings.filterwarnings("ignore", "Object of type", SAWarning)
        submission = course.update_or_create_submission(assignment, student)
    submission.timestamp = timestamp  # the new submission's, even None: never an older one
    return submission


def record_graded(course, graded: Path, student: str, assignment: str) -> None:
    """Copy one submission's results from the worker's gradebook ``graded`` into ``course``."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded}", course.course_id) as worker:
        result = worker.find_submission(assignment, student)
        try:
            submission = _submission(course, assignment, student, result.timestamp)
            expected = {(nb.name, g.name) for nb in submission.notebooks for g in nb.grades}
            copied = set()
            for nb in result.notebooks:
                target = course.find_submission_notebook(nb.name, assignment, student)
                target.late_submission_penalty = nb.late_submission_penalty
                for grade in nb.grades:
                    mine = course.find_grade(grade.name, nb.name, assignment, student)
                    mine.auto_score = grade.auto_score
                    mine.needs_manual_grade = bool(
                        grade.needs_manual_grade or mine.manual_score is not None
                    )
                    copied.add((nb.name, grade.name))
                for comment in nb.comments:
                    mine = course.find_comment(comment.name, nb.name, assignment, student)
                    mine.auto_comment = comment.auto_comment
            if copied != expected:
                raise GradebookMismatch(
                    f"{student}'s {assignment}: the worker graded {sorted(copied)}, "
                    f"the course gradebook expects {sorted(expected)}"
                )
            course.db.commit()
        except Exception:
            course.db.rollback()
            raise


def record_failed(course, student: str, assignment: str, timestamp: datetime | None) -> None:
    """Record a submission that could not be graded: 0 on every cell, all for manual grading."""
    try:
        submission = _submission(course, assignment, student, timestamp)
        for nb in submission.notebooks:
            nb.late_submission_penalty = None
            for grade in nb.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = True
            for comment in nb.comments:
                comment.auto_comment = None
        course.db.commit()
    except Exception:
        course.db.rollback()
        raise


def place_autograded(source: Path | None, destination: Path) -> None:
    """Replace the course's autograded folder of one submission by ``source`` (or remove it)."""
    destination = Path(destination)
    if destination.exists():
        shutil.rmtree(destination)
    if source is not None and Path(source).is_dir():
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, destination)
