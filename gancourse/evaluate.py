"""Measure the committed GANs with the course classifier: the quality table and its targets.

    python -m gancourse.evaluate                  # make quality: the table, data/weights/quality.json
    python -m gancourse.evaluate --samples 2000   # quicker, noisier (--out elsewhere.json)

Every number is measured on ``--samples`` generated images for each of three noise seeds
(:data:`SEEDS`) and reported as mean ± standard deviation over the seeds, beside its **floor**,
what real data scores on the same measure:

- **classifier-feature FID**: the Fréchet distance between Gaussians fitted to the classifier's
  128 penultimate features of the samples and of the real test images. Floor: the FID of real
  training images (a fresh subset of the same size per seed) against the same test images, what
  a perfect generator would score at this sample size; ceiling: the FID of an untrained
  generator (its weights drawn with the seed);
- **largest class gap to real data** (unconditional GANs): the classifier labels the samples,
  and the gap is the largest difference, in percentage points, between their class shares and
  the *training set's* class shares (real MNIST is not uniform: Lab 1). Floor: the same gap for
  the real test images as the classifier labels them (sampling and the classifier's errors);
  beside it the **smallest class share**, which shows a dropped class;
- **class recovery** (conditional GANs): how often the classifier returns the class the
  generator was asked for, overall and per class, beside the classifier's own accuracy on real
  test images of that class, which bounds what recovery can show.

:data:`TARGETS` are the course's quality targets, judged on the means. ``make quality`` prints
the table, the per-class recovery and every missed target, writes ``quality.json`` beside the
weights (command, machine, wall time, every seed's value) and exits 1 while a target is missed.
The evaluation lab (``book/labs/evaluation.ipynb``) explains every column; Labs 2 to 4 and 6
read the committed table (:func:`committed_quality`, :func:`committed_row`).

The trainer (:mod:`gancourse.train`) measures each epoch with :func:`epoch_measures`, the same
measures on fewer samples.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gancourse import paths
from gancourse.data import CLASS_NAMES, load_dataset, scale_images
from gancourse.metrics import frechet_distance_from_features
from gancourse.models import NUM_CLASSES
from gancourse.runtime import configure_tensorflow, machine_description
from gancourse.weights import (
    GANS,
    load_classifier,
    load_generator,
    model_info,
    untrained_generator,
    weights_path,
)

#: Samples per seed in the committed table.
SAMPLES = 10_000
#: The noise seeds of the committed table; each also draws its own subset of real images.
SEEDS = (0, 1, 2)
#: The noise seed of the per-epoch measures: the same noise every epoch, so epochs compare.
EPOCH_SEED = 12345
#: How the per-epoch measures choose their real images, as a training record says it (records
#: without it measured against the first test images).
EPOCH_REFERENCE = f"test images drawn at random with seed {EPOCH_SEED} (evaluate.reference_images)"
#: The committed quality table, beside the weights (written by ``make quality``).
QUALITY_FILE = "quality.json"


@dataclass(frozen=True)
class Target:
    """A quality target: the mean of ``measure`` over the seeds at most (or least) ``bound``."""

    measure: str
    bound: float
    at_least: bool = False

    def met(self, value: float) -> bool:
        return value >= self.bound if self.at_least else value <= self.bound

    def __str__(self) -> str:
        name, unit, scale = _MEASURES[self.measure]
        return f"{name} {'≥' if self.at_least else '≤'} {scale * self.bound:g}{unit}"


# How targets and tables name each measure: (name, unit, factor for display).
_MEASURES = {
    "fid": ("FID", "", 1),
    "class_gap_pp": ("class gap", " pp", 1),
    "smallest_class_share": ("every class", "%", 100),
    "class_recovery": ("recovery", "%", 100),
}

#: The course's quality targets for each committed GAN, judged on the mean over the seeds.
TARGETS: dict[tuple[str, str], tuple[Target, ...]] = {
    ("dcgan", "mnist"): (Target("fid", 15.0), Target("class_gap_pp", 2.0)),
    ("dcgan", "fashion_mnist"): (
        Target("fid", 25.0),
        Target("class_gap_pp", 4.0),
        Target("smallest_class_share", 0.05, at_least=True),
    ),
    ("cdcgan", "mnist"): (Target("fid", 20.0), Target("class_recovery", 0.97, at_least=True)),
    ("cdcgan", "fashion_mnist"): (
        Target("fid", 20.0),
        Target("class_recovery", 0.90, at_least=True),
    ),
    ("wgan-gp", "mnist"): (Target("class_gap_pp", 2.0),),
}

#: How the tables name the datasets; "Fashion-MNIST" can wrap at its hyphen.
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


# --------------------------------------------------------------------------------------------
# Sampling and classifying


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


def balanced_labels(n: int) -> np.ndarray:
    """0, 1, ..., 9, 0, 1, ...: the classes a conditional generator is asked for, n in all."""
    return np.arange(n) % NUM_CLASSES


def generate(generator, n: int, seed: int = 0, labels=None, batch_size: int = 1000) -> np.ndarray:
    """``n`` images from ``generator`` (in inference mode) for noise drawn with ``seed``.

    A conditional generator draws ``labels``, by default :func:`balanced_labels`.
    """
    noise = np.random.default_rng(seed).standard_normal((n, generator.inputs[0].shape[-1]))
    noise = noise.astype(np.float32)
    if len(generator.inputs) == 2:
        if labels is None:
            labels = balanced_labels(n)
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
    features, predicted = [], []
    for start in range(0, len(images), batch_size):
        feature_chunk, logits = both(images[start : start + batch_size], training=False)
        features.append(np.asarray(feature_chunk, dtype=np.float64))
        predicted.append(np.argmax(np.asarray(logits), axis=1))
    return np.concatenate(features), np.concatenate(predicted)


def classifier_accuracy(classifier, dataset: str) -> dict:
    """Accuracy on the real test set, overall and per class (``test_accuracy``, ``per_class``)."""
    _, (x_test, y_test) = load_dataset(dataset)
    _, predicted = classify(classifier, scale_images(x_test))
    per_class = [float(np.mean(predicted[y_test == c] == c)) for c in range(NUM_CLASSES)]
    return {"test_accuracy": float(np.mean(predicted == y_test)), "per_class": per_class}


# --------------------------------------------------------------------------------------------
# The class measures


def class_shares(classes, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """The share of each class among ``classes`` (labels or predictions), summing to 1."""
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.size == 0:
        raise ValueError(f"classes must be a non-empty 1-D array of labels, got {classes.shape}")
    return np.bincount(classes, minlength=num_classes) / classes.size


def training_shares(dataset: str) -> np.ndarray:
    """The class shares of the training set's labels: what an unconditional generator should draw."""
    (_, y_train), _ = load_dataset(dataset)
    return class_shares(y_train)


