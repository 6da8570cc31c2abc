"""Measure the committed models with the course classifier: the quality table.

    python -m gancourse.evaluate                  # prints the table, writes data/weights/quality.json
    python -m gancourse.evaluate --samples 2000   # quicker, noisier

For every GAN whose weights are in ``data/weights/`` it reports, from ``--samples`` generated
images and as many real test images:

- **classifier-feature FID** (the Frechet distance between Gaussians fitted to the classifier's
  128 penultimate features), with its **floor**, the FID between two disjoint real samples of
  the same size (what a perfect generator would score at this sample size), and its
  **ceiling**, the FID of the untrained generator;
- the **class histogram** of the samples as the classifier labels them, its largest distance
  from uniform in percentage points and from the classifier's histogram of the real test
  sample, and the **histogram floor**: the real test sample's own largest distance from uniform
  (real MNIST is not uniform, and the classifier adds its own errors);
- for conditional models, the **class recovery**: how often the classifier returns the class
  the generator was asked for, overall and per class.

The evaluation lab (``book/labs/evaluation.ipynb``) calls :func:`quality_table` and explains
every column.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gancourse import paths
from gancourse.metrics import frechet_distance_from_features
from gancourse.train import run_name, scale_images

#: Targets from the course's quality requirements (fractions, and percentage points).
TARGETS = {
    "class_recovery": {"mnist": 0.95, "fashion_mnist": 0.80},
    # The largest gap between the samples' class histogram and that of real test images.
    "histogram_gap_to_real_pp": {"mnist": 2.0},
}
GANS = (
    ("dcgan", "mnist"),
    ("dcgan", "fashion_mnist"),
    ("cdcgan", "mnist"),
    ("cdcgan", "fashion_mnist"),
    ("wgan-gp", "mnist"),
)


#: The default of ``weights_dir`` below: the committed weights, wherever
#: :func:`gancourse.paths.weights_dir` finds them (``$GANCOURSE_WEIGHTS_DIR`` or data/weights/).
class _Committed:
    def __repr__(self) -> str:
        return "COMMITTED"


COMMITTED = _Committed()


def _weights_folder(weights_dir) -> Path:
    return paths.weights_dir() if weights_dir is COMMITTED else Path(weights_dir)


#: The committed quality table, beside the weights (written by ``make quality``).
QUALITY_FILE = "quality.json"


def committed_quality(weights_dir: Path | str = COMMITTED) -> list[dict]:
    """The rows of the committed quality table (one per model and dataset)."""
    return json.loads((_weights_folder(weights_dir) / QUALITY_FILE).read_text())["rows"]


def load_classifier(dataset: str, weights_dir: Path | str = COMMITTED):
    from gancourse.models import build_classifier

    classifier = build_classifier()
    folder = _weights_folder(weights_dir)
    classifier.load_weights(folder / f"{run_name('classifier', dataset)}.weights.h5")
    return classifier


def load_generator(model: str, dataset: str, weights_dir: Path | str | None = COMMITTED):
    """The committed generator of ``model`` on ``dataset`` (an untrained one if weights_dir is None)."""
    from gancourse.models import NUM_CLASSES, build_generator

    generator = build_generator(num_classes=NUM_CLASSES if model == "cdcgan" else None)
    if weights_dir is not None:
        folder = _weights_folder(weights_dir)
        generator.load_weights(folder / f"{run_name(model, dataset)}.weights.h5")
    return generator


def _in_batches(model, inputs, batch_size: int) -> np.ndarray:
    # Direct calls in inference mode; predict() would build a new graph for every new model.
    n = len(inputs[0]) if isinstance(inputs, list) else len(inputs)
    outputs = []
    for start in range(0, n, batch_size):
        if isinstance(inputs, list):
            chunk = [part[start : start + batch_size] for part in inputs]
        else:
            chunk = inputs[start : start + batch_size]
        outputs.append(np.asarray(model(chunk, training=False)))
    return np.concatenate(outputs)


def generate(generator, n: int, seed: int = 0, labels=None, batch_size: int = 1000) -> np.ndarray:
    """``n`` images from ``generator`` (in inference mode) for noise drawn with ``seed``."""
    noise = np.random.default_rng(seed).standard_normal((n, generator.inputs[0].shape[-1]))
    noise = noise.astype(np.float32)
    if len(generator.inputs) == 2:
        if labels is None:
            labels = np.arange(n) % 10
        inputs = [noise, np.asarray(labels, dtype=np.int32)]
    else:
        inputs = noise
    return _in_batches(generator, inputs, batch_size)


def classify(classifier, images: np.ndarray, batch_size: int = 1000):
    """(features, predicted classes) of images in [-1, 1]: one pass through the classifier."""
    import keras

    both = keras.Model(
        classifier.input, [classifier.get_layer("features").output, classifier.output]
    )
    n = len(images)
    features, predicted = [], []
    for start in range(0, n, batch_size):
        feature_chunk, logits = both(images[start : start + batch_size], training=False)
        features.append(np.asarray(feature_chunk, dtype=np.float64))
        predicted.append(np.argmax(np.asarray(logits), axis=1))
    return np.concatenate(features), np.concatenate(predicted)


def class_histogram(predicted: np.ndarray, num_classes: int = 10) -> np.ndarray:
    return np.bincount(predicted, minlength=num_classes) / len(predicted)


def largest_gap_pp(histogram, reference=None) -> float:
    """Largest difference between two class histograms, in percentage points.

    ``reference`` defaults to the uniform histogram. With the classifier's histogram of real
    images as the reference, the gap separates the generator's imbalance from the data's own
    and from the classifier's errors (book: Lab 6, Evaluating and exploring, 'FID with its floor
    and ceiling').
    """
    histogram = np.asarray(histogram, dtype=np.float64)
    if histogram.ndim != 1 or histogram.size < 1:
        raise ValueError(
            f"histogram must be a 1-D array of class shares, got shape {histogram.shape}"
        )
    if reference is None:
        reference = np.full(histogram.size, 1.0 / histogram.size)
    reference = np.asarray(reference, dtype=np.float64)
    if reference.shape != histogram.shape:
        raise ValueError(
            f"histogram and reference must have the same shape, got {histogram.shape} and "
            f"{reference.shape}"
        )
    return float(100 * np.max(np.abs(histogram - reference)))


def fid_floor_and_ceiling(dataset: str, n: int, seed: int = 0, classifier=None) -> dict:
    """FID of real vs real (disjoint samples of size n) and of an untrained generator vs real."""
    from gancourse.data import load_dataset

    classifier = classifier or load_classifier(dataset)
    (x_train, _), (x_test, _) = load_dataset(dataset)
    rng = np.random.default_rng(seed)
    real_test = scale_images(x_test[rng.permutation(len(x_test))[:n]])
    real_train = scale_images(x_train[rng.permutation(len(x_train))[:n]])
    test_features, test_predicted = classify(classifier, real_test)
    train_features, _ = classify(classifier, real_train)
    untrained = generate(load_generator("dcgan", dataset, weights_dir=None), n, seed)
    untrained_features, _ = classify(classifier, untrained)
    return {
        "fid_floor": frechet_distance_from_features(train_features, test_features),
        "fid_ceiling": frechet_distance_from_features(untrained_features, test_features),
        "test_features": test_features,
        "real_histogram": class_histogram(test_predicted),
    }


def evaluate_model(model: str, dataset: str, n: int = 10_000, seed: int = 0, reference=None):
    """One row of the quality table (see the module docstring for the columns)."""
    classifier = load_classifier(dataset)
    reference = reference or fid_floor_and_ceiling(dataset, n, seed, classifier)
    generator = load_generator(model, dataset)
    conditional = model == "cdcgan"
    labels = np.arange(n) % 10 if conditional else None
    fakes = generate(generator, n, seed + 1, labels)
    features, predicted = classify(classifier, fakes)
    histogram = class_histogram(predicted)
    row = {
        "model": model,
        "dataset": dataset,
        "samples": n,
        "fid": frechet_distance_from_features(features, reference["test_features"]),
        "fid_floor": reference["fid_floor"],
        "fid_ceiling": reference["fid_ceiling"],
        "class_histogram": histogram.round(4).tolist(),
        "histogram_max_deviation_pp": largest_gap_pp(histogram),
        "histogram_floor_pp": largest_gap_pp(reference["real_histogram"]),
        "histogram_gap_to_real_pp": largest_gap_pp(histogram, reference["real_histogram"]),
    }
    if conditional:
        hits = predicted == labels
        row["class_recovery"] = float(np.mean(hits))
        row["class_recovery_per_class"] = [
            round(float(np.mean(hits[labels == c])), 4) for c in range(10)
        ]
        target = TARGETS["class_recovery"][dataset]
        row["target"] = f"recovery >= {target:.0%}"
        row["meets_target"] = bool(row["class_recovery"] >= target)
    elif dataset in TARGETS["histogram_gap_to_real_pp"]:
        target = TARGETS["histogram_gap_to_real_pp"][dataset]
        row["target"] = f"gap to real <= {target:g} pp"
        row["meets_target"] = bool(row["histogram_gap_to_real_pp"] <= target)
    else:
        row["target"] = "floor <= FID < ceiling"
        row["meets_target"] = bool(row["fid_floor"] <= row["fid"] < row["fid_ceiling"])
    return row


def quality_table(n: int = 10_000, seed: int = 0, weights_dir: Path | str = COMMITTED):
    """Rows for every committed GAN; one floor/ceiling computation per dataset."""
    rows, references = [], {}
    folder = _weights_folder(weights_dir)
    for model, dataset in GANS:
        if not (folder / f"{run_name(model, dataset)}.weights.h5").exists():
            continue
        if dataset not in references:
            references[dataset] = fid_floor_and_ceiling(dataset, n, seed)
        rows.append(evaluate_model(model, dataset, n, seed, references[dataset]))
    return rows


#: How the quality table names the datasets; "Fashion-MNIST" can wrap at its hyphen, which keeps
#: the nine columns within the book's page width.
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


def format_table(rows) -> str:
    lines = [
        "| model | dataset | FID | floor | ceiling | class recovery "
        "| largest class gap to real data (pp) | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        recovery = f"{row['class_recovery']:.1%}" if "class_recovery" in row else "-"
        if "histogram_gap_to_real_pp" in row:
            gap = f"{row['histogram_gap_to_real_pp']:.2f}"
        else:  # a table written before the gap to real data was measured
            gap = f"{row['histogram_max_deviation_pp']:.2f} (to 1/10)"
        lines.append(
            f"| {row['model']} | {DATASET_NAMES[row['dataset']]} | {row['fid']:.2f} "
            f"| {row['fid_floor']:.2f} | {row['fid_ceiling']:.1f} | {recovery} "
            f"| {gap} "
            f"| {row['target']} | {'yes' if row['meets_target'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gancourse.evaluate", description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="", help="default: quality.json beside the weights")
    args = parser.parse_args(argv)
    args.out = args.out or str(_weights_folder(COMMITTED) / QUALITY_FILE)
    from gancourse.runtime import configure_tensorflow

    configure_tensorflow(args.seed)
    rows = quality_table(args.samples, args.seed)
    print(format_table(rows))
    record = {
        "command": "python -m gancourse.evaluate --samples " + str(args.samples),
        "rows": rows,
    }
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    return 0 if all(row["meets_target"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
