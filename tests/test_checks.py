"""The judge's own machinery: what the probe may run, what crosses back, how a failed probe is
survived, and that every test cell of every problem set has its check."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder import checks, notebooks, pipeline
from autograder.probes import Unsupported, decode, encode
from gancourse.grading import BEGIN_HIDDEN

ASSIGNMENTS = pipeline.assignment_names()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_has_one_check_and_no_hidden_test_is_left(assignment):
    instructor = notebooks.read(notebooks.instructor_path(assignment))
    judged = [c.grade_id for c in checks.checks(assignment)]
    assert sorted(judged) == sorted(checks.test_points(instructor)), "checks and test cells differ"
    assert len(judged) == len(set(judged)), "a test cell has two checks"
    for cell in notebooks.cells(instructor, "test"):
        assert BEGIN_HIDDEN not in cell.source, (
            f"{notebooks.grade_id(cell)} still runs hidden tests"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_probes_hold_no_check(assignment):
    """The probe runs beside the student's code: it imports nothing of the judge."""
    source = (
        pipeline.REPOSITORY / "autograder" / "probes" / f"{assignment.replace('-', '_')}.py"
    ).read_text()
    assert "autograder.checks" not in source and "require(" not in source


def test_student_definitions_keep_only_what_cannot_run_code():
    source = '''
import numpy as np
from tensorflow import keras
LATENT_DIM = 100
cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

@tf.function
def step(x, scale=-1.0, *, name=None) -> float:
    return x

class Model(keras.Model):
    """doc"""
    width = 3
    def call(self, x: int):
        return x

get_ipython().events.register("pre_run_cell", print)
for i in range(3):
    print(i)
hook = __import__("os").system("true")
def sneaky(x=print("now")):
    return x
@register
def decorated():
    pass
'''
    kept, dropped = checks.student_definitions(source, "cell")
    for name in ("LATENT_DIM", "cross_entropy", "def step", "class Model", "import numpy"):
        assert name in kept
    for name in ("get_ipython", "for i", "hook", "sneaky", "decorated"):
        assert name not in kept
    assert len(dropped) == 5 and all(d.startswith("cell, line") for d in dropped)
    assert "-> float" not in kept and "x: int" not in kept  # annotations are not evaluated


def test_a_cell_that_does_not_parse_is_reported():
    kept, dropped = checks.student_definitions("def f(:\n    pass", "answer")
    assert kept == "" and "does not parse" in dropped[0]


def test_codec_round_trips_and_refuses_what_it_should():
    value = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": [1, 2.5, float("nan"), True, None, "x"],
        "c": (np.int64(3), np.bool_(False)),
    }
    back = decode(json.loads(json.dumps(encode(value))))
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], value["a"])
    assert (
        back["b"][:2] == [1, 2.5] and np.isnan(back["b"][2]) and back["b"][3:] == [True, None, "x"]
    )
    assert back["c"] == [3, False]
    assert isinstance(decode(encode(object())), Unsupported)
    assert isinstance(decode(encode(np.array([object()]))), Unsupported)
    for bad in (
        {"__array__": "AAAA", "dtype": "object", "shape": [1]},
        {"__array__": "AAAA", "dtype": "float64", "shape": [5]},
        {"__array__": "AAAA", "dtype": "float64", "shape": [-1]},
        {"__float__": "1e400"},
        ("tuple",),
    ):
        with pytest.raises(ValueError):
            decode(bad)


def _line(program, probe, observation):
    return json.dumps({"program": program, "probe": probe, "observation": encode(observation)})


def test_observations_written_twice_count_as_not_reported():
    text = "\n".join(
        [
            "garbage",
            _line(0, "a", {"value": 1}),
            _line(0, "a", {"value": 2}),
            _line(0, "b", {"value": 3}),
            _line(5, "c", {"value": 4}),
            '{"program": 0, "probe": "d", "observation": {"__array__": 1}}',
        ]
    )
    (seen,) = checks.read_observations(text, 1)
    assert seen == {
        "a": {"stopped": "the results of this check were written twice"},
        "b": {"value": 3},
    }


