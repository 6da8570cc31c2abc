"""Calibrate the short training run of ps3-conditional-gan: correct steps over many seeds.

The check ``test_short_training_run`` (``autograder/checks/ps3_conditional_gan.py``) trains the
probe's FIXED small conditional networks (``autograder/probes/ps3_conditional_gan.py``,
``_run_networks``; not the student's, not the reference solution's) with the student's
``conditional_train_step`` compiled with ``tf.function``, for ``RUN`` (40 steps of 32
Fashion-MNIST images), and compares statistics of the run with pass bands read from
``ps3-conditional-gan.json`` beside this script. This script writes that file: it runs the very
probe function and statistics the check uses, once per seed, with the reference solution's step
and with every correct step of ``autograder/wrong_solutions/ps3_conditional_gan.py``'s
``CORRECT_VARIANTS`` (one tape or two, persistent or not, one discriminator call on the combined
batch, the generator's loss against the discriminator before or after its update, fresh noise
for the generator's update, ``@tf.function`` or not). The networks being fixed, a run depends
only on the step and the seed: the variants differ from the reference by the order and number
of their random draws, which acts like another seed, and by the generator's update against the
updated discriminator, which the contract allows.

    nice -n 10 python autograder/calibration/ps3_conditional_gan.py          # 24 seeds each
    nice -n 10 python autograder/calibration/ps3_conditional_gan.py --seeds 3 --no-save
    python autograder/calibration/ps3_conditional_gan.py --rebuild-bands  # saved runs, new rule

The bands follow the course's one rule, ``band`` in ``autograder/calibration/__init__.py``
(whose docstring says why): each spans every calibration run (every step, every seed) and is
widened on each side by half that range, or by a tenth of the statistic's magnitude where that
is more. The steps differ far less between them than the seeds do (the summary's per-step means
lie within a quarter of a standard deviation of each other, and at one seed the steps' runs
nearly coincide), so the runs hold about 24 independent draws, not 96, which is the count that
rule assumes. A step that swaps the labels or uses the saturating loss still leaves a band
(d_loss_last 0.04 against a band from 0.51; g_loss_last -0.46 against a band from 0.43).
``--rebuild-bands`` recomputes the summary and the bands from the runs saved in the JSON,
without training, and records that it did. The check itself uses one fixed seed
(``RUN_SEED``), among the calibrated seeds. A run takes about 4 s on one idle 2-core CPU, the 96
runs about 7 minutes.

Exit status 1 when a calibration run fails or is not finite.
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
sys.path.insert(0, str(REPOSITORY))

OUTPUT = Path(__file__).resolve().parent / "ps3-conditional-gan.json"
ASSIGNMENT = "ps3-conditional-gan"
STATISTICS = [
    "d_loss_first",
    "d_loss_last",
    "g_loss_last",
    "p_real_minus_p_fake",
    "fake_mean",
    "fake_std",
]
COMMAND = "nice -n 10 .venv/bin/python autograder/calibration/ps3_conditional_gan.py"


def namespaces() -> list[tuple[str, dict]]:
    """The reference's namespace and one per correct step variant, as the grader builds them."""
    import nbformat

    from autograder.checks import program
    from autograder.wrong_solutions import _with_sources
    from autograder.wrong_solutions.ps3_conditional_gan import CORRECT_VARIANTS

    instructor = nbformat.read(
        REPOSITORY / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )
    steps = [("reference", None)] + [
        (v.name, v) for v in CORRECT_VARIANTS if v.function == "conditional_train_step"
    ]
    found = []
    for name, variant in steps:
        source, dropped = program(instructor, _with_sources(instructor, {}, variant))
        if dropped:
            raise SystemExit(f"error: {name}: the grader would not run {dropped}")
        namespace = {"__name__": "__main__"}
        exec(compile(source, f"<{name}>", "exec"), namespace)
        found.append((name, namespace))
    return found


