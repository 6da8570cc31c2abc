"""Calibrate the short training run of ps3-conditional-gan: the reference over many seeds.

The hidden test ``test_short_training_run`` of ``solutions/ps3-conditional-gan`` trains the
student's models for 40 steps and checks statistics of the run against pass bands. The bands come
from this script: it executes the reference solution (the notebook's read-only and solution cells),
then the test's own ``short_training_run`` (the code between ``# BEGIN TRAINING RUN`` and
``# END TRAINING RUN`` in that test cell, so the calibration and the test cannot drift apart)
once per seed, prints every seed's statistics and writes them, with a summary and the bands, to
``ps3-conditional-gan.json`` next to this file.

    python autograder/calibration/ps3_conditional_gan.py                  # 24 + 3 seeds, minutes
    python autograder/calibration/ps3_conditional_gan.py --seeds 4 --alternative 0 --no-save
    python autograder/calibration/ps3_conditional_gan.py --rebuild-bands  # saved runs, new rule

Band rule, for the statistics in ``STATISTICS`` (those in ``RECORDED`` are saved, not banded):
``[low - m, high + m]``, where ``low`` and ``high`` are the smallest and largest value over all
calibration runs (the reference's seeds and the alternative design's) and
``m = max(MARGIN_FRACTION * spread, MIN_MARGIN)`` with ``spread`` the reference's max - min.
The alternative design stands for other sound answers, so that the bands do not fail them: a
conditional DCGAN in the style of the Keras example (one-hot labels instead of learned
embeddings, two 128-filter transposed convolutions, a 7x7 output convolution, a larger
discriminator). It trains faster at first than the reference (higher g_loss after 40 steps).

Exit status 1 when a run is not finite, or when ``--rebuild-bands`` finds that the saved runs
came from another training procedure than the notebook's current one.
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

ASSIGNMENT = "ps3-conditional-gan"
TEST_CELL = "test_short_training_run"
DEFINITION_CELLS = {"setup", "ps1_functions", "test_helpers"}  # read-only cells to execute
# Statistics the test bands; the fakes' mean and spread are recorded only, because they depend
# on the generator's design (in ps2 the TensorFlow tutorial's DCGAN, a sound design, has a
# fake_mean well outside the reference's range).
STATISTICS = ["d_loss_first", "d_loss_last", "g_loss_last", "p_real_minus_p_fake"]
RECORDED = ["fake_mean", "fake_std"]
MARGIN_FRACTION = 0.5
MIN_MARGIN = 0.05

REPOSITORY = Path(__file__).resolve().parents[2]
NOTEBOOK = REPOSITORY / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
OUTPUT = Path(__file__).resolve().with_name(f"{ASSIGNMENT}.json")
RUN_BLOCK = re.compile(r"# BEGIN TRAINING RUN\n(.*?)# END TRAINING RUN", re.DOTALL)

ALTERNATIVE_DESIGN = """
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,))
    label = keras.Input(shape=(), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(label)
    x = keras.layers.Concatenate()([noise, one_hot])
    x = keras.layers.Dense(7 * 7 * 128)(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 128))(x)
    for _ in range(2):
        x = keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2D(1, 7, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)


def build_conditional_discriminator(num_classes=10):
    image = keras.Input(shape=(28, 28, 1))
    label = keras.Input(shape=(), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(label)
    maps = keras.layers.Reshape((28, 28, num_classes))(keras.layers.RepeatVector(784)(one_hot))
    x = keras.layers.Concatenate()([image, maps])
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Conv2D(128, 3, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    return keras.Model([image, label], keras.layers.Dense(1)(x))
"""


def reference_namespace() -> tuple[dict, str]:
    """Execute the reference solution; return its namespace and the training-run source."""
    import nbformat

    if not NOTEBOOK.is_file():
        raise SystemExit(f"error: no solution notebook at {NOTEBOOK}")
    namespace: dict = {"__name__": "__calibration__"}
    run_source = None
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
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
        raise SystemExit(f"error: no test cell {TEST_CELL} in {NOTEBOOK}")
    exec(compile(run_source, "<short_training_run>", "exec"), namespace)
    return namespace, run_source


def summarise(runs: list[dict], alternative: list[dict]) -> tuple[dict, dict]:
    """Per-statistic summaries of the reference runs, and the bands (see the module docstring)."""
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
            everything = values.tolist() + [run[name] for run in alternative]
            margin = max(MARGIN_FRACTION * (high - low), MIN_MARGIN)
            bands[name] = [round(min(everything) - margin, 3), round(max(everything) + margin, 3)]
    return summary, bands


def run_seeds(namespace: dict, seeds: list[int], label: str) -> list[dict]:
    runs = []
    for seed in seeds:
        start = time.perf_counter()
        stats = namespace["short_training_run"](seed)
        stats = {"seed": seed, **stats, "seconds": round(time.perf_counter() - start, 2)}
        runs.append(stats)
        shown = "  ".join(f"{name} {stats[name]:7.3f}" for name in STATISTICS + RECORDED)
        print(f"{label} seed {seed:3d}  {shown}  ({stats['seconds']:.1f} s)", flush=True)
    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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

    namespace, run_source = reference_namespace()
    procedure = hashlib.sha256(run_source.encode()).hexdigest()
    if args.rebuild_bands:
        if not OUTPUT.is_file():
            raise SystemExit(f"error: no saved calibration at {OUTPUT}")
        saved = json.loads(OUTPUT.read_text())
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
        runs = run_seeds(namespace, list(range(args.seeds)), "reference")
        alternative = []
        if args.alternative:
            exec(ALTERNATIVE_DESIGN, namespace)  # rebinds the two builders the run calls
            alternative = run_seeds(namespace, list(range(args.alternative)), "alternative")
    summary, bands = summarise(runs, alternative)
    status = 0
    if not all(run["all_finite"] for run in runs + alternative):
        print("error: a calibration run had a non-finite loss", file=sys.stderr)
        status = 1

    import keras
    import numpy as np
    import tensorflow as tf

    print("\nreference over", len(runs), "seeds, alternative design over", len(alternative))
    print("statistic            min      max     mean      std   band")
    for name in STATISTICS + RECORDED:
        s = summary[name]
        band = f"[{bands[name][0]:.3f}, {bands[name][1]:.3f}]" if name in bands else "(recorded)"
        print(
            f"{name:19s} {s['min']:7.3f}  {s['max']:7.3f}  {s['mean']:7.3f}  {s['std']:7.3f}"
            f"   {band}"
        )
    seconds = [run["seconds"] for run in runs]
    print(f"seconds per reference run: {np.mean(seconds):.1f} (max {max(seconds):.1f})")
    result = {
        "assignment": ASSIGNMENT,
        "test_cell": TEST_CELL,
        "procedure_sha256": procedure,
        "band_rule": "[low - m, high + m]: low and high over all runs (reference and "
        f"alternative design), m = max({MARGIN_FRACTION} * (reference max - min), {MIN_MARGIN})",
        "seeds": len(runs),
        "bands": bands,
        "summary": summary,
        "runs": runs,
        "alternative_design": {
            "description": "Keras conditional GAN example style: one-hot labels, two "
            "128-filter transposed convolutions, a 7x7 output convolution; discriminator on "
            "one-hot label maps with 64 and 128 filters and global max pooling",
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
        OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {OUTPUT.relative_to(REPOSITORY)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
