"""A library of wrong solutions and of correct variants, and the runner that proves each one
loses points (wrong) or keeps every point (correct).

Each assignment has a module here (``ps1_gan_foundations.py`` for ``ps1-gan-foundations``)
defining ``WRONG_SOLUTIONS``: real bugs seen in public GAN code, each replacing one graded
function; and, optionally, ``CORRECT_VARIANTS``: correct answers written the way public code
writes them (other layers within the contract, other idioms), each of which must score full
marks. The runner executes the instructor's notebook cell by cell in a fresh namespace, as
the autograder would (hidden tests included), once with the reference solution, once blank
(every solution cell as released to students) and once per variant, and reports the
points of every test cell and the message of every failure.

    python -m autograder.wrong_solutions ps1-gan-foundations        # a table
    python -m autograder.wrong_solutions ps1-gan-foundations --json # what the tests read

It runs all variants of one assignment in one process, so TensorFlow is imported once; the
test suite starts one such process per assignment.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class WrongSolution:
    """One known-wrong answer to one graded function."""

    name: str  # short id, e.g. "swapped-labels"
    function: str  # the graded function it replaces
    source: str  # the wrong definition (a complete `def function(...)`)
    expect: str  # words a failing test's message must contain (case-insensitive)
    origin: str = ""  # where the bug is seen, in a few words


@dataclass(frozen=True)
class CorrectVariant:
    """A correct answer to one graded function, written another way than the reference."""

    name: str  # short id, e.g. "upsampling-generator"
    function: str  # the graded function it replaces
    source: str  # the definition (a complete `def function(...)`)
    origin: str = ""  # how public code writes it, in a few words
    known_gap: str = ""  # why a hidden check still takes points from it (a defect to fix)


def _module(assignment: str):
    module_name = f"{__name__}.{assignment.replace('-', '_')}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:
            return None
        raise


def library(assignment: str) -> list[WrongSolution]:
    """The wrong solutions of ``assignment`` (empty when it has no module here)."""
    module = _module(assignment)
    return list(module.WRONG_SOLUTIONS) if module else []


def correct_variants(assignment: str) -> list[CorrectVariant]:
    """Correct answers of ``assignment`` written as public code writes them; each must score
    full marks."""
    module = _module(assignment)
    return list(getattr(module, "CORRECT_VARIANTS", [])) if module else []


def _notebook_cells(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4).cells


def _kind(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code":
        return "markdown"
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "test"
    return "code"


def _run_variant(cells, replace: dict[str, str], wrong: WrongSolution | None) -> dict:
    """Execute the notebook's code cells in order; score every test cell."""
    namespace: dict = {"__name__": "__main__"}
    tests, errors = {}, []
    score = max_score = 0.0
    for index, cell in enumerate(cells):
        kind = _kind(cell)
        if kind == "markdown":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell-{index}")
        source = replace.get(grade_id, cell.source) if kind == "solution" else cell.source
        if wrong is not None and kind == "solution" and f"def {wrong.function}(" in source:
            source = source + "\n\n" + wrong.source
        try:
            exec(compile(source, f"<{grade_id}>", "exec"), namespace)
            failure = None
        except BaseException as err:  # a test's failure, or a wrong answer's crash
            if isinstance(err, KeyboardInterrupt):
                raise
            failure = f"{type(err).__name__}: {err}"
            if kind != "test":
                errors.append(f"{grade_id}: {failure}")
        if kind == "test":
            points = float(cell.metadata["nbgrader"]["points"])
            max_score += points
            score += 0.0 if failure else points
            tests[grade_id] = {"points": points, "passed": failure is None, "message": failure}
    return {"score": score, "max_score": max_score, "tests": tests, "errors": errors}


def run(assignment: str) -> dict:
    """Run the reference, the blank release and every wrong solution of ``assignment``."""
    os.environ.setdefault("NBGRADER_EXECUTION", "autograde")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    notebooks = sorted((REPOSITORY / "solutions" / assignment).glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"no notebook in solutions/{assignment}")
    results: dict = {"assignment": assignment, "variants": {}}
    wrong_solutions = library(assignment)
    for path in notebooks:
        cells = _notebook_cells(path)
        release = _notebook_cells(REPOSITORY / "assignments" / assignment / path.name)
        blank = {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in release
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
        }
        defined = {
            name
            for c in cells
            if _kind(c) == "solution"
            for name in [w.function for w in [*wrong_solutions, *correct_variants(assignment)]]
            if f"def {name}(" in c.source
        }
        variants = [("reference", {}, None), ("blank", blank, None)]
        variants += [(w.name, {}, w) for w in wrong_solutions]
        variants += [(f"correct:{c.name}", {}, c) for c in correct_variants(assignment)]
        for name, replace, wrong in variants:
            if wrong is not None and wrong.function not in defined:
                raise ValueError(f"{wrong.name}: no solution cell defines {wrong.function}()")
            start = time.perf_counter()
            try:
                result = _run_variant(cells, replace, wrong)
            except Exception:
                result = {
                    "score": 0.0,
                    "max_score": 0.0,
                    "tests": {},
                    "errors": [traceback.format_exc(limit=3)],
                }
            result["seconds"] = round(time.perf_counter() - start, 2)
            result["notebook"] = path.name
            if isinstance(wrong, WrongSolution):
                result.update(function=wrong.function, expect=wrong.expect, origin=wrong.origin)
            elif wrong is not None:
                result.update(function=wrong.function, origin=wrong.origin)
            results["variants"][name] = result
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run an assignment's wrong solutions.")
    parser.add_argument("assignment")
    parser.add_argument("--json", action="store_true", help="print JSON for the test suite")
    args = parser.parse_args(argv)
    results = run(args.assignment)
    if args.json:
        print("\n=== RESULTS ===")
        print(json.dumps(results))
        return 0
    for name, result in results["variants"].items():
        failed = [g for g, t in result["tests"].items() if not t["passed"]]
        print(
            f"{name:32s} {result['score']:5.1f}/{result['max_score']:5.1f} "
            f"{result['seconds']:6.1f}s  failed: {', '.join(failed) or '-'}"
        )
        for grade_id in failed:
            print(f"    {grade_id}: {(result['tests'][grade_id]['message'] or '')[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
