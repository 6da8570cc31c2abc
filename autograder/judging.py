"""Phase 2 of grading one submission, run by the worker after nbgrader's autograde (phase 1).

The worker (``autograder/worker.py``) has just executed the notebook as released in the
submission's jail; nothing it produced decides a point. Here the checks of
``autograder/checks/`` judge the student's definitions through a fresh probe process in the
same jail (its processes killed first), and the verdicts are written where nbgrader reads them:

- the worker's copy of the gradebook: each test cell's ``auto_score`` (``manual_score``
  cleared), through nbgrader's API as ``autograder/record.py`` does;
- the autograded notebook: each test cell's outputs become the verdict (points and message),
  and a summary cell opens the notebook (per graded function: points, what was wrong, the book
  section). nbgrader's feedback and the formgrader show these.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import nbformat

from autograder import checks
from autograder.checks import Judgement
from autograder.probes import command
from autograder.record import open_gradebook

REPOSITORY = Path(__file__).resolve().parent.parent
SOLUTIONS = REPOSITORY / "solutions"
#: The first cell of every graded notebook: the summary the student reads first.
SUMMARY_ID = "gancourse-summary"


def probe_runner(jail, library: str, timeout: float):
    """How the checks run the probe: in ``jail`` (sandboxed), or as a plain subprocess."""
    if jail is None:
        return checks.run_unsandboxed

    def run(job: Path, limit: float) -> tuple[str, str]:
        stdout, problem = jail.run(
            command(jail.python, library, str(job)), min(limit, timeout), files=job.parent
        )
        return stdout, f"the checks {problem}" if problem else ""

    return run


def judge_submission(
    assignment: str, submitted: Path, run_probe, timeout: float
) -> dict[str, Judgement]:
    """Judge every notebook of one submission; by notebook name (without ``.ipynb``)."""
    found = {}
    for instructor in sorted((SOLUTIONS / assignment).glob("*.ipynb")):
        notebook = nbformat.read(submitted / instructor.name, as_version=4)
        (found[instructor.stem],) = checks.judge_notebooks(
            assignment, instructor, [notebook], run_probe, timeout
        )
    return found


def record(work: Path, assignment: str, student: str, judgements: dict[str, Judgement]) -> None:
    """Write the verdicts into the worker's gradebook copy and the autograded notebooks."""
    with open_gradebook(f"sqlite:///{work / 'gradebook.db'}", "gan-course") as gb:
        for notebook, judgement in judgements.items():
            for verdict in judgement.verdicts:
                grade = gb.find_grade(verdict.grade_id, notebook, assignment, student)
                grade.auto_score = verdict.points
                grade.manual_score = None
                grade.extra_credit = None
                grade.needs_manual_grade = False
            gb.db.commit()
    for notebook, judgement in judgements.items():
        path = work / "autograded" / student / assignment / f"{notebook}.ipynb"
        instructor = nbformat.read(SOLUTIONS / assignment / f"{notebook}.ipynb", as_version=4)
        nb = nbformat.read(path, as_version=4)
        show(nb, instructor, judgement)
        nbformat.write(nb, path)


def split_reference(message: str) -> tuple[str, str]:
    """``(text, targets)`` of a message that ends in a book reference (see
    ``gancourse/book_refs.py`` for the form); ``(message, "")`` when it does not."""
    from gancourse.book_refs import REFERENCE

    found = list(REFERENCE.finditer(message))
    if not found or message[found[-1].end() :].strip():
        return message, ""
    start = message.rfind("(", 0, found[-1].start())
    return message[: max(start, 0)].rstrip(), found[-1].group("targets").strip()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|$~#!])")


def plain(text: str) -> str:
    """``text`` as Markdown that shows it literally (a message may quote the student's code)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


@functools.cache
def _book():
    from gancourse.book_refs import Book

    return Book.load(REPOSITORY)


def book_link(reference: str) -> str:
    """A Markdown link to the book section at the published book's address (``addresses.toml``
    or ``$GANCOURSE_BOOK_URL``); the reference as text where no address is set or the
    reference is unknown."""
    from gancourse.addresses import load

    base = load().book_url.rstrip("/")
    label = plain("book: " + reference.split(";")[0].strip())
    if not base:
        return f"*{label}*"
    try:
        from gancourse.book_refs import parse_targets

        target = parse_targets(reference)[0]
        url = _book().resolve(target.page, target.heading)
    except Exception:  # a reference the book's tests would reject: shown, not linked
        return f"*{label}*"
    return f"[{label}]({base}/{url})"


def summary_markdown(judgement: Judgement, instructor) -> str:
    """Per graded function: points, what the checks found, the book section."""
    solutions = checks.solution_ids(instructor)
    by_function: dict[str, list] = {}
    for verdict in judgement.verdicts:
        function = checks.function_of(verdict.grade_id, solutions)
        function = function or verdict.grade_id.removeprefix("test_").replace("_", " ")
        by_function.setdefault(function, []).append(verdict)
    full = sum(v.max_points for v in judgement.verdicts)
    lines = [
        f"## Your score: {judgement.score:g} / {full:g}",
        "",
        "The grader checked each graded function outside your notebook, on inputs of its own; "
        "the output under each test cell below repeats its verdict.",
        "",
        "| Function | Points | What the checks found |",
        "| --- | --- | --- |",
    ]
    for function, verdicts in by_function.items():
        points = sum(v.points for v in verdicts)
        total = sum(v.max_points for v in verdicts)
        found = []
        for v in verdicts:
            if not v.passed:
                text, reference = split_reference(v.message)
                found.append(plain(text) + (f" ({book_link(reference)})" if reference else ""))
        mark = "✔" if points == total else "✘"
        what = " • ".join(found) if found else "every check passed"
        lines.append(f"| {mark} `{function}` | {points:g} / {total:g} | {what} |")
    if judgement.problem:
        lines += ["", f"**The checks did not all finish:** {plain(judgement.problem)}"]
    if judgement.dropped:
        lines += [
            "",
            "The grader runs only the imports, definitions and constants of your answer "
            "cells. It left out:",
            "",
        ]
        lines += [f"- {plain(d)}" for d in judgement.dropped[:20]]
    return "\n".join(lines)


def show(nb, instructor, judgement: Judgement) -> None:
    """Put the verdicts into the notebook: a summary first, each test cell's verdict below it."""
    verdicts = {v.grade_id: v for v in judgement.verdicts}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id not in verdicts:
            continue
        verdict = verdicts[grade_id]
        if verdict.passed:
            text = (
                f"Grader: {verdict.points:g} / {verdict.max_points:g} points. Every check passed.\n"
            )
        else:
            text = (
                f"Grader: {verdict.points:g} / {verdict.max_points:g} points. {verdict.message}\n"
            )
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.cells = [c for c in nb.cells if c.get("id") != SUMMARY_ID]
    summary = nbformat.v4.new_markdown_cell(summary_markdown(judgement, instructor))
    summary["id"] = SUMMARY_ID
    nb.cells.insert(0, summary)


def write_json(path: Path, judgements: dict[str, Judgement]) -> None:
    path.write_text(json.dumps({nb: j.to_json() for nb, j in judgements.items()}, indent=1))
