"""The calibration of a short training run, shared by the ps2 and ps3 scripts beside it.

Each script names its assignment, the statistics its hidden test bands and a second sound
design; this module executes the reference solution from the instructor's notebook, trains it
over many seeds (and the second design over a few), derives the bands and writes the JSON the
hidden test cites. The scripts' docstrings describe the band rule and the options.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

TEST_CELL = "test_short_training_run"
DEFINITION_CELLS = {"setup", "ps1_functions", "test_helpers"}  # read-only cells to execute
MARGIN_FRACTION = 0.5
MIN_MARGIN = 0.05

CALIBRATION = Path(__file__).resolve().parent
REPOSITORY = CALIBRATION.parents[1]
RUN_BLOCK = re.compile(r"# BEGIN TRAINING RUN\n(.*?)# END TRAINING RUN", re.DOTALL)


def reference_namespace(notebook: Path) -> tuple[dict, str]:
    """Execute the reference solution; return its namespace and the training-run source."""
    import nbformat

    if not notebook.is_file():
        raise SystemExit(f"error: no solution notebook at {notebook}")
    namespace: dict = {"__name__": "__calibration__"}
    run_source = None
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution") or meta.get("grade_id") in DEFINITION_CELLS:
            exec(compile(cell.source, f"<{meta.get('grade_id')}>", "exec"), namespace)
        elif meta.get("grade_id") == TEST_CELL:
            match = RUN_BLOCK.search(cell.source)
            if match is None:
                raise SystemExit(f"error: no '# BEGIN TRAINING RUN' block in cell {TEST_CELL}")
            run_source = match.group(1)
    if run_source is None:
        raise SystemExit(f"error: no test cell {TEST_CELL} in {notebook}")
    exec(compile(run_source, "<short_training_run>", "exec"), namespace)
    return namespace, run_source


def summarise(
    runs: list[dict], alternative: list[dict], statistics: list[str], recorded: list[str]
) -> tuple[dict, dict]:
    """Per-statistic summaries of the reference runs, and the bands (see the module docstring)."""
    import numpy as np

    summary, bands = {}, {}
    for name in statistics + recorded:
        values = np.array([run[name] for run in runs])
        low, high = float(values.min()), float(values.max())
        summary[name] = {
            "min": low,
            "max": high,
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        }
        if name in statistics:
            everything = values.tolist() + [run[name] for run in alternative]
            margin = max(MARGIN_FRACTION * (high - low), MIN_MARGIN)
            bands[name] = [round(min(everything) - margin, 3), round(max(everything) + margin, 3)]
    return summary, bands


def run_seeds(namespace: dict, seeds: list[int], label: str, shown: list[str]) -> list[dict]:
    runs = []
    for seed in seeds:
        start = time.perf_counter()
        stats = namespace["short_training_run"](seed)
        stats = {"seed": seed, **stats, "seconds": round(time.perf_counter() - start, 2)}
        runs.append(stats)
        line = "  ".join(f"{name} {stats[name]:7.3f}" for name in shown)
        print(f"{label} seed {seed:3d}  {line}  ({stats['seconds']:.1f} s)", flush=True)
    return runs


def main(
    assignment: str,
    statistics: list[str],
    recorded: list[str],
    alternative_design: str,
    alternative_description: str,
    description: str,
    argv=None,
) -> int:
    """Calibrate ``assignment``'s short training run; see the module docstring."""
    notebook = REPOSITORY / "solutions" / assignment / f"{assignment}.ipynb"
    output = CALIBRATION / f"{assignment}.json"
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=24, help="reference seeds (0, 1, ...)")
    parser.add_argument("--alternative", type=int, default=3, help="seeds of another design")
    parser.add_argument("--no-save", action="store_true", help="print only, do not write JSON")
    parser.add_argument(
        "--rebuild-bands",
        action="store_true",
        help="recompute summary and bands from the runs saved in the JSON, without training",
    )
    args = parser.parse_args(argv)
    if args.seeds < 20 and not args.no_save:
        parser.error("save bands from at least 20 seeds (or pass --no-save)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    namespace, run_source = reference_namespace(notebook)
    procedure = hashlib.sha256(run_source.encode()).hexdigest()
    if args.rebuild_bands:
        if not output.is_file():
            raise SystemExit(f"error: no saved calibration at {output}")
        saved = json.loads(output.read_text())
        if saved["procedure_sha256"] != procedure:
            print(
                "error: the saved runs come from another training procedure than the "
                "notebook's; run the calibration again without --rebuild-bands",
                file=sys.stderr,
            )
            return 1
        runs = saved["runs"]
        alternative = [
            {key: value for key, value in run.items() if key != "outside_bands"}
            for run in saved["alternative_design"]["runs"]
        ]
    else:
        runs = run_seeds(namespace, list(range(args.seeds)), "reference", statistics + recorded)
        alternative = []
        if args.alternative:
            exec(alternative_design, namespace)  # rebinds the two builders the run calls
            alternative = run_seeds(
                namespace, list(range(args.alternative)), "alternative", statistics + recorded
            )
    summary, bands = summarise(runs, alternative, statistics, recorded)
    status = 0
    if not all(run["all_finite"] for run in runs + alternative):
        print("error: a calibration run had a non-finite loss", file=sys.stderr)
        status = 1

    import keras
    import numpy as np
    import tensorflow as tf

    print("\nreference over", len(runs), "seeds, alternative design over", len(alternative))
    print("statistic            min      max     mean      std   band")
    for name in statistics + recorded:
        s = summary[name]
        band = f"[{bands[name][0]:.3f}, {bands[name][1]:.3f}]" if name in bands else "(recorded)"
        print(
            f"{name:19s} {s['min']:7.3f}  {s['max']:7.3f}  {s['mean']:7.3f}  {s['std']:7.3f}"
            f"   {band}"
        )
    seconds = [run["seconds"] for run in runs]
    print(f"seconds per reference run: {np.mean(seconds):.1f} (max {max(seconds):.1f})")
    result = {
        "assignment": assignment,
        "test_cell": TEST_CELL,
        "procedure_sha256": procedure,
        "band_rule": "[low - m, high + m]: low and high over all runs (reference and "
        f"alternative design), m = max({MARGIN_FRACTION} * (reference max - min), {MIN_MARGIN})",
        "seeds": len(runs),
        "bands": bands,
        "summary": summary,
        "runs": runs,
        "alternative_design": {
            "description": alternative_description,
            "runs": alternative,
        },
        "environment": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
    }
    if not args.no_save:
        output.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {output.relative_to(REPOSITORY)}")
    return status
