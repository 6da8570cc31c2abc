"""Lay out a class of submissions: the attackers, and honest students graded beside them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autograder import notebooks
from autograder.attacks.core import ATTACKS, PREAMBLE, Targets, wrap
from autograder.notebooks import answered_release


@dataclass(frozen=True)
class Submission:
    """One student's folder: the attacks it holds and what it deserves."""

    student: str
    attacks: tuple[str, ...]
    #: Answers filled in (deserves full marks, no more) or left as released (deserves 0).
    answered: bool = False


#: The honest students: a correct one (full marks, ``graded``) and a blank one (0).
HONEST_CORRECT = "alice"
HONEST_BLANK = "bob"

#: Students whose notebook holds attacks (appended to the first answer cell, in this order, or
#: edits of the notebook). Attacks that kill their kernel or wait have a student each; the
#: others share one per class, to keep the run short (every kernel imports TensorFlow).
SUBMISSIONS = (
    Submission(HONEST_CORRECT, (), answered=True),
    Submission(HONEST_BLANK, ()),
    Submission(
        "persist",
        ("config_files", "ipython_startup", "course_package", "dataset_cache", "grade_files"),
    ),
    Submission("detach", ("detached_popen", "double_fork")),
    Submission(
        "reader",
        (
            "read_solutions",
            "read_gradebooks",
            "read_other_students",
            "read_via_proc",
            "read_root_files",
        ),
    ),
    Submission("kill-parent", ("kill_parent",)),
    Submission("kill-all", ("kill_everyone",)),
    Submission("locker", ("lock_sqlite",)),
    Submission("forker", ("fork_bomb",)),
    Submission("burner", ("busy_loops",)),
    Submission("filler", ("fill_workdir", "fill_shm", "fill_tmp")),
    Submission("hoarder", ("fill_root",)),  # likely stopped at its memory limit
    Submission("netcat", ("network",)),
    Submission("shouter", ("huge_output_line",)),
    Submission("novelist", ("huge_markdown_cell",)),
    Submission("scripter", ("script_outputs", "script_markdown_cell")),
    Submission(
        "cheater",
        (
            "fake_execute_results",
            "silence_errors",
            "swallow_assertions",
            "write_manual_score",
            "patch_comparisons",
            "print_history",
            "unhide_reference",
        ),
    ),
    Submission("remover", ("delete_setup_cell",)),
    Submission("caller-reader", ("read_callers", "reference_in_probe", "computed_defaults")),
    Submission("forger", ("forge_report", "end_probe")),
    Submission("patcher", ("patch_probe",)),
    # The second variant: the same attacks in a fully answered notebook deserve full marks,
    # no more (and must not cost the student the marks their answers earn).
    Submission(
        "answered",
        (
            "read_solutions",
            "read_gradebooks",
            "read_other_students",
            "network",
            "config_files",
            "course_package",
            "grade_files",
            "delete_setup_cell",
        ),
        answered=True,
    ),
)


def _released(assignment: str):
    return notebooks.read(notebooks.release_path(assignment))


def first_answer_cell(notebook):
    return notebooks.cells(notebook, "answer")[0]


def attacked_notebook(targets: Targets, submission: Submission):
    """The notebook of ``submission``: its code attacks appended to the first answer cell."""
    notebook = (answered_release if submission.answered else _released)(targets.assignment)
    code = [ATTACKS[name] for name in submission.attacks if ATTACKS[name].kind == "code"]
    if code:
        source = targets.fill(PREAMBLE)
        for attack in code:
            source += wrap(attack.name, attack.build(targets))
        first_answer_cell(notebook).source += "\n\n" + source
    for name in submission.attacks:
        if ATTACKS[name].kind == "definitions":
            for function, source in ATTACKS[name].build(targets).items():
                cell = next(c for c in notebook.cells if f"def {function}(" in c.source)
                cell.source += "\n\n" + targets.fill(source)
    for name in submission.attacks:
        if ATTACKS[name].kind == "notebook":
            ATTACKS[name].build(targets, notebook)
    return notebook


class SubmissionWriter:
    """Writes student folders under ``targets.submissions`` (names may be bytes)."""

    def __init__(self, targets: Targets):
        self.targets = targets
        self.honest_correct = HONEST_CORRECT

    def folder(self, student: str | bytes, answered: bool = False, write_notebook: bool = True):
        """``<submissions>/<student>/<assignment>/``, with a blank or answered notebook."""
        import nbformat

        name = os.fsencode(student)
        path = os.fsencode(self.targets.submissions) + b"/" + name
        path += b"/" + self.targets.assignment.encode()
        os.makedirs(path)
        if write_notebook:
            notebook = (answered_release if answered else _released)(self.targets.assignment)
            notebook_path = path + b"/" + f"{self.targets.assignment}.ipynb".encode()
            with open(notebook_path, "w", encoding="utf-8") as handle:
                nbformat.write(notebook, handle)
        return Path(os.fsdecode(path))


@dataclass(frozen=True)
class Planted:
    """Who was written: each attack's student ids, and what each student deserves."""

    students: dict[str, tuple[str, ...]]  # attack name -> the ids grades.csv shows for it
    deserved: dict[str, str]  # student id -> "zero" or "full"


def write_class(targets: Targets) -> Planted:
    """Write every submission of :data:`SUBMISSIONS` and every folder attack."""
    import nbformat

    targets.submissions.mkdir(parents=True, exist_ok=True)
    writer = SubmissionWriter(targets)
    students: dict[str, list[str]] = {}
    deserved: dict[str, str] = {}
    for submission in SUBMISSIONS:
        folder = writer.folder(submission.student, write_notebook=False)
        notebook = attacked_notebook(targets, submission)
        nbformat.write(notebook, folder / f"{targets.assignment}.ipynb")
        deserved[submission.student] = "full" if submission.answered else "zero"
        for name in submission.attacks:
            students.setdefault(name, []).append(submission.student)
    for attack in ATTACKS.values():
        if attack.kind == "folder":
            ids = attack.build(targets, writer)
            students[attack.name] = list(ids)
            deserved.update(dict.fromkeys(ids, "zero"))  # refused, whatever they hold
    missing = sorted(set(ATTACKS) - set(students))
    if missing:
        raise ValueError(f"attacks in no submission: {missing}")
    return Planted({k: tuple(v) for k, v in students.items()}, deserved)
