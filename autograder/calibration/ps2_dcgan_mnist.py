"""Calibrate the short training run of ps2-dcgan-mnist: correct training steps over many seeds.

The check ``test_short_training_run`` (``autograder/checks/ps2_dcgan_mnist.py``) has the probe
train the student's ``train_step``, compiled with ``tf.function``, on the probe's own fixed
small networks (``training_pair`` in ``autograder/probes/ps2_dcgan_mnist.py``) with real MNIST,
and compares statistics of the run with pass bands. This script runs that same probe function
(so the calibration and the check cannot drift apart) with every correct training step we have:
the reference solution's and the ``train_step`` entries of ``CORRECT_VARIANTS`` in
``autograder/wrong_solutions/ps2_dcgan_mnist.py``, each over seeds 0, 1, ... (the seed sets the
networks' initial weights, the noise and the order of the batches; the check itself uses seed
``TRAINING_RUN["seed"]``). It prints every run and writes the runs, a summary and the bands to
``ps2-dcgan-mnist.json`` beside this file, with the CPU and the command that made it.

    nice -n 10 python autograder/calibration/ps2_dcgan_mnist.py             # 20 seeds each
    python autograder/calibration/ps2_dcgan_mnist.py --seeds 3 --no-save    # a quick look

    python autograder/calibration/ps2_dcgan_mnist.py --rebuild-bands     # saved runs, no training

The bands follow the course's one rule, ``band`` in ``autograder/calibration/__init__.py``
(whose docstring says why): each spans every run (every implementation, every seed) and is
widened on each side by half that range, or by a tenth of the statistic's magnitude where that
is more. ``--rebuild-bands`` recomputes the summary and the bands from the runs saved in the
JSON, without training, and records that it did.

Exit status 1 when a run raised or was not finite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

CALIBRATION = Path(__file__).resolve().parent
REPOSITORY = CALIBRATION.parents[1]
ASSIGNMENT = "ps2-dcgan-mnist"
OUTPUT = CALIBRATION / f"{ASSIGNMENT}.json"
STATISTICS = ["d_loss_first", "d_loss_last", "g_loss_last", "p_real_minus_p_fake"]
RECORDED = ["fake_mean", "fake_std"]  # saved, not banded (the check tests them loosely)
COMMAND = "nice -n 10 python autograder/calibration/ps2_dcgan_mnist.py"


def implementations() -> dict[str, dict]:
    """Namespaces of the reference solution and of each correct train_step variant."""
    import nbformat

    from autograder.checks import program
    from autograder.wrong_solutions import correct_variants

    notebook = REPOSITORY / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    instructor = nbformat.read(notebook, as_version=4)
    source, _ = program(instructor, instructor)  # what the probe runs for the reference
    reference: dict = {"__name__": "__main__"}
    exec(compile(source, "<reference>", "exec"), reference)
    found = {"reference": reference}
    for variant in correct_variants(ASSIGNMENT):
        if variant.function == "train_step":
            namespace = dict(reference)
            exec(compile(variant.source, f"<{variant.name}>", "exec"), namespace)
            found[variant.name] = namespace
    return found


def summarise(runs: list[dict]) -> tuple[dict, dict]:
    import numpy as np

    from autograder.calibration import band

    summary, bands = {}, {}
    for name in STATISTICS + RECORDED:
        values = np.array([run[name] for run in runs])
        low, high = float(values.min()), float(values.max())
        summary[name] = {
            "min": low,
            "max": high,
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        }
        if name in STATISTICS:
            bands[name] = band(values)
    return summary, bands


def train(seeds: int) -> tuple[list[dict], int]:
    """Every implementation over seeds 0, ..., seeds - 1; the runs and an exit status."""
    from autograder.checks.ps2_dcgan_mnist import TRAINING_RUN, run_statistics
    from autograder.probes.ps2_dcgan_mnist import test_short_training_run

    runs, status = [], 0
    for name, namespace in implementations().items():
        for seed in range(seeds):
            start = time.perf_counter()
            seen = test_short_training_run(namespace, dict(TRAINING_RUN, seed=seed))
            if "raised" in seen:
                print(f"error: {name} seed {seed} raised {seen['raised']}", file=sys.stderr)
                status = 1
                continue
            stats = {"implementation": name, "seed": seed, **run_statistics(seen)}
            stats["seconds"] = round(time.perf_counter() - start, 2)
            status |= 0 if stats["all_finite"] else 1
            runs.append(stats)
            shown = "  ".join(f"{key} {stats[key]:7.3f}" for key in STATISTICS + RECORDED)
            print(f"{name:32s} seed {seed:3d}  {shown}  ({stats['seconds']:.1f} s)", flush=True)
    return runs, status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per implementation")
    parser.add_argument("--no-save", action="store_true", help="print only, do not write JSON")
    parser.add_argument(
        "--rebuild-bands",
        action="store_true",
        help="recompute the summary and bands from the runs saved in the JSON, without training",
    )
    args = parser.parse_args(argv)
    if args.seeds < 20 and not (args.no_save or args.rebuild_bands):
        parser.error("save bands from at least 20 seeds per implementation (or pass --no-save)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(REPOSITORY))

    from autograder.calibration import RULE
    from autograder.checks.ps2_dcgan_mnist import TRAINING_RUN

    training_run = dict(TRAINING_RUN, seed="0 .. seeds - 1")
    saved = None
    if args.rebuild_bands:
        saved = json.loads(OUTPUT.read_text())
        if saved["training_run"] != training_run:
            print(
                "error: the saved runs come from another training run; calibrate again",
                file=sys.stderr,
            )
            return 1
        runs, args.seeds = saved["runs"], saved["seeds"]
        status = 0 if all(run["all_finite"] for run in runs) else 1
    else:
        runs, status = train(args.seeds)
    summary, bands = summarise(runs)

    print(f"\n{len(runs)} runs; statistic, min, max, mean, std, band")
    for name in STATISTICS + RECORDED:
        s = summary[name]
        shown = f"[{bands[name][0]:.3f}, {bands[name][1]:.3f}]" if name in bands else "(recorded)"
        print(
            f"{name:20s} {s['min']:7.3f} {s['max']:7.3f} {s['mean']:7.3f} {s['std']:7.3f}  {shown}"
        )
    if args.no_save:
        return status
    result = {
        "assignment": ASSIGNMENT,
        "test_cell": "test_short_training_run",
        "command": COMMAND + (f" --seeds {args.seeds}" if args.seeds != 20 else ""),
        "band_rule": RULE,
        "training_run": training_run,
        "implementations": sorted({run["implementation"] for run in runs}),
        "seeds": args.seeds,
        "runs_total": len(runs),
        "bands": bands,
        "summary": summary,
        "runs": runs,
        "environment": saved["environment"] if saved else environment(),
    }
    if saved:
        result["bands_rebuilt"] = rebuilt(saved)
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPOSITORY)}")
    return status


def environment() -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    from autograder.calibration import cpu_name

    return {
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def rebuilt(saved: dict) -> dict:
    """The record of a --rebuild-bands: the runs were not retrained, the rule is the shared one."""
    earlier = saved.get("bands_rebuilt", {})
    return {
        "how": "bands and summary recomputed from the saved runs, without training, with the "
        "shared rule of autograder/calibration/__init__.py",
        "command": f"{COMMAND} --rebuild-bands",
        "previous_band_rule": earlier.get("previous_band_rule", saved["band_rule"]),
        "previous_bands": earlier.get("previous_bands", saved["bands"]),
    }


if __name__ == "__main__":
    sys.exit(main())
