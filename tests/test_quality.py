"""The quality table (gancourse.evaluate): its measures, its targets, and the committed table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gancourse.runtime import configure_tensorflow

REPOSITORY = Path(__file__).resolve().parent.parent

configure_tensorflow(0)

from gancourse import evaluate, weights  # noqa: E402
from gancourse.data import load_dataset  # noqa: E402


def test_the_class_gap_is_measured_against_the_training_sets_shares():
    (_, y_train), (_, y_test) = load_dataset("mnist")
    training = evaluate.training_shares("mnist")
    assert training.sum() == pytest.approx(1.0) and training.shape == (10,)
    # Real MNIST is not uniform: its ones are the most common class.
    assert int(np.argmax(training)) == 1 and evaluate.class_gap_pp(np.full(10, 0.1), training) > 1
    assert evaluate.class_gap_pp(evaluate.class_shares(y_train), training) == 0.0
    assert 0 < evaluate.class_gap_pp(evaluate.class_shares(y_test), training) < 1
    skewed = training.copy()
    skewed[4] -= 0.03
    skewed[9] += 0.03
    assert evaluate.class_gap_pp(skewed, training) == pytest.approx(3.0)
    # A generator that never draws a class is as far off as that class's share.
    dropped = evaluate.class_shares(np.where(y_train == 1, 7, y_train))
    assert evaluate.class_gap_pp(dropped, training) == pytest.approx(100 * training[1])
    with pytest.raises(ValueError, match="same shape"):
        evaluate.class_gap_pp(skewed, training[:9])
    with pytest.raises(ValueError, match="1-D array"):
        evaluate.class_gap_pp(np.ones((2, 5)) / 10, training)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        evaluate.class_shares(np.array([], dtype=int))


def test_reference_images_are_drawn_from_the_whole_test_set():
    from gancourse.data import scale_images

    _, (x_test, _) = load_dataset("mnist")
    everything = scale_images(x_test)
    np.testing.assert_array_equal(evaluate.reference_images("mnist", 10_000, seed=5), everything)
    index = {image.tobytes(): i for i, image in enumerate(everything)}
    drawn = evaluate.reference_images("mnist", 2000, seed=5)
    positions = np.array([index[image.tobytes()] for image in drawn])
    assert len(set(positions)) == 2000  # no image twice
    np.testing.assert_array_equal(evaluate.reference_images("mnist", 2000, seed=5), drawn)
    assert not np.array_equal(evaluate.reference_images("mnist", 2000, seed=6), drawn)
    # Not a prefix: MNIST's second 5,000 test digits are another group of writers. A uniform
    # draw takes Binomial(2000, 1/2) of them: 1000 +- 22.4; five sd either way.
    assert abs(np.sum(positions >= 5000) - 1000) < 5 * np.sqrt(2000 / 4)


def test_spread_gives_mean_sd_and_every_seed():
    assert evaluate.spread([1.0, 2.0, 3.0]) == {"mean": 2.0, "sd": 1.0, "per_seed": [1, 2, 3]}
    assert evaluate.spread([4.0])["sd"] is None
    assert evaluate.format_spread(evaluate.spread([1.0, 2.0, 3.0])) == "2.00 ± 1.00"
    assert evaluate.format_spread(evaluate.spread([0.97]), 100, 1, "%") == "97.0%"


def _row(model, dataset, **measures):
    """A row of the quality table with the measures given as means (sd 0.1 of the unit)."""
    row = {
        "model": model,
        "dataset": dataset,
        "fid_floor": evaluate.spread([1.0, 1.2]),
        "fid_ceiling": evaluate.spread([400.0, 410.0]),
        "class_gap_floor_pp": evaluate.spread([0.5, 0.7]),
        "classifier_accuracy": 0.99,
    }
    for name, mean in measures.items():
        row[name] = evaluate.spread([mean - 0.001, mean + 0.001])
    return evaluate.judge(row)


def test_the_targets_flag_every_missed_target_and_only_those():
    good = _row("dcgan", "mnist", fid=12.0, class_gap_pp=1.5, smallest_class_share=0.09)
    assert good["meets_targets"] and [v["met"] for v in good["targets"]] == [True, True]
    bad = _row("dcgan", "mnist", fid=12.0, class_gap_pp=2.9, smallest_class_share=0.07)
    assert not bad["meets_targets"]
    assert [(v["target"], v["met"]) for v in bad["targets"]] == [
        ("FID ≤ 15", True),
        ("class gap ≤ 2 pp", False),
    ]
    fashion = _row("dcgan", "fashion_mnist", fid=20.0, class_gap_pp=3.0, smallest_class_share=0.04)
    assert [v["met"] for v in fashion["targets"]] == [True, True, False]
    assert "every class ≥ 5%" in fashion["targets"][2]["target"]
    conditional = _row("cdcgan", "fashion_mnist", fid=19.0, class_recovery=0.89)
    assert [(v["measure"], v["met"]) for v in conditional["targets"]] == [
        ("fid", True),
        ("class_recovery", False),
    ]
    # Every committed GAN has targets, and every target names a measure of its row.
    assert set(evaluate.TARGETS) == set(weights.GANS)
    for (model, _), targets in evaluate.TARGETS.items():
        if weights.MODELS[model].conditional:
            measures = {"fid", "class_recovery"}
        else:
            measures = {"fid", "class_gap_pp", "smallest_class_share"}
        assert {target.measure for target in targets} <= measures, model

    table = evaluate.format_table([good, bad])
    assert "| largest class gap to real data (pp) |" in table
    assert "class gap ≤ 2 pp: MISSED" in table and table.count("| NO |") == 1
    assert evaluate.missed_targets([good, bad, fashion]) == [
        "dcgan MNIST misses class gap ≤ 2 pp: 2.90 ± 0.00 pp",
        "dcgan Fashion-MNIST misses every class ≥ 5%: 4.0 ± 0.1%",
    ]
    assert evaluate.report([good]).endswith("Every target is met.")


def test_an_untrained_generator_is_drawn_from_its_seed_alone():
    import keras

    first = weights.untrained_generator("dcgan", seed=3)
    keras.utils.set_random_seed(99)  # the global state does not matter
    again = weights.untrained_generator("dcgan", seed=3)
    other = weights.untrained_generator("dcgan", seed=4)

    def equal(one, two):
        pairs = zip(one.weights, two.weights, strict=True)
        return [np.array_equal(a.numpy(), b.numpy()) for a, b in pairs]

    assert all(equal(first, again)) and not all(equal(first, other))


def _committed() -> dict:
    return evaluate.quality_record()


def test_the_committed_table_is_complete_and_its_verdicts_honest():
    record = _committed()
    makefile = (REPOSITORY / "Makefile").read_text().split("\nquality:", 1)[1]
    recipe = makefile.splitlines()[1].strip().removeprefix("TF_CPP_MIN_LOG_LEVEL=3 ")
    assert record["command"] == recipe.replace("$(BIN)/python", "python")
    assert (record["samples"], tuple(record["seeds"])) == (evaluate.SAMPLES, evaluate.SEEDS)
    assert record["machine"]["cpu_cores"] >= 1 and record["wall_time_s"] > 0
    rows = {(row["model"], row["dataset"]): row for row in record["rows"]}
    assert list(rows) == list(weights.GANS)
    for (model, dataset), row in rows.items():
        conditional = weights.MODELS[model].conditional
        assert row["samples"] == evaluate.SAMPLES and row["seeds"] == list(evaluate.SEEDS)
        for name in ("fid", "fid_floor", "fid_ceiling", "class_gap_floor_pp") + (
            ("class_recovery",) if conditional else ("class_gap_pp", "smallest_class_share")
        ):
            measure = row[name]
            assert len(measure["per_seed"]) == len(evaluate.SEEDS), (model, name)
            assert measure["mean"] == pytest.approx(np.mean(measure["per_seed"]), abs=1e-4)
            assert measure["sd"] == pytest.approx(np.std(measure["per_seed"], ddof=1), abs=1e-4)
        assert row["fid_floor"]["mean"] < row["fid"]["mean"] < row["fid_ceiling"]["mean"]
        assert abs(sum(row["class_shares"]) - 1) < 1e-3
        if conditional:
            assert row["class_recovery"]["mean"] == pytest.approx(
                np.mean(row["class_recovery_per_class"]), abs=1e-4
            )
        # Each verdict is the comparison with the course's targets, recomputed here.
        stored = {key: value for key, value in row.items() if key not in ("targets",)}
        assert evaluate.judge(stored)["targets"] == row["targets"], (model, dataset)
        assert row["meets_targets"] == all(v["met"] for v in row["targets"])


def test_the_committed_table_is_reproduced_by_its_command_on_a_subsample(tmp_path):
    """`make quality` on 2,000 samples and one seed: the same picture, noisier, and exit 1 while
    a committed model misses a target."""
    out = tmp_path / "quality.json"
    status = evaluate.main(["--samples", "2000", "--seeds", "0", "--out", str(out)])
    now = json.loads(out.read_text())
    assert now["command"] == "python -m gancourse.evaluate --samples 2000 --seeds 0"
    committed = {(row["model"], row["dataset"]): row for row in _committed()["rows"]}
    assert status == (0 if all(row["meets_targets"] for row in committed.values()) else 1)
    for row in now["rows"]:
        then = committed[(row["model"], row["dataset"])]
        assert row["fid"]["sd"] is None and len(row["fid"]["per_seed"]) == 1
        assert row["fid"]["mean"] < 0.5 * row["fid_ceiling"]["mean"]
        assert row["fid_floor"]["mean"] < row["fid"]["mean"]
        if "class_recovery" in row:
            assert abs(row["class_recovery"]["mean"] - then["class_recovery"]["mean"]) < 0.03
        else:  # the largest of ten shares' deviations, each with a sd near 1 pp at 2,000 samples
            assert abs(row["class_gap_pp"]["mean"] - then["class_gap_pp"]["mean"]) < 4.0
        # Real test images, as the classifier labels them, are close to the training shares.
        assert 0.0 < row["class_gap_floor_pp"]["mean"] < 3.0
