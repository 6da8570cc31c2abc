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

    nice -n 10 python -m autograder.calibration.ps4_wgan_gp --rebuild-bands  # saved runs

The bands follow the course's one rule, ``band`` in ``autograder/calibration/__init__.py``
(whose docstring says why): for each banded statistic, ``low`` and ``high`` are its minimum and
maximum over all runs of all designs (designs x seeds runs), and the band is ``[low - m, high +
m]`` with ``m`` half the range, or a tenth of the statistic's magnitude where that is more (the
generator's relative weight change, set by Adam's first steps, barely differs between designs
and seeds). The graded run uses a seed that is not a calibration seed; the script also runs
every design at that seed and reports whether it lands inside the bands. ``--rebuild-bands``
recomputes the summary and the bands from the runs saved in the JSON, without training, checks
the saved test-seed runs against them, and records that it did. The seeds-per-design minimum
is 20.
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
COMMAND = "nice -n 10 python -m autograder.calibration.ps4_wgan_gp"


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


def train(seeds: int) -> tuple[list[str], list[dict], list[dict]]:
    """Every design over seeds 0, ..., seeds - 1, and once at the check's seed."""
    from autograder.checks.ps4_wgan_gp import TEST_SEED

    namespaces = designs()
    runs, test_runs = [], []
    for design, namespace in namespaces.items():
        for seed in range(seeds):
            began = time.perf_counter()
            stats = one_run(namespace, seed)
            seconds = round(time.perf_counter() - began, 2)
            runs.append({"design": design, "seed": seed, "seconds": seconds, "stats": stats})
            shown = " ".join(f"{k}={stats[k]:.4f}" for k in BANDED)
            print(f"{design:32s} seed {seed:3d} {seconds:5.1f}s {shown}", flush=True)
        test_runs.append(
            {"design": design, "seed": TEST_SEED, "stats": one_run(namespace, TEST_SEED)}
        )
    return list(namespaces), runs, test_runs


def environment() -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    from autograder.calibration import cpu_name

    return {
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per design (0, 1, ...)")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument(
        "--rebuild-bands",
        action="store_true",
        help="recompute the summary and bands from the runs saved in the JSON, without training",
    )
    args = parser.parse_args(argv)
    if args.seeds < 20 and not args.rebuild_bands:
        parser.error("calibrate over at least 20 seeds per design")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    from autograder.calibration import RULE, band
    from autograder.checks.ps4_wgan_gp import TEST_SEED

    start = time.perf_counter()
    saved = None
    if args.rebuild_bands:
        saved = json.loads(OUTPUT.read_text())
        names, runs, test_runs = saved["design_names"], saved["runs"], saved["test_seed_runs"]
        args.seeds = saved["seeds"]
        if any(run["seed"] != TEST_SEED for run in test_runs):
            print("error: the saved test-seed runs use another seed; calibrate again")
            return 1
    else:
        names, runs, test_runs = train(args.seeds)
    bands, summary = {}, {}
    for key in BANDED:
        values = [run["stats"][key] for run in runs]
        bands[key] = band(values)
        summary[key] = {
            "all": summarise(values),
            **{d: summarise([r["stats"][key] for r in runs if r["design"] == d]) for d in names},
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
        "band_rule": RULE,
        "bands": bands,
        "designs": len(names),
        "design_names": names,
        "seeds": args.seeds,
        "summary": summary,
        "test_seed_runs": test_runs,
        "runs": runs,
        "environment": saved["environment"] if saved else environment(),
        "seconds": saved["seconds"] if saved else round(time.perf_counter() - start, 1),
    }
    if saved:
        earlier = saved.get("bands_rebuilt", {})
        result["bands_rebuilt"] = {
            "how": "bands and summary recomputed from the saved runs, without training, with the "
            "shared rule of autograder/calibration/__init__.py",
            "command": f"{COMMAND} --rebuild-bands",
            "previous_band_rule": earlier.get("previous_band_rule", saved["band_rule"]),
            "previous_bands": earlier.get("previous_bands", saved["bands"]),
        }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
