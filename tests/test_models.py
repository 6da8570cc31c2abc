"""The reference models, losses and train steps, the trainer (its options, checkpoints,
resume), the committed weights, and the training-throughput benchmark. The quality table they
are measured by is tested in test_quality.py."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gancourse import runtime, weights
from gancourse.runtime import configure_tensorflow

REPOSITORY = Path(__file__).resolve().parent.parent
#: The committed models (the doctor checks the same list on a user's machine).
COMMITTED = list(weights.RUNS)

configure_tensorflow(0)
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from gancourse import evaluate, losses, models, steps, train  # noqa: E402
from gancourse.data import epoch_dataset  # noqa: E402


def test_generator_shapes_range_and_label_dependence():
    generator = models.build_generator()
    images = generator(tf.random.normal([3, 100]), training=False)
    assert images.shape == (3, 28, 28, 1)
    assert float(tf.reduce_max(tf.abs(images))) < 1.0
    conditional = models.build_generator(num_classes=10)
    noise = tf.repeat(tf.random.normal([1, 100]), 2, axis=0)
    pair = conditional([noise, tf.constant([1, 7])], training=False)
    assert float(tf.reduce_max(tf.abs(pair[0] - pair[1]))) > 0


def test_discriminator_critic_and_classifier_outputs():
    images = tf.random.uniform([4, 28, 28, 1], -1, 1)
    assert models.build_discriminator()(images).shape == (4, 1)
    assert models.build_discriminator(10)([images, tf.constant([0, 1, 2, 3])]).shape == (4, 1)
    critic = models.build_critic()
    kinds = {type(layer).__name__ for layer in critic.layers}
    assert not kinds & {"BatchNormalization", "Dropout"}, "the GP critic must be per-example"
    classifier = models.build_classifier()
    assert classifier(images).shape == (4, 10)
    assert models.classifier_feature_model(classifier)(images).shape == (4, 128)


def test_minibatch_stddev_appends_each_groups_mean_spread():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(8, 3, 3, 5)).astype("float32")
    out = keras.ops.convert_to_numpy(models.MinibatchStddev(4)(features))
    assert out.shape == (8, 3, 3, 6)
    np.testing.assert_array_equal(out[..., :5], features)
    for group in range(2):  # groups of 4 consecutive images
        members = features[4 * group : 4 * group + 4].astype("float64")
        spread = np.sqrt(members.var(axis=0) + 1e-8).mean()
        # float32 sums of 45 terms: a relative error of a few times 45 * 2**-24 at most
        np.testing.assert_allclose(out[4 * group : 4 * group + 4, ..., 5], spread, rtol=1e-5)
    # A batch that is not a multiple of the group size is one group.
    odd = keras.ops.convert_to_numpy(models.MinibatchStddev(4)(features[:3]))
    np.testing.assert_allclose(
        odd[..., 5], np.sqrt(features[:3].astype("float64").var(axis=0) + 1e-8).mean(), rtol=1e-5
    )
    # Identical images: the channel is (almost) zero, which is what the discriminator can notice.
    same = np.repeat(features[:1], 8, axis=0)
    assert np.abs(keras.ops.convert_to_numpy(models.MinibatchStddev(4)(same))[..., 5]).max() < 1e-3
    images = tf.random.uniform([8, 28, 28, 1], -1, 1)
    assert models.build_discriminator(minibatch_std=4)(images).shape == (8, 1)


def test_gan_step_updates_both_networks_from_one_batch():
    generator, discriminator = models.build_generator(), models.build_discriminator()
    g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
    step = steps.make_gan_step(generator, discriminator, g_opt, d_opt, 100, conditional=False)
    before = [
        w.numpy().copy() for w in generator.trainable_weights + discriminator.trainable_weights
    ]
    result = step(tf.random.uniform([8, 28, 28, 1], -1, 1), tf.zeros([8], tf.int32))
    assert np.isfinite(float(result["d_loss"])) and np.isfinite(float(result["g_loss"]))
    after = generator.trainable_weights + discriminator.trainable_weights
    assert all(not np.array_equal(b, a.numpy()) for b, a in zip(before, after, strict=True))


def test_losses_match_binary_cross_entropy():
    real = tf.constant([[3.0], [-2.0], [0.1]])
    fake = tf.constant([[-1.0], [4.0], [0.0]])
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    expected_d = bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
    np.testing.assert_allclose(losses.discriminator_loss(real, fake), expected_d, rtol=1e-6)
    np.testing.assert_allclose(
        losses.generator_loss(fake), bce(tf.ones_like(fake), fake), rtol=1e-6
    )


def test_wasserstein_losses_are_the_estimate_and_its_negatives():
    real, fake = tf.constant([[3.0], [1.0]]), tf.constant([[0.5], [-0.5], [0.0]])
    assert float(losses.wasserstein_estimate(real, fake)) == pytest.approx(2.0)
    assert float(losses.critic_loss(real, fake)) == pytest.approx(-2.0)
    assert float(losses.generator_wasserstein_loss(fake)) == pytest.approx(0.0)


def test_gradient_penalty_of_a_linear_critic_is_exact():
    critic = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    weights = critic.layers[-1].kernel.numpy()
    real = tf.random.uniform([5, 28, 28, 1], -1, 1)
    fake = tf.random.uniform([5, 28, 28, 1], -1, 1)
    expected = (np.linalg.norm(weights) - 1) ** 2
    np.testing.assert_allclose(losses.gradient_penalty(critic, real, fake), expected, rtol=1e-4)


def test_resumed_epoch_sees_exactly_the_remaining_batches():
    images = tf.constant(np.arange(40, dtype=np.float32).reshape(40, 1))
    labels = tf.constant(np.arange(40, dtype=np.int32))
    full = [b.numpy() for b, _ in epoch_dataset(images, labels, 4, seed=3, epoch=2)]
    done = full[:4]
    rest = [b.numpy() for b, _ in epoch_dataset(images, labels, 4, seed=3, epoch=2, skip=4)]
    np.testing.assert_array_equal(np.concatenate(done + rest), np.concatenate(full))
    other_epoch = [b.numpy() for b, _ in epoch_dataset(images, labels, 4, seed=3, epoch=3)]
    assert not np.array_equal(np.concatenate(other_epoch), np.concatenate(full))


def test_precision_choice_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx2", "fma"})
    assert runtime.choose_precision("auto", on_gpu=False) == "float32"
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx512_bf16"})
    assert runtime.choose_precision("auto", on_gpu=False) == "mixed_bfloat16"
    assert runtime.choose_precision("auto", on_gpu=True) == "mixed_bfloat16"
    assert runtime.choose_precision("float32", on_gpu=True) == "float32"
    assert runtime.choose_jit("auto", on_gpu=False) is False


def test_the_command_line_and_the_records_commands_come_from_config():
    # Every default is Config's: the parser's defaults are the fields' defaults.
    parsed = vars(train.parse_args(["--model", "dcgan", "--dataset", "mnist", "--epochs", "3"]))
    assert train.Config(**parsed) == train.Config("dcgan", "mnist", 3)
    # Every committed record's command parses back into the config that writes it again.
    for model, dataset in COMMITTED:
        command = weights.training_record(model, dataset)["command"]
        assert train.command(train.config_from_command(command)) == command
    assert train.config_from_command(
        "python -m gancourse.train --model dcgan --dataset mnist --epochs 3", seed=4
    ) == train.Config("dcgan", "mnist", 3, seed=4)
    with pytest.raises(ValueError, match="not a python -m gancourse.train command"):
        train.config_from_command("python -m gancourse.evaluate --samples 10")
    assert train.command(train.Config("wgan-gp", "mnist", 9, max_minutes=5, progress=False)) == (
        "python -m gancourse.train --model wgan-gp --dataset mnist --epochs 9"
    )
    with pytest.raises(ValueError, match="model must be one of"):
        train.Config("gan", "mnist", 1)
    with pytest.raises(ValueError, match="dataset must be one of"):
        train.Config("dcgan", "cifar10", 1)
    # One recipe per model the trainer knows, each building the network the registry saves.
    assert set(train.RECIPES) == set(weights.MODELS)
    for model, recipe in train.RECIPES.items():
        names = recipe.networks(train.Config(model, "mnist", 1))
        assert weights.MODELS[model].saved in names, (model, sorted(names))


def assert_config_is_what_the_command_sets(record):
    """A record's config is its command's, without the folders of the machine that trained it."""
    assert train.Config(**record["config"]) == train.config_from_command(record["command"])
    assert not {"weights_dir", "checkpoint_dir"} & set(record["config"])


@pytest.mark.slow
@pytest.mark.parametrize("model", ["dcgan", "cdcgan", "wgan-gp", "classifier"])
def test_trainer_stops_resumes_and_writes_weights_and_record(tmp_path, model):
    common = [
        "--model", model, "--dataset", "mnist", "--epochs", "2", "--steps-per-epoch", "3",
        "--batch-size", "16", "--weights-dir", str(tmp_path / "weights"),
        "--checkpoint-dir", str(tmp_path / "checkpoint"), "--no-progress",
        # The per-epoch quality measures on a few samples, where there is a generator to measure.
        "--fid-samples", "100" if model in ("dcgan", "cdcgan") else "0",
    ]  # fmt: skip
    command = [sys.executable, "-m", "gancourse.train", *common]
    # A budget of a few milliseconds stops after the first step, with a checkpoint.
    stopped = subprocess.run(
        command + ["--max-minutes", "0.00001"], capture_output=True, text=True, cwd=REPOSITORY
    )
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    assert "Run the same command again to resume" in stopped.stderr
    state = json.loads((tmp_path / "checkpoint" / "state.json").read_text())
    assert (state["epoch"], state["step"]) == (0, 1)
    assert not (tmp_path / "weights").exists()

    finished = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY)
    assert finished.returncode == 0, finished.stderr[-2000:]
    record = weights.training_record(model, "mnist", tmp_path / "weights")
    assert record["epochs"] == 2 and record["sessions"] == 2
    # Each session says where it started and how it trained: the first stopped after one step.
    log = record["session_log"]
    assert [(session["from_epoch"], session["from_step"]) for session in log] == [(0, 0), (0, 1)]
    assert [session["precision"] for session in log] == [record["precision"]] * 2
    assert log[-1]["cpu"] == record["machine"]["cpu"]
    assert [row["epoch"] for row in record["history"]] == [1, 2]
    assert record["command"] == (
        f"python -m gancourse.train --model {model} --dataset mnist --epochs 2 --batch-size 16 "
        f"--steps-per-epoch 3 --fid-samples {100 if model in ('dcgan', 'cdcgan') else 0}"
    )
    optimizers = sorted((tmp_path / "checkpoint").glob("*_optimizer.npz"))
    assert len(optimizers) == (1 if model == "classifier" else 2)
    for path in optimizers:
        with np.load(path) as stored:  # Adam's variables: iteration, learning rate, moments
            iterations, rate = int(stored["arr_0"]), float(stored["arr_1"])
        recipe = train.RECIPES[model]
        expected = recipe.d_lr if path.name.startswith(("discriminator", "critic")) else recipe.g_lr
        assert rate == pytest.approx(expected, rel=1e-5)
        # Resumed after its first step, the run made the 6 steps of 2 epochs of 3 steps, no more;
        # the WGAN-GP's generator trains after every fifth critic step, so not in epochs of 3.
        untrained = model == "wgan-gp" and path.name == "generator_optimizer.npz"
        assert iterations == (0 if untrained else 6), (path.name, iterations)
    assert record["machine"]["cpu_cores"] >= 1
    assert_config_is_what_the_command_sets(record)
    # A GAN's record says which real images its history's FIDs compare with.
    assert record.get("fid_reference") == (
        None if model == "classifier" else evaluate.EPOCH_REFERENCE
    )
    if model == "classifier":  # one model is enough: the check runs before any network loads
        assert_a_resume_needs_the_same_options(command, tmp_path / "checkpoint")
    if model in ("dcgan", "cdcgan"):
        measure = "class_recovery_100" if model == "cdcgan" else "class_gap_pp_100"
        for row in record["history"]:
            assert row["fid_100"] > 0, row
            assert 0 <= row[measure] <= (1 if model == "cdcgan" else 100), row
    network = (
        models.build_classifier()
        if model == "classifier"
        else models.build_generator(num_classes=10 if model == "cdcgan" else None)
    )
    network.load_weights(weights.weights_path(model, "mnist", tmp_path / "weights"))


def assert_a_resume_needs_the_same_options(command, checkpoint):
    """A finished run resumed with another rate stops with a message and leaves its checkpoint;
    resumed with more epochs and the same options, it trains on."""
    before = (checkpoint / "state.json").read_text()
    other = command + ["--epochs", "3", "--g-lr", "0.01"]  # the last --epochs wins
    refused = subprocess.run(other, capture_output=True, text=True, cwd=REPOSITORY)
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "trained with other options (g_lr None -> 0.01)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (checkpoint / "state.json").read_text() == before
    assert json.loads(before)["options"] == train.resumable_options(
        train.config_from_command(shlex.join(["python", *command[1:]]))
    )
    # More epochs under the same options continue the run.
    more = subprocess.run(
        command + ["--epochs", "3"], capture_output=True, text=True, cwd=REPOSITORY
    )
    assert more.returncode == 0, more.stderr[-2000:]
    assert json.loads((checkpoint / "state.json").read_text())["epoch"] == 3


@pytest.mark.parametrize(("model", "dataset"), COMMITTED)
def test_committed_weights_load_and_carry_a_training_record(model, dataset):
    path = weights.weights_path(model, dataset)
    assert path.exists(), f"{path} is missing; train it with python -m gancourse.train"
    assert path.stat().st_size < 10 * 2**20, "committed weights must stay small"
    record = weights.training_record(model, dataset)
    for key in ("command", "epochs", "wall_time_s", "machine", "history", "images_seen"):
        assert key in record
    assert record["command"].startswith(f"python -m gancourse.train --model {model} ")
    assert_config_is_what_the_command_sets(record)
    assert len(record["history"]) == record["epochs"]
    if model == "classifier":
        classifier = weights.load_classifier(dataset)
        assert record["test_accuracy"] > (0.98 if dataset == "mnist" else 0.88)
        assert classifier.count_params() == record["parameters"]
    else:
        generator = weights.load_generator(model, dataset)
        images = evaluate.generate(generator, 8, seed=0)
        assert images.shape == (8, 28, 28, 1) and np.all(np.abs(images) <= 1)


def test_moving_average_follows_its_formula_with_warm_up():
    network = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    average = keras.models.clone_model(network)
    start = [w.copy() for w in network.get_weights()]
    average.set_weights(start)
    updates = tf.Variable(0, dtype=tf.int64)
    update = steps.make_average_update(network, average, 0.99, updates)
    expected = [w.astype(np.float64) for w in start]
    rng = np.random.default_rng(0)
    for t in range(1, 400):
        values = [rng.standard_normal(w.shape) for w in start]
        network.set_weights([v.astype(np.float32) for v in values])
        updates.assign(t)
        update()
        rate = min(0.99, (1 + t) / (10 + t))  # early on the warm-up, later the decay itself
        expected = [rate * e + (1 - rate) * v for e, v in zip(expected, values, strict=True)]
    for got, want in zip(average.get_weights(), expected, strict=True):
        # float32 rounding of ~400 multiply-adds of values of order 1
        np.testing.assert_allclose(got, want, atol=400 * 2**-23 * 4)


@pytest.mark.slow
def test_trainer_saves_the_average_and_draws_progress_grids(tmp_path):
    from PIL import Image

    from gancourse import progress

    command = [
        sys.executable, "-m", "gancourse.train", "--model", "dcgan", "--dataset", "mnist",
        "--epochs", "2", "--steps-per-epoch", "3", "--batch-size", "16", "--ema-decay", "0.5",
        "--g-lr", "1e-3", "--d-lr", "4e-3", "--grid-every", "1", "--fid-samples", "100",
        "--weights-dir", str(tmp_path / "weights"), "--checkpoint-dir", str(tmp_path / "ckpt"),
        "--no-progress",
    ]  # fmt: skip
    stopped = subprocess.run(
        command + ["--max-minutes", "0.00001"], capture_output=True, text=True, cwd=REPOSITORY
    )
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY)
    assert finished.returncode == 0, finished.stderr[-2000:]
    record = weights.training_record("dcgan", "mnist", tmp_path / "weights")
    assert record["settings"] == {"g_lr": 1e-3, "d_lr": 4e-3, "ema_decay": 0.5}
    assert "--ema-decay 0.5" in record["command"] and "--grid-every 1" in record["command"]
    for row in record["history"]:  # the average and the live generator, both measured
        assert row["fid_100"] > 0 and row["live_fid_100"] > 0
    # The saved weights are the average's, not the live generator's.
    saved = weights.load_generator("dcgan", "mnist", tmp_path / "weights")
    for name in ("ema_generator", "generator"):
        network = models.build_generator()
        network.load_weights(tmp_path / "ckpt" / f"{name}.weights.h5")
        same = all(
            np.array_equal(a, b)
            for a, b in zip(network.get_weights(), saved.get_weights(), strict=True)
        )
        assert same == (name == "ema_generator"), name
    entry = record["progress"]
    assert entry["epochs"] == [1, 2] and entry["every"] == 1
    for grid in entry["grids"]:
        with Image.open(tmp_path / "weights" / grid) as picture:
            side = progress.SCALE * (progress.COLUMNS * 30 + 2)
            assert picture.size == (side, side)
    with Image.open(tmp_path / "weights" / entry["animation"]) as animation:
        assert animation.n_frames == 2
    assert len(list((tmp_path / "ckpt-snapshots").glob("generator-epoch-*.weights.h5"))) == 2


def test_make_weights_runs_the_commands_of_the_committed_records():
    makefile = (REPOSITORY / "Makefile").read_text().split("\nweights:", 1)[1]
    recipe = []
    for line in makefile.splitlines()[1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)/python", "python"))
    recorded = [weights.training_record(model, dataset)["command"] for model, dataset in COMMITTED]
    assert sorted(recipe) == sorted(recorded)


def test_flop_count_of_the_tutorial_network_matches_the_published_figure():
    from tools.bench_train import (
        training_gflop_per_image,
        tutorial_discriminator,
        tutorial_generator,
    )

    gflop = training_gflop_per_image(tutorial_generator(keras), tutorial_discriminator(keras))
    assert gflop == pytest.approx(0.45, rel=0.05)


@pytest.mark.slow
def test_bench_prints_a_ratio(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench_train", "--steps", "1", "--rounds", "1",
         "--batch-size", "16", "--bf16-batch-size", "4", "--quality", "none",
         "--out", str(out)],
        capture_output=True, text=True, cwd=REPOSITORY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["ratio_course_auto_to_tutorial"] > 0
    assert set(report["variants"]) >= {"tutorial", "course (float32, graph)"}
    assert set(report["matmul_peak_gflop_per_s"]) == {"float32", "bfloat16"}
    for variant in report["variants"].values():
        assert variant["images_per_s"] > 0 and variant["gflop_per_s"] > 0
        assert 0 < variant["fraction_of_matmul_peak"]


@pytest.mark.slow
def test_time_to_quality_trains_the_recipe_and_measures_it():
    from tools.bench_train import time_to_quality

    # A budget of a second: a few steps, one measurement, the target not reached.
    result = time_to_quality("mnist", check_every=2, minutes=1 / 60)
    assert result["curve"] and result["curve"][0][0] == 2
    assert not result["reached"] and not result["met"] and result["training_s"] is None
    # The committed model's recipe: its command without the length of the run and the grids.
    record_command = weights.training_record("dcgan", "mnist")["command"]
    committed = shlex.split(record_command)
    for option in ("--epochs", "--grid-every"):
        if option in committed:
            del committed[committed.index(option) : committed.index(option) + 2]
    assert result["command"] == shlex.join(committed)
    assert result["settings"] == train.settings(train.config_from_command(record_command))
