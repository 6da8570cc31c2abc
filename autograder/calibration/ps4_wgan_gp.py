"""Calibrate the short MNIST training run of problem set 4 (WGAN-GP).

The check ``test_short_training_run`` (``autograder/checks/ps4_wgan_gp.py``) trains a fixed
small generator and critic of the probe (``run_generator``, ``run_critic`` in
``autograder/probes/ps4_wgan_gp.py``; not the problem set's networks) with the student's
``wgan_gp_train_step`` for two calls on MNIST, from initial weights the judge draws from a seed,
and compares the run's statistics with pass bands. This script produces the bands: for each
*design* (the reference solution's training step, and every correct training-step variant of
``autograder/wrong_solutions/ps4_wgan_gp.py``) and each seed 0, 1, ..., it runs the very probe
and statistics code the check runs (``training_run_inputs``, the probe, ``training_statistics``)
in this process, and writes every run, the summaries and the bands to
``autograder/calibration/ps4-wgan-gp.json``, which the check reads.

    nice -n 10 python -m autograder.calibration.ps4_wgan_gp             # 20 seeds per design
    nice -n 10 python -m autograder.calibration.ps4_wgan_gp --seeds 30

Band rule. For each banded statistic, ``low`` and ``high`` are its minimum and maximum over
all runs of all designs (designs x seeds runs), and the band is ``[low - m, high + m]`` with
``m = max(MARGIN * (high - low), FLOOR * max(|low|, |high|))``. Why this margin: the graded run
uses a seed that is not a calibration seed, and a correct student's step draws its random
numbers in its own order, so its statistic is one more draw from the spread the runs measure.
With n = 80 runs the chance that one more draw falls outside [low, high] is about 2 / (n + 1),
2.5 %, too often for a grade; adding half the observed range on each side puts the band edges
about two ranges apart, several standard deviations beyond the sample extremes (for a normal
spread the range of 80 draws is about 5 standard deviations, so the margin adds about 2.5),
which a correct step crosses with negligible probability, while the statistics a real bug
moves (a flipped sign, a missing penalty) move by more than a range. The floor keeps a band
open where the designs barely differ (the generator's relative weight change is set by Adam's
first steps). The designs' seeds-per-design minimum is 20.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
ASSIGNMENT = "ps4-wgan-gp"
NOTEBOOK = REPOSITORY / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
OUTPUT = Path(__file__).resolve().parent / f"{ASSIGNMENT}.json"
#: Statistics with a pass band. gap_before only describes the untrained networks; the returned
#: critic_loss_last and gp_last (recorded all the same) are heavy-tailed over seeds and pinned
#: down exactly by test_wgan_gp_train_step.
BANDED = ["gap_after", "gap_gain", "gp_after", "g_loss_last", "generator_change"]
MARGIN = 0.5
FLOOR = 0.1
COMMAND = "nice -n 10 python -m autograder.calibration.ps4_wgan_gp"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def designs() -> dict[str, dict]:
    """The namespaces of the reference solution and of each correct training-step variant."""
    import nbformat

    from autograder.checks import program
    from autograder.wrong_solutions import correct_variants

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    source, dropped = program(notebook, notebook)
    if dropped:
        raise SystemExit(f"error: the reference solution loses statements: {dropped}")
    reference: dict = {"__name__": "__calibration__"}
    exec(compile(source, "<reference>", "exec"), reference)
    found = {"reference": reference}
    for variant in correct_variants(ASSIGNMENT):
        if variant.function == "wgan_gp_train_step":
            namespace = dict(reference)
            exec(compile(variant.source, f"<{variant.name}>", "exec"), namespace)
            found[variant.name] = namespace
    return found


def one_run(namespace: dict, seed: int) -> dict:
    """The check's own run for ``seed``: its inputs, the probe, its statistics."""
    from autograder.checks.ps4_wgan_gp import training_run_inputs, training_statistics
    from autograder.probes import decode, encode
    from autograder.probes.ps4_wgan_gp import test_short_training_run

    inputs = decode(encode(training_run_inputs(seed)))
    seen = decode(encode(test_short_training_run(namespace, inputs)))
    if "error" in seen:
        raise RuntimeError(f"seed {seed}: {seen['error']}")
    return training_statistics(seen, inputs)


def summarise(values: list[float]) -> dict:
    import numpy as np

    array = np.asarray(values, np.float64)
    return {
        "min": float(array.min()),
        "max": float(array.max()),
        "mean": float(array.mean()),
        "std": float(array.std(ddof=1)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per design (0, 1, ...)")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.seeds < 20:
        parser.error("calibrate over at least 20 seeds per design")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras
    import numpy as np
    import tensorflow as tf

    from autograder.checks.ps4_wgan_gp import TEST_SEED

    start = time.perf_counter()
    namespaces = designs()
    runs, test_runs = [], []
    for design, namespace in namespaces.items():
        for seed in range(args.seeds):
            began = time.perf_counter()
            stats = one_run(namespace, seed)
            seconds = round(time.perf_counter() - began, 2)
            runs.append({"design": design, "seed": seed, "seconds": seconds, "stats": stats})
            shown = " ".join(f"{k}={stats[k]:.4f}" for k in BANDED)
            print(f"{design:32s} seed {seed:3d} {seconds:5.1f}s {shown}", flush=True)
        test_runs.append(
            {"design": design, "seed": TEST_SEED, "stats": one_run(namespace, TEST_SEED)}
        )
    bands, summary = {}, {}
    for key in BANDED:
        values = [run["stats"][key] for run in runs]
        low, high = min(values), max(values)
        margin = max(MARGIN * (high - low), FLOOR * max(abs(low), abs(high)))
        bands[key] = [low - margin, high + margin]
        summary[key] = {
            "all": summarise(values),
            **{
                d: summarise([r["stats"][key] for r in runs if r["design"] == d])
                for d in namespaces
            },
        }
    status = 0
    for run in test_runs:
        for key, (low, high) in bands.items():
            inside = low <= run["stats"][key] <= high
            status |= not inside
            print(
                f"test seed {TEST_SEED} {run['design']:32s} {key:18s} {run['stats'][key]:9.4f} "
                f"band [{low:.4f}, {high:.4f}] {'ok' if inside else 'OUTSIDE'}"
            )
    result = {
        "assignment": ASSIGNMENT,
        "check": "test_short_training_run (autograder/checks/ps4_wgan_gp.py)",
        "command": COMMAND + (f" --seeds {args.seeds}" if args.seeds != 20 else ""),
        "band_rule": f"each band is [low - m, high + m], low and high over all runs of all "
        f"designs, m = max({MARGIN} * (high - low), {FLOOR} * max(|low|, |high|)); see the "
        "docstring of autograder/calibration/ps4_wgan_gp.py for why",
        "bands": bands,
        "designs": len(namespaces),
        "design_names": list(namespaces),
        "seeds": args.seeds,
        "summary": summary,
        "test_seed_runs": test_runs,
        "runs": runs,
        "environment": {
            "cpu": cpu_name(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU")),
        },
        "seconds": round(time.perf_counter() - start, 1),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out} in {result['seconds']} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
