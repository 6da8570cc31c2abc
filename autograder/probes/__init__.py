"""The probe: the only grading code that runs in the student's process (phase 2, in a jail).

It runs the instructor's provided cells and the student's definitions (see
``autograder.checks.program``), then calls the graded functions on inputs the grader chose and
reports what they returned. It holds no check, no reference answer and no expected value: the
judge (``autograder/checks/``) decides every point outside this process, from inputs it made
itself. A student's code can therefore make the probe report anything it likes; a point follows
only when what is reported equals the judge's own reference for the judge's own inputs.

    python -I -c "$(BOOTSTRAP)" LIBRARY JOB.json      (see :func:`command`)

JOB.json: ``{"assignment": ..., "provided": source, "graded": [name, ...], "programs":
[[[cell, source], ...], ...], "plan": [[probe, ...], ...], "inputs": {probe: encoded}}``. Each program (a
student's definitions) runs in a fresh namespace after the instructor's provided cells; for
each, the probes of its plan are called in order and each observation is written to the original standard output as one JSON line
``{"program": i, "probe": name, "observation": encoded}`` (what the student's code prints goes
to standard error).
"""

from __future__ import annotations

import ast
import base64
import importlib
import json
import math
import os
import signal
import sys
import zlib

#: Array types that cross between probe and judge (no object arrays, nothing pickled).
DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


def encode(value):
    """A JSON-able form of numbers, strings, arrays, tensors, lists, tuples and dicts."""
    import numpy as np

    if hasattr(value, "numpy") and callable(value.numpy):  # a tf.Tensor or Variable
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            return {"__unsupported__": f"array of dtype {value.dtype}"}
        data = np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<"))
        return {
            "__array__": base64.b64encode(data.tobytes()).decode("ascii"),
            "dtype": value.dtype.name,
            "shape": list(value.shape),
        }
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return {"__unsupported__": f"a {type(value).__name__}"}


def decode(value, max_items: int = 1 << 26):
    """The inverse of :func:`encode`; strict: anything else raises ValueError."""
    import numpy as np

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(v, max_items) for v in value]
    if not isinstance(value, dict):
        raise ValueError(f"unexpected {type(value).__name__}")
    if "__array__" in value:
        dtype, shape = value.get("dtype"), value.get("shape")
        if dtype not in DTYPES or not isinstance(shape, list):
            raise ValueError(f"bad array description {dtype!r} {shape!r}")
        if not all(isinstance(n, int) and 0 <= n for n in shape) or math.prod(shape) > max_items:
            raise ValueError(f"bad array shape {shape!r}")
        data = base64.b64decode(value["__array__"], validate=True)
        array = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != math.prod(shape):
            raise ValueError("array data and shape disagree")
        return array.astype(dtype).reshape(shape)
    if "__float__" in value:
        if value["__float__"] not in ("nan", "inf", "-inf"):
            raise ValueError("bad float")
        return float(value["__float__"])
    if "__unsupported__" in value:
        return Unsupported(str(value["__unsupported__"]))
    return {str(k): decode(v, max_items) for k, v in value.items()}


class Unsupported(str):
    """What a probe returned that cannot cross (an object, a model): the judge sees its kind."""


def attempt(function, *args, **kwargs):
    """Call a student's function; return ``(value, None)`` or ``(None, "Type: message")``."""
    try:
        return function(*args, **kwargs), None
    except Exception as err:  # the student's error, reported to the judge as text
        return None, describe(err)


def describe(err: BaseException) -> str:
    if isinstance(err, NotImplementedError) and not str(err).strip():
        return "NotImplementedError (the answer is not written yet)"
    message = " ".join(str(err).split()).replace("\x1b[1m", "").replace("\x1b[0m", "")
    return f"{type(err).__name__}: {message[:400]}"


def seed_for(name: str) -> int:
    """The seed a probe or check starts from: the same on every machine and every run."""
    return zlib.crc32(name.encode()) % (2**31)


def _run(job: dict, out) -> None:
    probes = importlib.import_module(f"autograder.probes.{job['assignment'].replace('-', '_')}")
    inputs = {name: decode(value) for name, value in job["inputs"].items()}
    for index, (program, plan) in enumerate(zip(job["programs"], job["plan"], strict=True)):
        if not plan:
            continue
        if "keras" in sys.modules:  # each program starts as a fresh process would (names too)
            sys.modules["keras"].backend.clear_session()
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(job["provided"], "<provided>", "exec"), namespace)
        # What the probe itself uses of the provided cells (data loaders, stand-ins) is taken
        # as the instructor wrote it, even where the student's code redefines a name.
        provided = {k: v for k, v in namespace.items() if k not in job["graded"]}
        # Statement by statement: one that fails (an import of a module that is not installed)
        # costs only what it would have defined.
        failed = []
        for cell, source in program:
            for statement in ast.parse(source).body:
                try:
                    module = ast.Module(body=[statement], type_ignores=[])
                    exec(compile(module, f"<{cell}>", "exec"), namespace)
                except BaseException as err:  # noqa: BLE001 - reported with every error below
                    first = ast.unparse(statement).splitlines()[0][:60]
                    failed.append(f"in answer cell {cell}, `{first}` failed: {describe(err)}")
        for name in plan:
            value = inputs[name]
            _reseed(name)
            # A check that loops is stopped here, so the next one still runs (the grader's
            # overall limit stands behind this, for code that switches the alarm off).
            signal.alarm(int(job.get("check_timeout", 120)))
            try:
                observation = getattr(probes, name)({**namespace, **provided}, value)
            except BaseException as err:  # noqa: BLE001 - reported, the next probe runs
                if isinstance(err, KeyboardInterrupt):
                    raise
                observation = {"error": "; ".join([describe(err), *failed])}
            finally:
                signal.alarm(0)
            line = {"program": index, "probe": name, "observation": encode(observation)}
            out.write(json.dumps(line) + "\n")
            out.flush()


class CheckTimeout(Exception):
    """Raised in the student's code when one check runs past its time."""


def _alarm(signum, frame):
    raise CheckTimeout("this check ran past its time limit (a loop that does not end?)")


def _reseed(name: str) -> None:
    import numpy as np

    seed = seed_for(name)
    np.random.seed(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


#: ``python -I`` ignores PYTHONPATH and the working folder: the library folder comes as argv.
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); from autograder.probes import main; "
    "sys.exit(main(sys.argv[2:]))"
)


def command(python: str, library: str, job: str) -> list[str]:
    """The command line that runs the probe on ``job`` with the packages in ``library``."""
    return [python, "-I", "-c", BOOTSTRAP, library, job]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as handle:
        job = json.load(handle)
    # Observations go to the standard output the grader reads; anything the student's code
    # prints goes to standard error.
    signal.signal(signal.SIGALRM, _alarm)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _run(job, out)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
