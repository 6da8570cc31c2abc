"""The judge: every graded point is decided here, in the grader's own process.

Grading has two phases (see ``autograder/pipeline.py``). Phase 1 runs the student's notebook
as released, without hidden tests, in its jail: the student and the formgrader see its
outputs, and no score comes from them. Phase 2 is this package. For each assignment a module
here (``ps1_gan_foundations.py`` for ``ps1-gan-foundations``) defines one check per test cell
of the notebook::

    @check("test_preprocess_images")
    def _(rng):
        images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
        seen = yield {"images": images}           # the inputs, sent to the probe
        require(seen["values"].shape == ..., "what is wrong (book: Conventions, 'Images are float32 in [-1, 1]')")

The generator makes the inputs (from ``rng``, seeded by the check's name), yields them once and
receives what the probe of the same name (``autograder/probes/<module>.py``) observed when it
called the student's functions on them; it then judges with its own references and raises
:class:`Failed` with the message the student reads. The test cell's points are all or nothing.
The student's process never holds a check, a reference or an expected value; the judge never
trusts what the probe reports about anything but the outputs of the student's functions.

    python -m autograder.checks ps1-gan-foundations [NOTEBOOK]   # judge a notebook, no sandbox
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder import notebooks
from autograder.probes import command, decode, encode, seed_for

REPOSITORY = notebooks.REPOSITORY
#: The most a probe may write back (observations of one program), in bytes.
MAX_OBSERVATIONS_BYTES = 64 << 20


class Failed(AssertionError):
    """A check's verdict against the submission; its message is what the student reads."""


def require(condition, message: str) -> None:
    if not condition:
        raise Failed(message)


@dataclass(frozen=True)
class Check:
    grade_id: str  # the test cell whose points this check decides
    judge: Callable[[np.random.Generator], Iterator[dict]]
    probe: str  # the probe function's name in autograder/probes/<module>.py


def check(grade_id: str, probe: str | None = None):
    """Register a check (see the module's docstring); its module's ``CHECKS`` lists them."""

    def register(judge):
        module = sys.modules[judge.__module__]
        module.__dict__.setdefault("CHECKS", []).append(Check(grade_id, judge, probe or grade_id))
        return judge

    return register


@dataclass
class Verdict:
    grade_id: str
    points: float
    max_points: float
    message: str = ""  # empty when every point was earned

    @property
    def passed(self) -> bool:
        return self.points == self.max_points


@dataclass
class Judgement:
    """The verdicts of one notebook, what the grader left out of it and how the probe ended."""

    verdicts: list[Verdict]
    dropped: list[str] = field(default_factory=list)  # top-level statements not run
    problem: str = ""  # the probe's own failure (time, memory, unreadable output), if any

    @property
    def score(self) -> float:
        return sum(v.points for v in self.verdicts)

    def to_json(self) -> dict:
        return {
            "score": self.score,
            "verdicts": [vars(v) for v in self.verdicts],
            "dropped": self.dropped,
            "problem": self.problem,
        }


def function_of(grade_id: str, names) -> str | None:
    """The graded function a test cell checks: the longest of ``names`` its id contains."""
    named = [name for name in names if name in grade_id]
    return max(named, key=len) if named else None


def module_name(assignment: str) -> str:
    return assignment.replace("-", "_")


def checks(assignment: str) -> list[Check]:
    module = importlib.import_module(f"{__name__}.{module_name(assignment)}")
    return list(module.CHECKS)


# ------------------------------------------------------------------ what the probe runs


def provided_source(instructor) -> str:
    """The instructor's provided cells (imports, setup, helpers), as one program."""
    return "\n\n".join(c.source for c in notebooks.cells(instructor, "provided"))


def solution_ids(instructor) -> list[str]:
    return [notebooks.grade_id(c) for c in notebooks.cells(instructor, "answer")]


#: What a default value, a base class or a decorator argument may be: no call, no lookup
#: that could run code (attribute chains of imported names are looked up, not called).
_INERT = (
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Tuple,
    ast.List,
    ast.UnaryOp,
    ast.USub,
    ast.Load,
)


