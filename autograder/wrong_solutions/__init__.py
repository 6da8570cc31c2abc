"""A library of wrong solutions and of correct variants, and the runner that proves each one
loses points (wrong) or keeps every point (correct).

Each assignment has a module here (``ps1_gan_foundations.py`` for ``ps1-gan-foundations``)
defining ``WRONG_SOLUTIONS``: real bugs seen in public GAN code, each replacing one graded
function; and, optionally, ``CORRECT_VARIANTS``: correct answers written the way public code
writes them (other layers within the contract, other idioms), each of which must score full
marks. The runner judges the instructor's notebook with the grader's own checks
(``autograder/checks/``), once with the reference solution, once blank (every solution cell
as released to students) and once per variant, and reports the points of every test cell
and the message of every failure.

    python -m autograder.wrong_solutions ps1-gan-foundations        # a table
    python -m autograder.wrong_solutions ps1-gan-foundations --json # what the tests read

All variants of one assignment run in one probe process, so TensorFlow is imported once.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from dataclasses import dataclass


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


def run(assignment: str) -> dict:
    """Judge the reference, the blank release and every variant of ``assignment``.

    They go through the grader's own judge (``autograder.checks``), one probe process for all.
    """
    from autograder import notebooks
    from autograder.checks import judge_notebooks

    path = notebooks.instructor_path(assignment)
    if not path.is_file():
        raise ValueError(f"no notebook at {path}")
    results: dict = {"assignment": assignment, "variants": {}}
    wrong_solutions = library(assignment)
    instructor = notebooks.read(path)
    release = notebooks.read(notebooks.release_path(assignment))
    blank = {notebooks.grade_id(c): c.source for c in notebooks.cells(release, "answer")}
    answers = "\n".join(c.source for c in notebooks.cells(instructor, "answer"))
    variants = [("reference", {}, None), ("blank", blank, None)]
    variants += [(w.name, {}, w) for w in wrong_solutions]
    variants += [(f"correct:{c.name}", {}, c) for c in correct_variants(assignment)]
    for name, _, variant in variants:
        if variant is not None and f"def {variant.function}(" not in answers:
            raise ValueError(f"{name}: no solution cell defines {variant.function}()")
    start = time.perf_counter()
    versions = [
        notebooks.with_answers(instructor, r, {v.function: v.source} if v else None)
        for _, r, v in variants
    ]
    judged = judge_notebooks(assignment, path, versions)
    seconds = round((time.perf_counter() - start) / len(variants), 2)
    for (name, _, variant), judgement in zip(variants, judged, strict=True):
        result = {
            "score": judgement.score,
            "max_score": sum(v.max_points for v in judgement.verdicts),
            "tests": {
                v.grade_id: {"points": v.max_points, "passed": v.passed, "message": v.message}
                for v in judgement.verdicts
            },
            "errors": [judgement.problem] if judgement.problem else [],
            "dropped": judgement.dropped,
            "seconds": seconds,
            "notebook": path.name,
        }
        if isinstance(variant, WrongSolution):
            result.update(function=variant.function, expect=variant.expect, origin=variant.origin)
        elif variant is not None:
            result.update(function=variant.function, origin=variant.origin)
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