def class_gap_pp(shares, reference) -> float:
    """Largest difference between two vectors of class shares, in percentage points.

    With the training set's shares (:func:`training_shares`) as ``reference``, the gap measures
    how far a generator's class balance is from the data's (book: Lab 6, Evaluating and
    exploring, 'The quality table and its floors').
    """
    shares = np.asarray(shares, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if shares.ndim != 1 or shares.size < 1:
        raise ValueError(f"shares must be a 1-D array of class shares, got shape {shares.shape}")
    if reference.shape != shares.shape:
        raise ValueError(
            f"shares and reference must have the same shape, got {shares.shape} and "
            f"{reference.shape}"
        )
    return float(100 * np.max(np.abs(shares - reference)))


def sample_suffix(n: int) -> str:
    """How a measure's name says its sample size: ``fid_2k`` for 2,000 samples, ``fid_100``."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _subset(images: np.ndarray, n: int, rng) -> np.ndarray:
    """All of ``images`` when ``n`` covers them (in order), else a random subset of ``n``."""
    if n >= len(images):
        return images
    return images[rng.permutation(len(images))[:n]]


def reference_images(dataset: str, n: int, seed: int) -> np.ndarray:
    """``n`` test images of ``dataset`` drawn at random with ``seed``, scaled to [-1, 1] (the
    whole test set, in order, when ``n`` covers it): the real images a measure compares with.

    Never the first ``n``: MNIST's test set is not in random order. Its first 5,000 digits come
    from NIST's Special Database 3 (Census Bureau employees) and are cleaner than its last 5,000,
    from Special Database 1 (high-school students), so a prefix flatters every generator
    (``data/README.md`` measures by how much).
    """
    _, (x_test, _) = load_dataset(dataset)
    return scale_images(_subset(x_test, n, np.random.default_rng([seed, 0])))


def epoch_measures(model: str, dataset: str, n: int) -> Callable[..., dict] | None:
    """A function measuring a generator of ``model`` on ``n`` samples with the course classifier.

    It returns the classifier-feature FID (``fid_2k`` for 2,000 samples, against as many test
    images drawn with :data:`EPOCH_SEED` by :func:`reference_images`) and the class measure of
    the quality targets: the class recovery of a conditional generator (``class_recovery_2k``)
    or the largest class gap to the training set's shares of an unconditional one
    (``class_gap_pp_2k``). The trainer calls it after every epoch, outside the timed training.
    None when no classifier is committed for ``dataset``.
    """
    if not weights_path("classifier", dataset).exists():
        return None
    classifier = load_classifier(dataset)
    real, _ = classify(classifier, reference_images(dataset, n, EPOCH_SEED))
    reference = training_shares(dataset)
    conditional = model_info(model).conditional
    suffix = sample_suffix(n)

    def measure(generator) -> dict:
        labels = balanced_labels(n) if conditional else None
        fake, predicted = classify(classifier, generate(generator, n, EPOCH_SEED, labels))
        row = {f"fid_{suffix}": round(frechet_distance_from_features(fake, real), 3)}
        if conditional:
            row[f"class_recovery_{suffix}"] = round(float(np.mean(predicted == labels)), 4)
        else:
            gap = class_gap_pp(class_shares(predicted), reference)
            row[f"class_gap_pp_{suffix}"] = round(gap, 2)
        return row

    return measure


# --------------------------------------------------------------------------------------------
# The quality table


def spread(values) -> dict:
    """``{"mean", "sd", "per_seed"}`` of one measure over the seeds (sd None for one seed)."""
    values = np.asarray(values, dtype=np.float64)
    return {
        "mean": round(float(values.mean()), 4),
        "sd": round(float(values.std(ddof=1)), 4) if values.size > 1 else None,
        "per_seed": [round(float(v), 4) for v in values],
    }


def real_references(dataset: str, n: int = SAMPLES, seeds=SEEDS, classifier=None) -> dict:
    """What real data scores, per seed: the floors and the ceiling of the quality table.

    For each seed, ``n`` real test images (all of them when ``n`` is the test set's size) are
    the reference the samples are compared with; ``n`` training images drawn with the seed give
    the FID floor, an untrained generator the FID ceiling.
    """
    classifier = classifier or load_classifier(dataset)
    (x_train, y_train), _ = load_dataset(dataset)
    shares = class_shares(y_train)
    per_seed = {"fid_floor": [], "fid_ceiling": [], "class_gap_floor_pp": [], "test_features": []}
    for seed in seeds:
        real_test = reference_images(dataset, n, seed)
        real_train = scale_images(_subset(x_train, n, np.random.default_rng([seed, 1])))
        test_features, test_predicted = classify(classifier, real_test)
        train_features, _ = classify(classifier, real_train)
        untrained = generate(untrained_generator("dcgan", seed), n, seed)
        untrained_features, _ = classify(classifier, untrained)
        per_seed["test_features"].append(test_features)
        per_seed["fid_floor"].append(frechet_distance_from_features(train_features, test_features))
        per_seed["fid_ceiling"].append(
            frechet_distance_from_features(untrained_features, test_features)
        )
        per_seed["class_gap_floor_pp"].append(class_gap_pp(class_shares(test_predicted), shares))
    accuracy = classifier_accuracy(classifier, dataset)
    return {
        "seeds": list(seeds),
        "samples": n,
        "training_shares": shares,
        "test_features": per_seed.pop("test_features"),
        "classifier_accuracy": accuracy["test_accuracy"],
        "classifier_accuracy_per_class": accuracy["per_class"],
        **{name: spread(values) for name, values in per_seed.items()},
    }


def judge(row: dict) -> dict:
    """``row`` with ``targets`` (each target, the mean it is judged on, met or not) and
    ``meets_targets``, from :data:`TARGETS`."""
    verdicts = []
    for target in TARGETS.get((row["model"], row["dataset"]), ()):
        value = row[target.measure]["mean"]
        verdicts.append(
            {
                "target": str(target),
                "measure": target.measure,
                "bound": target.bound,
                "at_least": target.at_least,
                "value": value,
                "met": target.met(value),
            }
        )
    return row | {"targets": verdicts, "meets_targets": all(v["met"] for v in verdicts)}


def evaluate_model(model: str, dataset: str, reference: dict, classifier=None) -> dict:
    """One row of the quality table, with the floors of ``reference`` (:func:`real_references`)."""
    classifier = classifier or load_classifier(dataset)
    generator = load_generator(model, dataset)
    n, seeds = reference["samples"], reference["seeds"]
    conditional = model_info(model).conditional
    labels = balanced_labels(n) if conditional else None
    fid, shares, hits = [], [], []
    for seed, real_features in zip(seeds, reference["test_features"], strict=True):
        features, predicted = classify(classifier, generate(generator, n, seed, labels))
        fid.append(frechet_distance_from_features(features, real_features))
        shares.append(class_shares(predicted))
        if conditional:
            hits.append(predicted == labels)
    shares = np.array(shares)
    row = {
        "model": model,
        "dataset": dataset,
        "samples": n,
        "seeds": list(seeds),
        "fid": spread(fid),
        "fid_floor": reference["fid_floor"],
        "fid_ceiling": reference["fid_ceiling"],
        "class_shares": shares.mean(axis=0).round(4).tolist(),
        "class_gap_floor_pp": reference["class_gap_floor_pp"],
        "classifier_accuracy": round(reference["classifier_accuracy"], 4),
        "classifier_accuracy_per_class": [
            round(a, 4) for a in reference["classifier_accuracy_per_class"]
        ],
    }
    if conditional:
        hits = np.array(hits)
        row["class_recovery"] = spread(hits.mean(axis=1))
        per_class = np.array([hits[:, labels == c].mean(axis=1) for c in range(NUM_CLASSES)])
        row["class_recovery_per_class"] = per_class.mean(axis=1).round(4).tolist()
        row["class_recovery_per_class_sd"] = (
            per_class.std(axis=1, ddof=1).round(4).tolist() if len(seeds) > 1 else None
        )
    else:
        training = reference["training_shares"]
        row["class_gap_pp"] = spread([class_gap_pp(s, training) for s in shares])
        row["smallest_class_share"] = spread(shares.min(axis=1))
    return judge(row)


def quality_table(n: int = SAMPLES, seeds=SEEDS, weights_dir: Path | str | None = None):
    """Rows for every committed GAN (:data:`gancourse.weights.GANS`) whose weights are there;
    the real-data references are computed once per dataset."""
    rows, references = [], {}
    for model, dataset in GANS:
        if not weights_path(model, dataset, weights_dir).exists():
            continue
        classifier = load_classifier(dataset, weights_dir)
        if dataset not in references:
            references[dataset] = real_references(dataset, n, seeds, classifier)
        rows.append(evaluate_model(model, dataset, references[dataset], classifier))
    return rows


def quality_path(weights_dir: Path | str | None = None) -> Path:
    """Where the committed quality table is: ``quality.json`` beside the weights."""
    return (paths.weights_dir() if weights_dir is None else Path(weights_dir)) / QUALITY_FILE


def quality_record(weights_dir: Path | str | None = None) -> dict:
    """The committed quality table: command, machine, wall time, samples, seeds and rows."""
    return json.loads(quality_path(weights_dir).read_text())


def committed_quality(weights_dir: Path | str | None = None) -> list[dict]:
    """The rows of the committed quality table (one per model and dataset)."""
    return quality_record(weights_dir)["rows"]


def committed_row(model: str, dataset: str, weights_dir: Path | str | None = None) -> dict:
    """The committed quality table's row of one model."""
    for row in committed_quality(weights_dir):
        if (row["model"], row["dataset"]) == (model, dataset):
            return row
    raise ValueError(f"the quality table has no row for {model} on {dataset}")


# --------------------------------------------------------------------------------------------
# Printing


def format_spread(measure: dict, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
    """``mean ± sd`` of a :func:`spread` (``mean`` alone for one seed)."""
    text = f"{scale * measure['mean']:.{digits}f}"
    if measure.get("sd") is not None:
        text += f" ± {scale * measure['sd']:.{digits}f}"
    return text + unit


def _verdicts(row: dict) -> str:
    return "; ".join(f"{v['target']}: {'met' if v['met'] else 'MISSED'}" for v in row["targets"])


def format_table(rows) -> str:
    """The quality table in Markdown: every measure as mean ± sd beside its floor."""
    lines = [
        "| model | dataset | FID | FID floor | FID ceiling "
        "| largest class gap to real data (pp) | gap floor (pp) | smallest class "
        "| class recovery | classifier on real test images | targets | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        unconditional = "class_gap_pp" in row
        gap = format_spread(row["class_gap_pp"]) if unconditional else "-"
        smallest = format_spread(row["smallest_class_share"], 100, 1, "%") if unconditional else "-"
        recovery = "-" if unconditional else format_spread(row["class_recovery"], 100, 1, "%")
        lines.append(
            f"| {row['model']} | {DATASET_NAMES[row['dataset']]} | {format_spread(row['fid'])} "
            f"| {format_spread(row['fid_floor'])} | {format_spread(row['fid_ceiling'], digits=1)} "
            f"| {gap} | {format_spread(row['class_gap_floor_pp'])} | {smallest} | {recovery} "
            f"| {100 * row['classifier_accuracy']:.1f}% | {_verdicts(row)} "
            f"| {'yes' if row['meets_targets'] else 'NO'} |"
        )
    return "\n".join(lines)


def format_recovery(row: dict) -> str:
    """A conditional model's class recovery per class (mean ± sd over the seeds) beside the
    classifier's accuracy on real test images of that class, in Markdown."""
    names = CLASS_NAMES[row["dataset"]]
    deviations = row["class_recovery_per_class_sd"] or [None] * len(names)
    lines = [
        f"| class | recovery, {row['model']} {DATASET_NAMES[row['dataset']]} "
        "| classifier on real test images |",
        "|---|---|---|",
    ]
    for name, mean, sd, accuracy in zip(
        names,
        row["class_recovery_per_class"],
        deviations,
        row["classifier_accuracy_per_class"],
        strict=True,
    ):
        recovery = format_spread({"mean": mean, "sd": sd}, 100, 1, "%")
        lines.append(f"| {name} | {recovery} | {100 * accuracy:.1f}% |")
    return "\n".join(lines)


def missed_targets(rows) -> list[str]:
    """One line per missed target: the model, the target and the measured mean ± sd."""
    lines = []
    for row in rows:
        for verdict in row["targets"]:
            if not verdict["met"]:
                _, unit, scale = _MEASURES[verdict["measure"]]
                measured = format_spread(
                    row[verdict["measure"]], scale, 1 if scale != 1 else 2, unit
                )
                lines.append(
                    f"{row['model']} {DATASET_NAMES[row['dataset']]} misses {verdict['target']}: "
                    f"{measured}"
                )
    return lines


def summary(row: dict) -> str:
    """A row in words, for the labs: each measure as mean ± sd beside what real data scores,
    then every target the model meets or misses."""
    seeds = len(row["seeds"])
    lines = [
        f"{row['model']} on {DATASET_NAMES[row['dataset']]}, {row['samples']:,} samples for each "
        f"of {seeds} noise seed{'s' if seeds > 1 else ''} (mean ± sd):",
        f"  classifier FID {format_spread(row['fid'])} (real training vs test images "
        f"{format_spread(row['fid_floor'])}; untrained generator "
        f"{format_spread(row['fid_ceiling'], digits=1)})",
    ]
    if "class_gap_pp" in row:
        lines.append(
            f"  largest class gap to the training set's shares "
            f"{format_spread(row['class_gap_pp'], unit=' pp')} (real test images "
            f"{format_spread(row['class_gap_floor_pp'], unit=' pp')}); smallest class "
            f"{format_spread(row['smallest_class_share'], 100, 1, '%')}"
        )
    else:
        lines.append(
            f"  class recovery {format_spread(row['class_recovery'], 100, 1, '%')} (the "
            f"classifier on real test images {100 * row['classifier_accuracy']:.1f}%)"
        )
    for verdict in row["targets"]:
        verb = "meets" if verdict["met"] else "misses"
        lines.append(f"  the committed model {verb} its target {verdict['target']}")
    return "\n".join(lines)


def report(rows) -> str:
    """What ``make quality`` prints: the table, the recovery per class, the missed targets."""
    parts = [format_table(rows)]
    parts += [format_recovery(row) for row in rows if "class_recovery" in row]
    missed = missed_targets(rows)
    parts.append(
        "Targets missed:\n" + "\n".join("- " + line for line in missed)
        if missed
        else "Every target is met."
    )
    return "\n\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gancourse.evaluate",
        description="The quality table of the committed GANs (make quality).",
    )
    parser.add_argument("--samples", type=int, default=SAMPLES, help="samples per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", default="", help="default: quality.json beside the weights")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else quality_path()
    configure_tensorflow(0)
    started = time.perf_counter()
    rows = quality_table(args.samples, args.seeds)
    print(report(rows))
    command = f"python -m gancourse.evaluate --samples {args.samples}"
    if tuple(args.seeds) != SEEDS:
        command += " --seeds " + " ".join(map(str, args.seeds))
    record = {
        "command": command,
        "samples": args.samples,
        "seeds": args.seeds,
        "wall_time_s": round(time.perf_counter() - started, 1),
        "machine": machine_description(),
        "targets": {
            f"{model} {dataset}": [str(target) for target in targets]
            for (model, dataset), targets in TARGETS.items()
        },
        "rows": rows,
    }
    out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return 0 if all(row["meets_targets"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
