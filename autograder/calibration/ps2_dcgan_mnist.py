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

Band rule, for each statistic of ``STATISTICS``: ``[low - m, high + m]`` with ``low`` and
``high`` the smallest and largest value over all runs (every implementation, every seed) and
``m = max(MARGIN_FRACTION * (high - low), MIN_MARGIN)``. Why: a correct step graded with the
check's one seed is one more draw from the distribution these runs sample (other correct code
draws its noise in another order, which acts like another seed). With n independent runs a
new draw lies outside [low, high] with probability about 2 / (n + 1), and runs of one seed are
close across implementations, so the 80 runs count as fewer; widening by half the range on
each side makes each band reach about one full range from the mean, 3.4 to 3.9 standard
deviations in the saved runs, beyond which a roughly normal statistic falls with probability
under 1e-3, while the wrong steps the bands are meant for (swapped labels, a saturating or
misdirected generator loss, a network never updated) move a statistic well outside them (see
the wrong-solution table). ``MIN_MARGIN`` covers round-off differences between CPUs where a
spread is small.

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
MARGIN_FRACTION = 0.5
MIN_MARGIN = 0.05


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


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
            margin = max(MARGIN_FRACTION * (high - low), MIN_MARGIN)
            bands[name] = [round(low - margin, 3), round(high + margin, 3)]
    return summary, bands


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per implementation")
    parser.add_argument("--no-save", action="store_true", help="print only, do not write JSON")
    args = parser.parse_args(argv)
    if args.seeds < 20 and not args.no_save:
        parser.error("save bands from at least 20 seeds per implementation (or pass --no-save)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(REPOSITORY))

    from autograder.checks.ps2_dcgan_mnist import TRAINING_RUN, run_statistics
    from autograder.probes.ps2_dcgan_mnist import test_short_training_run

    runs, status = [], 0
    for name, namespace in implementations().items():
        for seed in range(args.seeds):
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
    summary, bands = summarise(runs)

    import keras
    import numpy as np
    import tensorflow as tf

    print(f"\n{len(runs)} runs; statistic, min, max, mean, std, band")
    for name in STATISTICS + RECORDED:
        s = summary[name]
        band = f"[{bands[name][0]:.3f}, {bands[name][1]:.3f}]" if name in bands else "(recorded)"
        print(
            f"{name:20s} {s['min']:7.3f} {s['max']:7.3f} {s['mean']:7.3f} {s['std']:7.3f}  {band}"
        )
    result = {
        "assignment": ASSIGNMENT,
        "test_cell": "test_short_training_run",
        "command": "nice -n 10 python autograder/calibration/ps2_dcgan_mnist.py"
        + (f" --seeds {args.seeds}" if args.seeds != 20 else ""),
        "band_rule": "[low - m, high + m]: low and high over all runs (every implementation, "
        f"every seed), m = max({MARGIN_FRACTION} * (high - low), {MIN_MARGIN})",
        "training_run": dict(TRAINING_RUN, seed="0 .. seeds - 1"),
        "implementations": sorted({run["implementation"] for run in runs}),
        "seeds": args.seeds,
        "runs_total": len(runs),
        "bands": bands,
        "summary": summary,
        "runs": runs,
        "environment": {
            "cpu": cpu_name(),
            "cpu_count": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    if not args.no_save:
        OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {OUTPUT.relative_to(REPOSITORY)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
