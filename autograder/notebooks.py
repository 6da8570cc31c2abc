"""The problem sets' notebooks as the autograder reads them: where they are, what each cell is.

Every module of the autograder (the judge, the libraries, the attacks, the benchmarks and the
tests) asks here what a cell is and builds "the release with the answers filled in" here, so
that the rules live in one place:

- an **answer** cell is an nbgrader solution cell (the student writes it);
- a **test** cell is a grade cell that is not a solution cell (its points are judged by
  ``autograder/checks/``);
- a **provided** cell is a locked cell that is neither (imports, setup, helpers: the judge's
  probe runs the instructor's copy);
- anything else is **free** code or Markdown.
"""

from __future__ import annotations

import copy
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SOLUTIONS = REPOSITORY / "solutions"
RELEASES = REPOSITORY / "assignments"


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def kind(cell) -> str:
    """``"answer"``, ``"test"``, ``"provided"``, ``"free"`` or ``"markdown"``."""
    if cell.get("cell_type") != "code":
        return "markdown"
    meta = nbgrader(cell)
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    if meta.get("locked"):
        return "provided"
    return "free"


def cells(notebook, which: str) -> list:
    """The cells of ``notebook`` of one :func:`kind`, in order."""
    return [c for c in notebook.cells if kind(c) == which]


def grade_id(cell) -> str | None:
    return nbgrader(cell).get("grade_id")


def instructor_path(assignment: str) -> Path:
    return SOLUTIONS / assignment / f"{assignment}.ipynb"


def release_path(assignment: str) -> Path:
    return RELEASES / assignment / f"{assignment}.ipynb"


def read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def answers(assignment: str) -> dict[str, str]:
    """The instructor's answer cells' sources, by grade id."""
    return {grade_id(c): c.source for c in cells(read(instructor_path(assignment)), "answer")}


def with_answers(notebook, sources: dict[str, str], extra: dict[str, str] | None = None):
    """A copy of ``notebook`` whose answer cells hold ``sources`` (by grade id), each followed
    by the definitions in ``extra`` (by function name) that replace one it defines."""
    notebook = copy.deepcopy(notebook)
    for cell in cells(notebook, "answer"):
        cell.source = sources.get(grade_id(cell), cell.source)
        for function, source in (extra or {}).items():
            if f"def {function}(" in cell.source:
                cell.source += "\n\n" + source
    return notebook


def answered_release(assignment: str, extra: dict[str, str] | None = None):
    """What a good student submits: the release with every answer from the instructor's
    notebook (and ``extra`` definitions appended after the ones they replace)."""
    return with_answers(read(release_path(assignment)), answers(assignment), extra)
