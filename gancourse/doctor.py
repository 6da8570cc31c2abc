"""Check that this environment can run the course, and say what to fix when it cannot.

    python -m gancourse doctor

Checks, in order: the Python version, TensorFlow (importable, the pinned version), the GPUs
TensorFlow sees and their memory growth, the datasets (every file present, SHA-256 of its content
as :mod:`gancourse.data` checks it), the trained weights (present, HDF5, with their training
record), and the nbgrader extensions a student needs in JupyterLab (the Assignment List and
Validate). Every failed check prints what to do. The exit status is 1 when any check failed, 0
otherwise (warnings do not fail).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: The Python versions the course supports: ``requires-python`` in pyproject.toml.
PYTHON_RANGE = ((3, 11), (3, 14))  # from 3.11 up to, not including, 3.14
#: The TensorFlow minor version the locks pin (``tensorflow>=2.21,<2.22``).
TENSORFLOW_MINOR = (2, 21)
#: nbgrader's parts that a student's JupyterLab needs: server extensions, then lab plugins.
STUDENT_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.validate_assignment",
)
STUDENT_LAB_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass
class Result:
    status: str  # OK, WARN or FAIL
    name: str
    detail: str
    fix: str = ""


def _runtime_lock() -> str:
    return "requirements/runtime.txt of the course (pip install -r requirements/runtime.txt)"


def check_python(version=None) -> Result:
    version = tuple(version or sys.version_info[:3])
    low, high = PYTHON_RANGE
    shown = ".".join(map(str, version))
    supported = f"{low[0]}.{low[1]} to {high[0]}.{high[1] - 1}"
    if low <= version[:2] < high:
        return Result(OK, "Python", f"{shown} ({supported} supported)")
    return Result(
        FAIL,
        "Python",
        f"{shown} is not supported (the course needs {supported}; TensorFlow has no wheels beyond)",
        f"create the environment with Python {supported}, e.g. `python3.11 -m venv .venv`",
    )


def check_tensorflow() -> tuple[Result, object | None]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except Exception as err:  # ImportError, or a broken native library (OSError, ...)
        return (
            Result(
                FAIL,
                "TensorFlow",
                f"cannot import tensorflow ({err.__class__.__name__}: {err})",
                f"install the pinned environment: {_runtime_lock()}",
            ),
            None,
        )
    found = tuple(int(part) for part in tf.__version__.split(".")[:2] if part.isdigit())
    wanted = ".".join(map(str, TENSORFLOW_MINOR))
    if found != TENSORFLOW_MINOR:
        return (
            Result(
                FAIL,
                "TensorFlow",
                f"{tf.__version__} found, the course is written and tested for {wanted}.x",
                f"install the pinned version: {_runtime_lock()}",
            ),
            tf,
        )
    return Result(OK, "TensorFlow", tf.__version__), tf


def check_gpus(tf) -> Result:
    from gancourse.runtime import configure_tensorflow

    info = configure_tensorflow(memory_growth=True)
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        if shutil.which("nvidia-smi"):
            return Result(
                WARN,
                "GPU",
                "this machine has an NVIDIA driver (nvidia-smi) but TensorFlow sees no GPU; "
                "everything runs on the CPU",
                "on a GPU machine, install requirements-gpu.txt on top of the runtime lock "
                "(TensorFlow's CUDA and cuDNN wheels)",
            )
        return Result(OK, "GPU", "none found: TensorFlow runs on the CPU (enough for the course)")
    without_growth = [gpu.name for gpu in gpus if not tf.config.experimental.get_memory_growth(gpu)]
    if without_growth:
        return Result(
            FAIL,
            "GPU",
            f"{len(gpus)} GPU(s); memory growth is off for {', '.join(without_growth)}",
            "call gancourse.runtime.configure_tensorflow() before anything else touches the GPU "
            "(every lab's Setup cell does), so one kernel does not reserve a whole GPU",
        )
    return Result(OK, "GPU", f"{', '.join(info['gpus'])}; memory growth on")


def _source(variable: str) -> str:
    return f"from ${variable}" if os.environ.get(variable, "").strip() else "in the checkout"


def check_datasets() -> list[Result]:
    from gancourse import paths
    from gancourse.data import DATASETS, FOLDERS, DatasetError, verify_dataset

    try:
        folder = paths.data_dir()
    except paths.CourseFilesNotFound as err:
        return [Result(FAIL, "datasets", str(err), f"set {paths.DATA_DIR_ENV}")]
    if not folder.is_dir():
        return [
            Result(
                FAIL,
                "datasets",
                f"{folder} does not exist",
                f"point {paths.DATA_DIR_ENV} at the course's data/ folder "
                "(it holds mnist/ and fashion-mnist/)",
            )
        ]
    source = _source(paths.DATA_DIR_ENV)
    results = []
    for name in DATASETS:
        if not (folder / FOLDERS[name]).is_dir():
            results.append(
                Result(
                    FAIL,
                    f"dataset {name}",
                    f"{folder} ({source}) has no {FOLDERS[name]}/ folder",
                    f"point {paths.DATA_DIR_ENV} at the course's data/ folder, the one that holds "
                    "mnist/ and fashion-mnist/",
                )
            )
            continue
        try:
            arrays = verify_dataset(name)
        except DatasetError as err:
            hint = (
                f"point {paths.DATA_DIR_ENV} at the course's data/ folder, or restore the file "
                "from the course repository"
            )
            results.append(Result(FAIL, f"dataset {name}", str(err), hint))
            continue
        n_train = len(arrays["train-labels-idx1-ubyte"])
        n_test = len(arrays["t10k-labels-idx1-ubyte"])
        results.append(
            Result(
                OK,
                f"dataset {name}",
                f"{folder / FOLDERS[name]} ({source}): {n_train} + {n_test} images, "
                "checksums match",
            )
        )
    return results


def check_weights() -> Result:
    from gancourse import paths
    from gancourse.weights import RUNS, record_path, weights_path

    try:
        folder = paths.weights_dir()
    except paths.CourseFilesNotFound as err:
        return Result(FAIL, "weights", str(err), f"set {paths.WEIGHTS_DIR_ENV}")
    problems = []
    for model, dataset in RUNS:
        weights, record = weights_path(model, dataset, folder), record_path(model, dataset, folder)
        try:
            with weights.open("rb") as handle:
                head = handle.read(len(_HDF5_SIGNATURE))
        except OSError:
            problems.append(f"{weights.name} is missing")
            continue
        if head != _HDF5_SIGNATURE:
            problems.append(f"{weights.name} is not an HDF5 file (a Git LFS pointer? truncated?)")
        try:
            progress = json.loads(record.read_text()).get("progress") or {}
        except (OSError, ValueError):
            problems.append(f"{record.name} (its training record) is missing or not JSON")
            continue
        # The labs show the pictures a record lists (Lab 3's grids and animation).
        pictures = progress.get("grids", [])
        if "animation" in progress:
            pictures = [*pictures, progress["animation"]]
        missing = [name for name in pictures if not (folder / name).is_file()]
        if missing:
            problems.append(
                f"{record.name} lists {len(missing)} missing pictures ({missing[0]}, ...)"
            )
    if problems:
        return Result(
            FAIL,
            "weights",
            f"in {folder} ({_source(paths.WEIGHTS_DIR_ENV)}): " + "; ".join(problems),
            f"point {paths.WEIGHTS_DIR_ENV} at the course's data/weights/ folder, or restore the "
            "files from the course repository",
        )
    return Result(
        OK,
        "weights",
        f"{folder} ({_source(paths.WEIGHTS_DIR_ENV)}): {len(RUNS)} models with their records",
    )


def _disabled_lab_plugins() -> set[str]:
    from jupyter_core.paths import jupyter_config_path

    disabled: set[str] = set()
    for folder in jupyter_config_path():
        page_config = Path(folder) / "labconfig" / "page_config.json"
        try:
            values = json.loads(page_config.read_text()).get("disabledExtensions", {})
        except (OSError, ValueError):
            continue
        if isinstance(values, dict):
            disabled |= {name for name, off in values.items() if off}
        elif isinstance(values, list):
            disabled |= set(values)
    return disabled


def check_nbgrader() -> Result:
    fix = (
        "install nbgrader from the runtime lock into the environment that runs JupyterLab, then "
        "`jupyter server extension enable --sys-prefix nbgrader.server_extensions.assignment_list` "
        "(and validate_assignment); re-enable the plugins if a labconfig/page_config.json "
        "disables them"
    )
    try:
        from jupyter_core.paths import jupyter_config_path, jupyter_path
        from jupyter_server.extension.config import ExtensionConfigManager
    except ImportError as err:
        return Result(FAIL, "nbgrader", f"Jupyter Server is not installed ({err})", fix)
    try:
        import nbgrader
    except ImportError:
        return Result(FAIL, "nbgrader", "nbgrader is not installed", fix)
    enabled = ExtensionConfigManager(read_config_path=jupyter_config_path())
    enabled = enabled.get_jpserver_extensions()
    problems = [
        f"server extension {name} is not enabled"
        for name in STUDENT_SERVER_EXTENSIONS
        if not enabled.get(name)
    ]
    installed = any(
        (Path(folder) / "@jupyter" / "nbgrader" / "package.json").is_file()
        for folder in jupyter_path("labextensions")
    )
    if not installed:
        problems.append("JupyterLab extension @jupyter/nbgrader is not installed")
    disabled = _disabled_lab_plugins()
    problems += [
        f"lab plugin {name} is disabled"
        for name in STUDENT_LAB_PLUGINS
        if name in disabled or "@jupyter/nbgrader" in disabled
    ]
    if problems:
        return Result(FAIL, "nbgrader", "; ".join(problems), fix)
    return Result(OK, "nbgrader", f"{nbgrader.__version__}: Assignment List and Validate enabled")


def run_checks() -> list[Result]:
    results = [check_python()]
    tensorflow, tf = check_tensorflow()
    results.append(tensorflow)
    if tf is not None:
        results.append(check_gpus(tf))
    results += check_datasets()
    results.append(check_weights())
    results.append(check_nbgrader())
    return results


def report(results: list[Result], out=None) -> int:
    out = out or sys.stdout
    for result in results:
        print(f"{result.status:<4}  {result.name}: {result.detail}", file=out)
        if result.fix:
            print(f"      fix: {result.fix}", file=out)
    failed = [r for r in results if r.status == FAIL]
    if failed:
        print(f"\n{len(failed)} check(s) failed: {', '.join(r.name for r in failed)}", file=out)
        return 1
    print("\nall checks passed: this environment can run the course", file=out)
    return 0


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gancourse doctor", description=__doc__)
    parser.parse_args(argv)
    start = time.perf_counter()
    results = run_checks()
    status = report(results)
    print(f"({time.perf_counter() - start:.1f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