def _inert(node) -> bool:
    return node is None or all(
        isinstance(n, (*_INERT, ast.unaryop, ast.expr_context)) for n in ast.walk(node)
    )


def _is_tf_function(node) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if ast.unparse(target) not in ("tf.function", "tensorflow.function"):
        return False
    return not isinstance(node, ast.Call) or (
        not node.args and all(_inert(k.value) for k in node.keywords)
    )


def _constructor_call(node) -> bool:
    """``NAME = keras.losses.BinaryCrossentropy(from_logits=True)``: a library object made
    once at the top, as the TensorFlow tutorials write it (attribute callee, inert arguments)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and all(isinstance(n, (ast.Attribute, ast.Name, ast.Load)) for n in ast.walk(node.func))
        and all(_inert(a) for a in node.args)
        and all(_inert(k.value) for k in node.keywords)
    )


def _clean_function(node) -> str | None:
    """Why a def may not run as written (None if it may); strips its annotations."""
    arguments = node.args
    for default in [*arguments.defaults, *arguments.kw_defaults]:
        if not _inert(default):
            return "a default value that is computed"
    if not all(_is_tf_function(d) for d in node.decorator_list):
        return "a decorator other than tf.function"
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        arg.annotation = None
    for arg in (arguments.vararg, arguments.kwarg):
        if arg is not None:
            arg.annotation = None
    node.returns = None
    return None


def _keep(node) -> str | None:
    """Why a top-level statement of an answer cell is not run (None if it is)."""
    if isinstance(node, ast.Import):
        return None
    if isinstance(node, ast.ImportFrom):
        return None if node.level == 0 else "a relative import"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _clean_function(node)
    if isinstance(node, ast.ClassDef):
        if node.decorator_list or node.keywords or not all(_inert(b) for b in node.bases):
            return "a class with decorators, keywords or computed bases"
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                why = _clean_function(item)
                if why:
                    return why
            elif isinstance(item, ast.Pass) or (
                isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)
            ):
                continue
            elif isinstance(item, ast.Assign) and _inert(item.value):
                continue
            else:
                return "a class body with statements other than definitions"
        return None
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if isinstance(node, ast.AnnAssign):
            node.annotation = ast.Name("object", ast.Load())
        if all(isinstance(t, ast.Name) for t in targets) and (
            node.value is not None and (_inert(node.value) or _constructor_call(node.value))
        ):
            return None
        return "a statement that computes"
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return None  # a docstring
    return "a statement that runs"


def student_definitions(source: str, cell: str) -> tuple[str, list[str]]:
    """The imports, definitions and constants of one answer cell; and what was left out."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as err:
        return "", [f"{cell}: the cell does not parse ({err.msg}, line {err.lineno}): not run"]
    kept, dropped = [], []
    for node in tree.body:
        why = _keep(node)
        if why is None:
            kept.append(node)
        else:
            first = ast.get_source_segment("\n".join(lines), node) or ""
            dropped.append(
                f"{cell}, line {node.lineno}: {why}, not run: {first.splitlines()[0][:80]}"
            )
    return ast.unparse(ast.Module(body=kept, type_ignores=[])), dropped


def graded_names(instructor) -> list[str]:
    """The functions and classes the instructor's answer cells define (what is graded)."""
    names = []
    for cell in notebooks.cells(instructor, "answer"):
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(node.name)
    return names


def program(instructor, submitted) -> tuple[list[tuple[str, str]], list[str]]:
    """The student's definitions, ``(cell, source)`` in order, that the probe runs after the
    provided cells; and what was left out."""
    answers: dict[str, str] = {}
    for cell in notebooks.cells(submitted, "answer"):
        answers.setdefault(notebooks.grade_id(cell), cell.source)
    parts, dropped = [], []
    for grade_id in solution_ids(instructor):
        if grade_id not in answers:
            dropped.append(f"{grade_id}: the answer cell is missing from the notebook")
            continue
        source, left_out = student_definitions(answers[grade_id], grade_id)
        parts.append((grade_id, source))
        dropped += left_out
    return parts, dropped


