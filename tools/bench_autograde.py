"""Benchmark: the course pipeline against nbgrader's own sequential autograde, side by side.

Builds a class of submissions for one assignment (correct answers, known wrong solutions from
the library, untouched releases, a non-notebook, a deleted test cell), grades it once with
``autograder.pipeline.autograde`` (parallel workers, each submission's kernel in its sandbox,
limits, feedback) and once with
``nbgrader autograde`` over the same folder (one process, students one after another, no
feedback), and prints JSON with both wall times and their ratio.

    .venv/bin/python -m tools.bench_autograde --assignment ps1-gan-foundations --students 40
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import notebooks, pipeline
from autograder.calibration import cpu_name
from autograder.wrong_solutions import library


def answered_release(assignment: str, replace: dict[str, str] | None = None):
    """The released notebook with every answer filled in from the solution (or ``replace``)."""
    return notebooks.answered_release(assignment, replace)


def make_class(assignment: str, students: int, folder: Path) -> dict[str, str]:
    """Write ``students`` submissions; return student -> kind."""
    wrong = library(assignment)
    kinds = {}
    for index in range(students):
        student = f"student{index:03d}"
        target = folder / student / assignment
        target.mkdir(parents=True)
        path = target / f"{assignment}.ipynb"
        slot = index % 10
        if slot < 4:
            kinds[student] = "correct"
            nbformat.write(answered_release(assignment), path)
        elif slot < 8 and wrong:
            bug = wrong[index % len(wrong)]
            kinds[student] = f"wrong:{bug.name}"
            nbformat.write(answered_release(assignment, {bug.function: bug.source}), path)
        elif slot == 8:
            kinds[student] = "blank"
            shutil.copy2(pipeline.RELEASES / assignment / f"{assignment}.ipynb", path)
        elif index % 20 == 9:
            kinds[student] = "not-a-notebook"
            path.write_text("{ this is not json")
        else:
            kinds[student] = "deleted-test-cell"
            notebook = answered_release(assignment)
            tests = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("points")]
            notebook.cells.remove(tests[0])
            nbformat.write(notebook, path)
    return kinds


def nbgrader_sequential(assignment: str, submissions: Path, work: Path) -> float:
    """nbgrader's own autograde over the same folder: one command, students in sequence."""
    template = work / "template"
    template.mkdir(parents=True)
    pipeline.generate([assignment], work=template, release=template / "release")
    shutil.copytree(submissions, template / "submitted")
    command = [
        sys.executable,
        "-m",
        "nbgrader",
        "autograde",
        assignment,
        "--force",
        f"--NbGrader.config_file={pipeline.CONFIG}",
    ]
    start = time.perf_counter()
    subprocess.run(
        command,
        cwd=work,
        env=pipeline._nbgrader_env(template),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ps1-gan-foundations")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--no-sandbox", dest="sandboxed", action="store_false", help="grade unsandboxed (trusted)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        root = Path(tmp)
        kinds = make_class(args.assignment, args.students, root / "submitted")
        start = time.perf_counter()
        rows = pipeline.autograde(
            root / "submitted",
            root / "out",
            jobs=args.jobs,
            progress=False,
            sandboxed=args.sandboxed,
        )
        ours = time.perf_counter() - start
        theirs = nbgrader_sequential(args.assignment, root / "submitted", root / "nbgrader")
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    kind_counts: dict[str, int] = {}
    for kind in kinds.values():
        key = kind.split(":")[0]
        kind_counts[key] = kind_counts.get(key, 0) + 1
    print(
        json.dumps(
            {
                "cpu": cpu_name(),
                "assignment": args.assignment,
                "sandbox": args.sandboxed,
                "submissions": len(kinds),
                "kinds": kind_counts,
                "rows": len(rows),
                "statuses": statuses,
                "jobs": args.jobs,
                "pipeline_seconds": round(ours, 1),
                "pipeline_includes": "generate, parallel autograde, feedback HTML, grades.csv",
                "nbgrader_sequential_seconds": round(theirs, 1),
                "nbgrader_includes": "autograde only (no feedback)",
                "nbgrader_tests": "the visible tests (the checks are not in the notebook)",
                "pipeline_tests": "phase 1 (the notebook, visible tests) and phase 2 (the checks)",
                "speedup": round(theirs / ours, 2),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