def train(seeds: int) -> dict[str, list[dict]]:
    """Run every step (reference and correct variants) over seeds 0, ..., seeds - 1."""
    from autograder.checks.ps3_conditional_gan import RUN, run_statistics
    from autograder.probes.ps3_conditional_gan import test_short_training_run

    runs: dict[str, list[dict]] = {}
    for name, namespace in namespaces():
        runs[name] = []
        for seed in range(seeds):
            start = time.perf_counter()
            seen = test_short_training_run(namespace, {"seed": seed, **RUN})
            if "d_losses" not in seen:
                print(f"error: {name}, seed {seed}: {seen}", file=sys.stderr)
                continue
            stats = run_statistics(seen)
            stats.update(seed=seed, seconds=round(time.perf_counter() - start, 2))
            runs[name].append(stats)
            print(
                name,
                seed,
                {k: round(v, 3) for k, v in stats.items() if k in STATISTICS},
                flush=True,
            )

    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=24, help="seeds 0, 1, ... per step")
    parser.add_argument("--no-save", action="store_true", help="print only, do not write JSON")
    parser.add_argument(
        "--rebuild-bands",
        action="store_true",
        help="recompute the summary and bands from the runs saved in the JSON, without training",
    )
    args = parser.parse_args(argv)
    if args.seeds < 20 and not (args.no_save or args.rebuild_bands):
        parser.error("save bands from at least 20 seeds per step (or pass --no-save)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import numpy as np

    from autograder.calibration import RULE, band, cpu_name
    from autograder.checks.ps3_conditional_gan import RUN, RUN_SEED

    started = time.perf_counter()
    if args.rebuild_bands:
        saved = json.loads(OUTPUT.read_text())
        if saved["procedure"] != RUN:
            print(
                "error: the saved runs come from another procedure; calibrate again",
                file=sys.stderr,
            )
            return 1
        runs, args.seeds = saved["runs"], saved["seeds_per_step"]
    else:
        runs = train(args.seeds)
    everything = [run for found in runs.values() for run in found]
    status = 0 if all(run["all_finite"] for run in everything) else 1
    status |= 0 if all(len(found) == args.seeds for found in runs.values()) else 1

    summary, bands = {}, {}
    for statistic in STATISTICS:
        values = np.array([run[statistic] for run in everything])
        bands[statistic] = band(values)
        summary[statistic] = {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean()),
            "std": float(values.std()),
            "mean_per_step": {
                n: float(np.mean([r[statistic] for r in found])) for n, found in runs.items()
            },
        }
    print(
        f"\n{len(everything)} runs ({len(runs)} steps x {args.seeds} seeds), {time.perf_counter() - started:.0f} s"
    )
    print("statistic              min      max     mean      std   band")
    for statistic in STATISTICS:
        s = summary[statistic]
        print(
            f"{statistic:19s} {s['min']:7.3f}  {s['max']:7.3f}  {s['mean']:7.3f}  {s['std']:7.3f}   "
            f"[{bands[statistic][0]:.3f}, {bands[statistic][1]:.3f}]"
        )
    if args.no_save:
        return status

    import keras
    import tensorflow as tf

    result = {
        "assignment": ASSIGNMENT,
        "check": "test_short_training_run",
        "procedure": RUN,
        "check_seed": RUN_SEED,
        "band_rule": RULE,
        "seeds_per_step": args.seeds,
        "steps": list(runs),
        "bands": bands,
        "summary": summary,
        "runs": runs,
        "command": COMMAND,
        "environment": saved["environment"]
        if args.rebuild_bands
        else {
            "cpu": cpu_name(),
            "cpu_count": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    if args.rebuild_bands:
        earlier = saved.get("bands_rebuilt", {})
        result["bands_rebuilt"] = {
            "how": "bands and summary recomputed from the saved runs, without training, with the "
            "shared rule of autograder/calibration/__init__.py",
            "command": f"{COMMAND} --rebuild-bands",
            "previous_band_rule": earlier.get("previous_band_rule", saved["band_rule"]),
            "previous_bands": earlier.get("previous_bands", saved["bands"]),
        }
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPOSITORY)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