# ------------------------------------------------------------------ running and judging


def make_inputs(assignment: str) -> tuple[dict, dict]:
    """Start every check of ``assignment``: its generator (paused) and its inputs, by probe."""
    started, inputs = {}, {}
    for item in checks(assignment):
        generator = item.judge(np.random.default_rng(seed_for(item.grade_id)))
        inputs[item.probe] = next(generator)
        started[item.grade_id] = generator
    return started, inputs


def write_job(path: Path, job: dict, plan: list) -> None:
    path.write_text(json.dumps({**job, "plan": plan}))


def read_observations(text: str, programs: int) -> list[dict]:
    """Parse the probe's lines: per program, probe name -> observation. A probe reported twice
    (only a submission's own writes can do that) counts as not reported."""
    found: list[dict] = [{} for _ in range(programs)]
    twice: list[set] = [set() for _ in range(programs)]
    for line in text.splitlines():
        try:
            item = json.loads(line)
            index, name = item["program"], item["probe"]
            if not (isinstance(index, int) and 0 <= index < programs and isinstance(name, str)):
                continue
            observation = decode(item["observation"])
        except (ValueError, KeyError, TypeError):
            continue
        if name in found[index]:
            twice[index].add(name)
        found[index][name] = observation
    for index, names in enumerate(twice):
        for name in names:
            found[index][name] = {"stopped": "the results of this check were written twice"}
    return found


def run_unsandboxed(job: Path, timeout: float) -> tuple[str, str]:
    """Run the probe as a plain subprocess (trusted programs only: the libraries, the tests)."""
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY), TF_CPP_MIN_LOG_LEVEL="3")
    with tempfile.TemporaryDirectory(prefix="probe-") as cwd:
        try:
            result = subprocess.run(
                command(sys.executable, str(REPOSITORY), str(job)),
                capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
            )  # fmt: skip
        except subprocess.TimeoutExpired as err:
            return _text(err.stdout), f"the checks took longer than {timeout:.0f} s"
    problem = ""
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or [""]
        problem = f"the probe ended with code {result.returncode}: {tail[0][:300]}"
    return result.stdout, problem


def _text(data) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


def judge(
    assignment: str,
    started: dict,
    observations: dict,
    points: dict[str, float],
    graded: tuple[str, ...] = (),
) -> list[Verdict]:
    """Resume every check with what its probe observed; each decides its test cell's points."""
    verdicts = []
    for item in checks(assignment):
        generator = started[item.grade_id]
        full = float(points[item.grade_id])
        seen = observations.get(item.probe, {"stopped": "this check did not run"})
        if isinstance(seen, dict) and "stopped" in seen:
            verdicts.append(Verdict(item.grade_id, 0.0, full, str(seen["stopped"])))
            continue
        try:
            generator.send(seen)
        except StopIteration:
            verdicts.append(Verdict(item.grade_id, full, full))
            continue
        except Failed as failure:
            verdicts.append(Verdict(item.grade_id, 0.0, full, str(failure)))
            continue
        except Exception as err:  # noqa: BLE001 - a check that could not read the observation
            error = seen.get("error") if isinstance(seen, dict) else None
            if error:
                function = function_of(item.grade_id, graded) or "your code"
                message = f"{function} raised {error}"
            else:
                message = f"the grader could not judge this answer ({type(err).__name__}: {err})"
            verdicts.append(Verdict(item.grade_id, 0.0, full, str(message)))
            continue
        verdicts.append(Verdict(item.grade_id, 0.0, full, "the check yielded twice (a grader bug)"))
    return verdicts


def test_points(instructor) -> dict[str, float]:
    return {
        notebooks.grade_id(c): float(notebooks.nbgrader(c).get("points", 0))
        for c in notebooks.cells(instructor, "test")
    }