def test_a_probe_that_dies_costs_only_the_check_it_was_running():
    """Two programs, three probes; the probe process dies in program 0's second probe."""
    calls = []

    def run_probe(job, timeout):
        plan = json.loads(job.read_text())["plan"]
        calls.append(plan)
        lines = []
        for index, names in enumerate(plan):
            for name in names:
                if (index, name) == (0, "b"):
                    return "\n".join(lines), "the probe ended with code -9"
                lines.append(_line(index, name, {"ran": name}))
        return "\n".join(lines), ""

    job = {"programs": ["p0", "p1"], "inputs": {"a": 1, "b": 2, "c": 3}}
    observed, problems = checks.probe_all(job, run_probe, 60)
    assert calls == [[["a", "b", "c"], ["a", "b", "c"]], [["c"], ["a", "b", "c"]]]
    assert observed[0]["a"] == {"ran": "a"} and observed[0]["c"] == {"ran": "c"}
    assert "stopped" in observed[0]["b"] and problems == ["the probe ended with code -9", ""]
    assert observed[1] == {name: {"ran": name} for name in "abc"}


def test_a_probe_that_reports_nothing_for_a_check_gets_nothing_for_it():
    def run_probe(job, timeout):
        return _line(0, "a", {"ran": "a"}), ""

    observed, _ = checks.probe_all({"programs": ["p0"], "inputs": {"a": 1, "b": 2}}, run_probe, 60)
    assert observed[0]["b"] == {"stopped": "this check reported nothing"}


def test_judge_turns_observations_into_points():
    assignment = "ps1-gan-foundations"
    instructor = notebooks.read(notebooks.instructor_path(assignment))
    points = checks.test_points(instructor)
    started, inputs = checks.make_inputs(assignment)
    observations = {name: {"stopped": "not run here"} for name in inputs}
    observations["test_preprocess_images"] = {"error": "ValueError: nope"}
    verdicts = checks.judge(assignment, started, observations, points)
    assert [v.points for v in verdicts] == [0.0] * len(points)
    messages = {v.grade_id: v.message for v in verdicts}
    assert "ValueError: nope" in messages["test_preprocess_images"]
    assert messages["test_make_dataset"] == "not run here"


@pytest.mark.slow
def test_an_answer_cell_that_fails_to_load_costs_only_what_it_defines():
    """An import of a missing module at the top of one answer cell: every function still judged."""
    assignment = ASSIGNMENTS[0]
    notebook = notebooks.answered_release(assignment)
    first = notebooks.cells(notebook, "answer")[0]
    first.source = "import a_module_nobody_installed\n" + first.source
    (judgement,) = checks.judge_notebooks(
        assignment, notebooks.instructor_path(assignment), [notebook]
    )
    assert judgement.score == sum(v.max_points for v in judgement.verdicts), judgement.verdicts


def test_summary_links_the_book_and_shows_student_text_literally(monkeypatch):
    from autograder import judging

    monkeypatch.setenv("GANCOURSE_BOOK_URL", "https://course.example/book/")
    message = "got [click](javascript:x) $x$ <b>: use tanh (book: Conventions, 'Images are float32 in [-1, 1]')"
    verdicts = [
        checks.Verdict("test_preprocess_images", 0.0, 10.0, message),
        checks.Verdict("test_make_dataset", 15.0, 15.0),
    ]
    instructor = notebooks.read(notebooks.instructor_path(ASSIGNMENTS[0]))
    text = judging.summary_markdown(
        checks.Judgement(verdicts, ["cell, line 3: a loop"]), instructor
    )
    assert text.startswith("## Your score: 15 / 25")
    assert "\\[click\\](javascript:x) \\$x\\$ \\<b\\>" in text
    assert "(https://course.example/book/book/conventions.html#" in text
    assert "| ✔ `make_dataset` | 15 / 15 | every check passed |" in text
    assert "- cell, line 3: a loop" in text
    monkeypatch.delenv("GANCOURSE_BOOK_URL")
    assert "*book: Conventions" in judging.summary_markdown(checks.Judgement(verdicts), instructor)
