"""The tests of the tests: every known-wrong solution must lose points, with a message that
names the mistake and the book section to reread; every correct variant and the reference
must score full marks; the blank release 0. All are judged by the grader's own checks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import nbformat
import pytest

from autograder import pipeline
from autograder.wrong_solutions import correct_variants, library

ASSIGNMENTS = pipeline.assignment_names()
CASES = [(a, w.name) for a in ASSIGNMENTS for w in library(a)]
_RESULTS: dict[str, dict] = {}


def results(assignment: str) -> dict:
    """Run all variants of one assignment in one fresh process (TensorFlow imported once)."""
    if assignment not in _RESULTS:
        proc = subprocess.run(
            [sys.executable, "-m", "autograder.wrong_solutions", assignment, "--json"],
            cwd=pipeline.REPOSITORY,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        _RESULTS[assignment] = json.loads(proc.stdout.split("=== RESULTS ===", 1)[1])
    return _RESULTS[assignment]


def _graded_functions(assignment: str) -> set[str]:
    names = set()
    for path in (pipeline.SOLUTIONS / assignment).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                names |= set(re.findall(r"^def (\w+)\(", cell.source, re.MULTILINE))
    return names


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_wrong_solutions(assignment):
    covered = {w.function for w in library(assignment)}
    missing = _graded_functions(assignment) - covered
    assert not missing, f"{assignment}: no wrong solution exercises {sorted(missing)}"
    names = [w.name for w in library(assignment)]
    assert len(names) == len(set(names)), "wrong-solution names must be unique"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks(assignment):
    ref = results(assignment)["variants"]["reference"]
    failed = {g: t["message"] for g, t in ref["tests"].items() if not t["passed"]}
    assert not failed and not ref["errors"], (
        f"the reference solution fails: {failed or ref['errors']}"
    )
    assert ref["score"] == ref["max_score"] >= 90


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_checks_of_one_notebook_finish_in_90_s(assignment):
    """The checks of one notebook, TensorFlow's import included, as the grader runs them."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.checks", assignment],
        cwd=pipeline.REPOSITORY,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[-1].startswith("score 100"), proc.stdout[-2000:]
    assert seconds < 90, f"the checks of one {assignment} notebook took {seconds:.0f} s"


def test_judging_is_deterministic():
    """The same notebooks judged twice: the same points and the same messages."""
    from autograder.wrong_solutions import run

    first, second = run(ASSIGNMENTS[0]), run(ASSIGNMENTS[0])
    for result in (first, second):
        for variant in result["variants"].values():
            variant.pop("seconds")
    assert first == second


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_scores_zero(assignment):
    blank = results(assignment)["variants"]["blank"]
    assert blank["score"] == 0, f"the untouched release earns {blank['score']} points"


@pytest.mark.slow
@pytest.mark.parametrize(("assignment", "name"), CASES)
def test_wrong_solution_loses_points_and_is_told_why(assignment, name):
    variant = results(assignment)["variants"][name]
    assert variant["score"] < variant["max_score"], (
        f"{name} ({variant['origin']}) scores full marks: no test catches it"
    )
    messages = [t["message"] or "" for t in variant["tests"].values() if not t["passed"]]
    told = [m for m in messages if variant["expect"].lower() in m.lower()]
    assert told, f"no failure message mentions {variant['expect']!r}; messages: {messages}"
    assert any("book" in m for m in told), f"the message does not point to the book: {told}"


CORRECT = [(a, c) for a in ASSIGNMENTS for c in correct_variants(a)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_three_correct_variants(assignment):
    counts = {name: 0 for name in _graded_functions(assignment)}
    for variant in correct_variants(assignment):
        counts[variant.function] = counts.get(variant.function, 0) + 1
    few = {name: n for name, n in counts.items() if n < 3}
    assert not few, f"{assignment}: fewer than three correct variants of {few}"
    assert not [c.name for c in correct_variants(assignment) if c.known_gap], "known gaps remain"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("assignment", "variant"),
    [
        pytest.param(
            a,
            c.name,
            marks=[pytest.mark.xfail(strict=True, reason=c.known_gap)] if c.known_gap else [],
        )
        for a, c in CORRECT
    ],
)
def test_correct_variant_keeps_every_point(assignment, variant):
    result = results(assignment)["variants"][f"correct:{variant}"]
    lost = {g: t["message"] for g, t in result["tests"].items() if not t["passed"]}
    assert result["score"] == result["max_score"] and not result["errors"], (
        f"{variant} ({result['origin']}) is correct but loses points: {lost or result['errors']}"
    )