def judge_notebooks(
    assignment: str,
    instructor_path: Path,
    submitted: list,
    run_probe: Callable[[Path, float], tuple[str, str]] = run_unsandboxed,
    timeout: float = 600,
) -> list[Judgement]:
    """Judge several versions of one notebook (one probe process runs them one after another)."""
    import nbformat

    instructor = nbformat.read(instructor_path, as_version=4)
    points = test_points(instructor)
    missing = set(points) - {c.grade_id for c in checks(assignment)}
    if missing:
        raise ValueError(f"{assignment}: test cells without a check: {sorted(missing)}")
    programs, dropped = zip(*(program(instructor, nb) for nb in submitted), strict=True)
    # One set of paused checks per notebook: a check's generator runs once.
    runs = [make_inputs(assignment) for _ in submitted]
    job = {
        "assignment": assignment,
        "provided": provided_source(instructor),
        "graded": graded_names(instructor),
        "programs": list(programs),
        "inputs": encode(runs[0][1]),
    }
    observed, problems = probe_all(job, run_probe, timeout)
    return [
        Judgement(judge(assignment, started, seen, points, job["graded"]), list(left_out), problem)
        for (started, _), seen, left_out, problem in zip(
            runs, observed, dropped, problems, strict=True
        )
    ]


def probe_all(job: dict, run_probe, timeout: float):
    """Every program's observations, and what went wrong in its probe run ("" if nothing).

    A probe process that dies, loops or runs out of memory takes down only the check it was
    running: that check gets the problem as its observation and the probe starts again after
    it (each restart costs an import of TensorFlow), within ``timeout`` overall.
    """
    programs, names = job["programs"], list(job["inputs"])
    plan = [list(names) for _ in programs]
    observed: list[dict] = [{} for _ in programs]
    problems = ["" for _ in programs]
    deadline = time.monotonic() + timeout
    while any(plan):
        left = deadline - time.monotonic()
        if left <= 0:
            text, problem = "", f"the checks took longer than {timeout:.0f} s"
        else:
            with tempfile.TemporaryDirectory(prefix="judge-") as tmp:
                path = Path(tmp) / "job.json"
                write_job(path, job, plan)
                path.chmod(0o644)
                Path(tmp).chmod(0o755)
                text, problem = run_probe(path, left)
        if len(text.encode()) > MAX_OBSERVATIONS_BYTES * len(programs):
            text, problem = "", "the checks wrote more than the grader reads"
        for index, seen in enumerate(read_observations(text, len(programs))):
            seen = {name: value for name, value in seen.items() if name in plan[index]}
            observed[index].update(seen)
            plan[index] = [name for name in plan[index] if name not in seen]
        if not problem:
            for index, pending in enumerate(plan):
                for name in pending:  # not reported, though the probe ended well: a forgery
                    observed[index][name] = {"stopped": "this check reported nothing"}
            break
        # Programs run in order, and each its probes in order: the first one pending is the one
        # that was running when the probe failed.
        index = next(i for i, pending in enumerate(plan) if pending)
        name = plan[index].pop(0)
        observed[index][name] = {"stopped": f"the checks stopped while running this one: {problem}"}
        problems[index] = problem
        if left <= 0:
            for index, pending in enumerate(plan):
                for name in pending:
                    observed[index][name] = {"stopped": f"this check did not run: {problem}"}
                problems[index] = problems[index] or problem
            break
    return observed, problems


def main(argv=None) -> int:
    import argparse

    import nbformat

    parser = argparse.ArgumentParser(prog="python -m autograder.checks", description=__doc__)
    parser.add_argument("assignment")
    parser.add_argument("notebook", nargs="?", help="default: the instructor's solution")
    args = parser.parse_args(argv)
    solution = notebooks.instructor_path(args.assignment)
    notebook = nbformat.read(args.notebook or solution, as_version=4)
    (result,) = judge_notebooks(args.assignment, solution, [notebook])
    for verdict in result.verdicts:
        print(
            f"{verdict.grade_id:40s} {verdict.points:5.1f}/{verdict.max_points:<5.1f} {verdict.message}"
        )
    for line in result.dropped:
        print(f"not run: {line}")
    if result.problem:
        print(f"problem: {result.problem}")
    print(f"score {result.score:.1f}/{sum(v.max_points for v in result.verdicts):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
