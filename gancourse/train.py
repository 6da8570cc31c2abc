"""Train the course's reference models, with checkpoints, resume and a progress bar.

    python -m gancourse.train --model dcgan --dataset mnist --epochs 20
    python -m gancourse.train --model classifier --dataset fashion_mnist --epochs 5

Models: ``classifier`` (the evaluation classifier), ``dcgan`` (lab 2 and lab 3), ``cdcgan``
(lab 4, class-conditional) and ``wgan-gp`` (lab 5). The finished weights go to
``data/weights/<model>-<dataset>.weights.h5`` (the generator only, for the GANs) next to a JSON
record of how they were trained: the command, epochs, steps, wall time, machine, library
versions and the loss history.

Training state is saved to a checkpoint folder every ``--checkpoint-minutes`` and at the end of
every epoch. Running the same command again resumes where the last checkpoint left off, in the
middle of an epoch if need be (the shuffling order of each epoch is a function of the seed and
the epoch number, so the remaining batches are the same ones). ``--max-minutes`` stops cleanly
after a time budget, so long runs can be split across sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from gancourse import paths

MODELS = ("classifier", "dcgan", "cdcgan", "wgan-gp")
DATASETS = ("mnist", "fashion_mnist")


def run_name(model: str, dataset: str) -> str:
    """File stem of a model's weights: ``dcgan-mnist``, ``cdcgan-fashion-mnist``, ..."""
    return f"{model}-{dataset.replace('_', '-')}"


def weights_path(model: str, dataset: str, weights_dir: Path | str | None = None) -> Path:
    """The committed weights of a model: ``data/weights/<model>-<dataset>.weights.h5``.

    ``weights_dir`` None: :func:`gancourse.paths.weights_dir` (``$GANCOURSE_WEIGHTS_DIR`` or the
    checkout's ``data/weights/``).
    """
    folder = paths.weights_dir() if weights_dir is None else Path(weights_dir)
    return folder / f"{run_name(model, dataset)}.weights.h5"


def training_record(model: str, dataset: str, weights_dir: Path | str | None = None) -> dict:
    """The JSON record written next to the weights: command, epochs, wall time, machine, history."""
    folder = paths.weights_dir() if weights_dir is None else Path(weights_dir)
    return json.loads((folder / f"{run_name(model, dataset)}.json").read_text())


# --------------------------------------------------------------------------------------------
# Devices and precision


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision(precision: str, on_gpu: bool) -> str:
    """``auto``: bfloat16 where the hardware computes it natively, else float32.

    On a CPU without AVX512-BF16 or AMX, bfloat16 is emulated: ``make bench`` measured it more
    than ten times slower than float32 on an AVX2-only EPYC, so ``auto`` keeps float32 there.
    """
    if precision != "auto":
        return precision
    if on_gpu:
        return "mixed_bfloat16"
    return "mixed_bfloat16" if cpu_flags() & {"avx512_bf16", "amx_bf16"} else "float32"


def choose_jit(jit: str, on_gpu: bool) -> bool:
    """``auto``: XLA on GPU; off on CPU for now.

    On the 2-core EPYC of the course's CI, ``make bench`` measured XLA 13% faster than the plain
    graph on an idle machine but 40% slower on a loaded one; until that is understood, CPU
    training keeps the plain graph, which never lost to the tutorial's step.
    """
    return {"on": True, "off": False}.get(jit, on_gpu)


def machine_description() -> dict:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    cpu_model = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpu_names = []
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        gpu_names.append(details.get("device_name", gpu.name))
    return {
        "cpu": cpu_model,
        "cpu_cores": os.cpu_count(),
        "gpus": gpu_names,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": __import__("keras").__version__,
    }


# --------------------------------------------------------------------------------------------
# Data


def scale_images(images_uint8: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) to float32 (N, 28, 28, 1) in [-1, 1], the course's convention."""
    return (images_uint8.astype(np.float32)[..., None] - 127.5) / 127.5


def training_arrays(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Training images scaled to [-1, 1] as float32 (N, 28, 28, 1), and int32 labels."""
    from gancourse.data import load_dataset

    (x_train, y_train), _ = load_dataset(dataset)
    return scale_images(x_train), y_train.astype(np.int32)


def epoch_dataset(images, labels, batch_size: int, seed: int, epoch: int, skip: int = 0):
    """One epoch of shuffled full batches, with ``skip`` batches already done.

    The permutation depends only on (seed, epoch), so a resumed run sees exactly the batches
    the interrupted run had not reached. Batches are sliced from arrays already in memory and
    prefetched, so the train step never waits for input.
    """
    import tensorflow as tf

    order = np.random.default_rng([seed, epoch]).permutation(len(images))
    steps = len(images) // batch_size
    order = order[skip * batch_size : steps * batch_size]
    data = tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=True)
    data = data.map(
        lambda index: (tf.gather(images, index), tf.gather(labels, index)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return data.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------------------------
# Losses and train steps (the same mathematics as the theory chapters)


def discriminator_loss(real_logits, fake_logits):
    """Non-saturating GAN discriminator loss, -log D(x) - log(1 - D(G(z))), from logits."""
    import tensorflow as tf

    # Losses in float32 even when the networks compute in bfloat16 (mixed precision).
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
        tf.nn.softplus(fake_logits)
    )


def generator_loss(fake_logits):
    """Non-saturating generator loss, -log D(G(z)), from logits."""
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.softplus(-tf.cast(fake_logits, tf.float32)))


def gradient_penalty(critic, real, fake):
    """WGAN-GP penalty E[(||grad critic(x_hat)||_2 - 1)^2], one interpolation weight per image."""
    import tensorflow as tf

    eps = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])
    mixed = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed, training=True)
    grads = tape.gradient(scores, mixed)
    # The small constant keeps the gradient of the norm finite where grads are all zero.
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def make_gan_step(
    generator, discriminator, g_opt, d_opt, latent_dim, conditional, jit=False, pack=1
):
    """A compiled step updating both networks from one forward pass (losses before updates).

    The updates are *simultaneous*: both gradients are taken at the same parameters, as in
    TensorFlow's DCGAN tutorial, not alternating as in Goodfellow et al.'s Algorithm 1; why the
    difference can matter (book: Lab 2, DCGAN on MNIST, 'The training step'; Training dynamics).

    With ``pack`` > 1 the discriminator sees packs of real and packs of generated images
    (:func:`gancourse.models.pack_images`); the batch size must be a multiple of ``pack``.
    """
    import tensorflow as tf

    from gancourse.models import pack_images

    def step(images, labels):
        noise = tf.random.normal([tf.shape(images)[0], latent_dim])
        g_in = [noise, labels] if conditional else noise
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fakes = generator(g_in, training=True)
            if conditional:
                real_logits = discriminator([images, labels], training=True)
                fake_logits = discriminator([fakes, labels], training=True)
            else:
                real_logits = discriminator(pack_images(images, pack), training=True)
                fake_logits = discriminator(pack_images(fakes, pack), training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
            g_loss = generator_loss(fake_logits)
        d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
        g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
        d_opt.apply(d_grads, discriminator.trainable_variables)
        g_opt.apply(g_grads, generator.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}

    return tf.function(step, jit_compile=jit)


def make_wgan_gp_step(generator, critic, g_opt, c_opt, latent_dim, gp_weight=10.0, jit=False):
    """One critic update per call; the generator is updated when ``update_generator`` is true."""
    import tensorflow as tf

    def step(images, update_generator):
        batch = tf.shape(images)[0]
        fakes = generator(tf.random.normal([batch, latent_dim]), training=True)
        with tf.GradientTape() as tape:
            real_scores = critic(images, training=True)
            fake_scores = critic(fakes, training=True)
            wasserstein = tf.reduce_mean(real_scores) - tf.reduce_mean(fake_scores)
            penalty = gradient_penalty(critic, images, fakes)
            c_loss = -wasserstein + gp_weight * penalty
        c_grads = tape.gradient(c_loss, critic.trainable_variables)
        c_opt.apply(c_grads, critic.trainable_variables)

        def generator_update():
            with tf.GradientTape() as g_tape:
                scores = critic(generator(tf.random.normal([batch, latent_dim]), training=True))
                g_loss = -tf.reduce_mean(scores)
            g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
            g_opt.apply(g_grads, generator.trainable_variables)
            return g_loss

        g_loss = tf.cond(
            update_generator, generator_update, lambda: tf.constant(np.nan, tf.float32)
        )
        return {"critic_loss": c_loss, "wasserstein": wasserstein, "gp": penalty, "g_loss": g_loss}

    return tf.function(step, jit_compile=jit)


# --------------------------------------------------------------------------------------------
# Checkpoints


@dataclass
class TrainingState:
    epoch: int = 0  # completed epochs
    step: int = 0  # completed steps in the current epoch
    elapsed_s: float = 0.0  # training wall time over all sessions
    sessions: int = 0
    history: list[dict] = field(default_factory=list)  # one row of mean losses per epoch
    running: dict = field(default_factory=dict)  # loss sums within the current epoch


def optimizer_arrays(optimizer) -> list[np.ndarray]:
    return [np.asarray(v.numpy()) for v in optimizer.variables]


def save_checkpoint(folder: Path, state: TrainingState, networks: dict, optimizers: dict) -> None:
    """Write the whole state to a fresh folder, then swap it in: a kill never leaves half."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name, network in networks.items():
        network.save_weights(partial / f"{name}.weights.h5")
    for name, optimizer in optimizers.items():
        np.savez(partial / f"{name}.npz", *optimizer_arrays(optimizer))
    (partial / "state.json").write_text(json.dumps(asdict(state), indent=1))
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(folder: Path, networks: dict, optimizers: dict) -> TrainingState | None:
    if not (folder / "state.json").exists():
        return None
    for name, network in networks.items():
        network.load_weights(folder / f"{name}.weights.h5")
    for name, optimizer in optimizers.items():
        with np.load(folder / f"{name}.npz") as stored:
            arrays = [stored[f"arr_{i}"] for i in range(len(stored.files))]
        if len(arrays) != len(optimizer.variables):
            raise RuntimeError(f"checkpoint {folder} does not match the optimizer {name}")
        for variable, value in zip(optimizer.variables, arrays, strict=True):
            variable.assign(value)
    return TrainingState(**json.loads((folder / "state.json").read_text()))


# --------------------------------------------------------------------------------------------
# The trainer


@dataclass
class Config:
    model: str
    dataset: str
    epochs: int
    batch_size: int = 128
    seed: int = 0
    latent_dim: int = 100
    n_critic: int = 5
    gp_weight: float = 10.0
    pack: int = 1  # images per discriminator input (PacGAN); dcgan only
    d_filters: int = 0  # filters of the discriminator's first convolution; 0: the model's own
    precision: str = "auto"
    jit: str = "auto"
    weights_dir: str = ""  # "": gancourse.paths.weights_dir(), resolved on creation
    checkpoint_dir: str = ""
    checkpoint_minutes: float = 5.0
    max_minutes: float = 0.0
    steps_per_epoch: int = 0  # 0: whole epochs; a small number for smoke tests
    fid_samples: int = 2000  # classifier FID after every epoch; 0 turns it off
    progress: bool = True
    lr_decay_from: int = 0  # 0: constant learning rates; K: linear decay to 0 after epoch K

    def __post_init__(self):
        if not self.weights_dir:
            self.weights_dir = str(paths.weights_dir())


def default_checkpoint_dir(model: str, dataset: str) -> Path:
    return paths.cache_dir() / "checkpoints" / run_name(model, dataset)


# Adam's learning rates: Keras's default for the classifier, Radford et al. (2016), section 4,
# for the DCGANs, and Gulrajani et al. (2017), Algorithm 1, for the WGAN-GP.
LEARNING_RATES = {"classifier": 1e-3, "dcgan": 2e-4, "cdcgan": 2e-4, "wgan-gp": 1e-4}


def learning_rate_factor(config: Config, epoch: int, step: int, steps_per_epoch: int) -> float:
    """Multiplier of the learning rates at ``step`` of epoch ``epoch`` (both counted from 0).

    1 throughout, unless ``lr_decay_from`` is K > 0: then 1 up to the end of epoch K, falling
    linearly with every step to 0 at the end of the last epoch, so that a run continued from a
    constant-rate checkpoint settles instead of oscillating around an equilibrium (Gulrajani
    et al.'s (2017) code for their CIFAR-10 ResNet decays its rates linearly so).
    """
    start = config.lr_decay_from
    if not start:
        return 1.0
    progress = epoch + step / steps_per_epoch
    return float(np.clip((config.epochs - progress) / (config.epochs - start), 0.0, 1.0))


def build_networks(config: Config):
    """Networks and optimizers of a run; optimizers are built so checkpoints can restore them."""
    import keras

    from gancourse import models

    rate = LEARNING_RATES[config.model]
    if config.model == "classifier":
        networks = {"classifier": models.build_classifier()}
        optimizers = {"classifier_optimizer": keras.optimizers.Adam(rate)}
        optimizers["classifier_optimizer"].build(networks["classifier"].trainable_variables)
        return networks, optimizers
    conditional = config.model == "cdcgan"
    generator = models.build_generator(
        config.latent_dim, models.NUM_CLASSES if conditional else None
    )
    if config.model == "wgan-gp":
        other = ("critic", models.build_critic())
        # Gulrajani et al. (2017): rate 1e-4 and beta_2 = 0.9 as in their Algorithm 1, beta_1 = 0.5
        # as in their MNIST code (gan_mnist.py); Algorithm 1 itself uses beta_1 = 0.
        g_opt = keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.9)
        o_opt = keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.9)
    else:
        other = (
            "discriminator",
            models.build_discriminator(
                models.NUM_CLASSES if conditional else None,
                pack=config.pack,
                filters=config.d_filters,
            ),
        )
        # Adam settings of Radford et al. (2016), section 4.
        g_opt = keras.optimizers.Adam(rate, beta_1=0.5)
        o_opt = keras.optimizers.Adam(rate, beta_1=0.5)
    networks = {"generator": generator, other[0]: other[1]}
    g_opt.build(generator.trainable_variables)
    o_opt.build(other[1].trainable_variables)
    return networks, {"generator_optimizer": g_opt, f"{other[0]}_optimizer": o_opt}


def _classifier_step(classifier, optimizer, jit):
    import tensorflow as tf

    def step(images, labels):
        with tf.GradientTape() as tape:
            logits = classifier(images, training=True)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
        grads = tape.gradient(loss, classifier.trainable_variables)
        optimizer.apply(grads, classifier.trainable_variables)
        return {"loss": loss}

    return tf.function(step, jit_compile=jit)


def classifier_accuracy(classifier, dataset: str) -> dict:
    """Test-set accuracy overall and per class."""
    from gancourse.data import load_dataset

    _, (x_test, y_test) = load_dataset(dataset)
    images = scale_images(x_test)
    predicted = np.argmax(classifier.predict(images, batch_size=1000, verbose=0), axis=1)
    per_class = [float(np.mean(predicted[y_test == c] == c)) for c in range(10)]
    return {"test_accuracy": float(np.mean(predicted == y_test)), "per_class": per_class}


def fid_monitor(config: Config, n: int = 2000):
    """A function measuring a generator on ``n`` samples with the course classifier.

    It returns the classifier-feature FID and the class measure the quality targets use: the
    class recovery of a conditional generator, or the largest gap (percentage points) between
    the generated class histogram and uniform for an unconditional one. Used after every epoch,
    outside the timed training (``elapsed_s`` excludes it), so that the training record shows
    quality against wall time. None when no classifier is committed.
    """
    classifier_weights = weights_path("classifier", config.dataset)
    if not classifier_weights.exists():
        return None
    from gancourse import evaluate
    from gancourse.data import load_dataset
    from gancourse.metrics import frechet_distance_from_features

    classifier = evaluate.load_classifier(config.dataset)
    _, (x_test, _) = load_dataset(config.dataset)
    real, _ = evaluate.classify(classifier, scale_images(x_test[:n]))
    suffix = "2k" if n == 2000 else str(n)

    def measure(generator) -> dict:
        labels = np.arange(n) % 10 if config.model == "cdcgan" else None
        fake, predicted = evaluate.classify(
            classifier, evaluate.generate(generator, n, 12345, labels)
        )
        row = {f"fid_{suffix}": round(frechet_distance_from_features(fake, real), 3)}
        if labels is not None:
            row[f"class_recovery_{suffix}"] = round(float(np.mean(predicted == labels)), 4)
        else:
            histogram = evaluate.class_histogram(predicted)
            row[f"histogram_dev_pp_{suffix}"] = round(
                float(100 * np.max(np.abs(histogram - 0.1))), 2
            )
        return row

    return measure


def train(config: Config) -> dict:
    """Run (or resume) one training job; returns the record written next to the weights."""
    import keras
    import tensorflow as tf

    from gancourse.runtime import configure_tensorflow

    if config.model not in MODELS:
        raise ValueError(f"--model must be one of {MODELS}, got {config.model!r}")
    if config.dataset not in DATASETS:
        raise ValueError(f"--dataset must be one of {DATASETS}, got {config.dataset!r}")
    if config.pack != 1 and (config.model != "dcgan" or config.batch_size % config.pack):
        raise ValueError("--pack applies to --model dcgan, with a batch size divisible by it")
    if config.d_filters and config.model not in ("dcgan", "cdcgan"):
        raise ValueError("--d-filters applies to the discriminator of --model dcgan or cdcgan")
    if not 0 <= config.lr_decay_from < config.epochs:
        raise ValueError("--lr-decay-from must be 0 (off) or an epoch before --epochs")
    configure_tensorflow(config.seed)
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    precision = choose_precision(config.precision, on_gpu)
    jit = choose_jit(config.jit, on_gpu)
    keras.mixed_precision.set_global_policy(precision)

    checkpoint = Path(config.checkpoint_dir or default_checkpoint_dir(config.model, config.dataset))
    networks, optimizers = build_networks(config)
    state = load_checkpoint(checkpoint, networks, optimizers) or TrainingState()
    if state.epoch >= config.epochs:
        print(f"{checkpoint}: already trained for {state.epoch} epochs", file=sys.stderr)
    state.sessions += 1

    images, labels = training_arrays(config.dataset)
    steps_per_epoch = epoch_steps(config, len(images))
    base_rate = LEARNING_RATES[config.model]
    images_t, labels_t = tf.constant(images), tf.constant(labels)
    if config.model == "classifier":
        step_fn = _classifier_step(networks["classifier"], optimizers["classifier_optimizer"], jit)
    elif config.model == "wgan-gp":
        step_fn = make_wgan_gp_step(
            networks["generator"],
            networks["critic"],
            optimizers["generator_optimizer"],
            optimizers["critic_optimizer"],
            config.latent_dim,
            config.gp_weight,
            jit,
        )
    else:
        step_fn = make_gan_step(
            networks["generator"],
            networks["discriminator"],
            optimizers["generator_optimizer"],
            optimizers["discriminator_optimizer"],
            config.latent_dim,
            config.model == "cdcgan",
            jit,
            config.pack,
        )

    from tqdm.auto import tqdm

    monitor = None
    if config.model != "classifier" and config.fid_samples:
        monitor = fid_monitor(config, config.fid_samples)
    session_start = time.perf_counter()
    last_save = session_start
    elapsed_before = state.elapsed_s
    stopped_early = False

    monitor_s = [0.0]  # time spent measuring FID, excluded from the training time

    def elapsed() -> float:
        return elapsed_before + time.perf_counter() - session_start - monitor_s[0]

    def save():
        state.elapsed_s = elapsed()
        save_checkpoint(checkpoint, state, networks, optimizers)

    while state.epoch < config.epochs and not stopped_early:
        bar = tqdm(
            total=steps_per_epoch,
            initial=state.step,
            desc=f"{run_name(config.model, config.dataset)} epoch {state.epoch + 1}/{config.epochs}",
            disable=not config.progress,
            unit="step",
        )
        data = epoch_dataset(
            images_t, labels_t, config.batch_size, config.seed, state.epoch, skip=state.step
        ).take(steps_per_epoch - state.step)
        for batch_images, batch_labels in data:
            # Set at every step, not only when decaying: a checkpoint stores the rate it had.
            factor = learning_rate_factor(config, state.epoch, state.step, steps_per_epoch)
            for optimizer in optimizers.values():
                optimizer.learning_rate = base_rate * factor
            if config.model == "wgan-gp":
                update = tf.constant(state.step % config.n_critic == config.n_critic - 1)
                losses = step_fn(batch_images, update)
            else:
                losses = step_fn(batch_images, batch_labels)
            for key, value in losses.items():
                value = float(value)
                if np.isfinite(value):
                    total, count = state.running.get(key, (0.0, 0))
                    state.running[key] = (total + value, count + 1)
            state.step += 1
            bar.update(1)
            if state.step % 20 == 0:
                bar.set_postfix({k: f"{t / max(c, 1):.3f}" for k, (t, c) in state.running.items()})
            now = time.perf_counter()
            if config.max_minutes and now - session_start > 60 * config.max_minutes:
                stopped_early = True
                break
            if now - last_save > 60 * config.checkpoint_minutes:
                save()
                last_save = now
        bar.close()
        if state.step >= steps_per_epoch:
            row = {"epoch": state.epoch + 1, "elapsed_s": round(elapsed(), 1)}
            row.update({k: t / max(c, 1) for k, (t, c) in state.running.items()})
            if monitor is not None:
                started = time.perf_counter()
                row.update(monitor(networks["generator"]))
                monitor_s[0] += time.perf_counter() - started
            state.history.append(row)
            summary = ", ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
            print(
                f"{run_name(config.model, config.dataset)} epoch {row['epoch']}: {summary}",
                file=sys.stderr,
                flush=True,
            )
            state.epoch += 1
            state.step = 0
            state.running = {}
            if "generator" in networks:
                # One generator per epoch beside the checkpoint, so that the record's history
                # can be checked against the weights of any epoch, not only the last.
                snapshots = checkpoint.with_name(checkpoint.name + ".epochs")
                snapshots.mkdir(parents=True, exist_ok=True)
                networks["generator"].save_weights(
                    snapshots / f"generator-epoch-{state.epoch:03d}.weights.h5"
                )
        save()
        last_save = time.perf_counter()

    if stopped_early:
        print(
            f"Stopped after {config.max_minutes} min at epoch {state.epoch + 1}, step "
            f"{state.step}/{steps_per_epoch}; checkpoint in {checkpoint}. "
            "Run the same command again to resume.",
            file=sys.stderr,
        )
        return {"finished": False, "epoch": state.epoch, "step": state.step}

    weights_dir = Path(config.weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    name = run_name(config.model, config.dataset)
    keep = networks["classifier"] if config.model == "classifier" else networks["generator"]
    # Weights are stored in float32 whatever the training policy, so any machine can load them.
    keras.mixed_precision.set_global_policy("float32")
    final_networks, _ = build_networks(config)
    final = final_networks["classifier" if config.model == "classifier" else "generator"]
    final.set_weights(keep.get_weights())
    final.save_weights(weights_dir / f"{name}.weights.h5")
    record = training_run_record(
        config, precision, jit, state.epoch, steps_per_epoch, round(state.elapsed_s, 1),
        state.sessions, state.history, final,
    )  # fmt: skip
    if config.model == "classifier":
        record.update(classifier_accuracy(final, config.dataset))
    (weights_dir / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    return {"finished": True} | record


def epoch_steps(config: Config, n_images: int) -> int:
    """Steps in one epoch: whole batches of the training set, or ``--steps-per-epoch``."""
    steps = n_images // config.batch_size
    return min(steps, config.steps_per_epoch) if config.steps_per_epoch else steps


def training_run_record(
    config, precision, jit, epochs, steps_per_epoch, wall_time_s, sessions, history, network
) -> dict:
    """The JSON record written beside the weights of a run (see ``training_record``)."""
    return {
        "name": run_name(config.model, config.dataset),
        "command": "python -m gancourse.train " + shlex.join(_command_arguments(config)),
        "config": asdict(config) | {"weights_dir": os.path.relpath(config.weights_dir)},
        "precision": precision,
        "xla": jit,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "images_seen": epochs * steps_per_epoch * config.batch_size,
        "wall_time_s": wall_time_s,
        "sessions": sessions,
        "machine": machine_description(),
        "history": history,
        "parameters": int(network.count_params()),
    }


def publish_snapshot(config: Config, epoch: int) -> dict:
    """Publish the generator of an earlier epoch of a run, with the record the run had then.

    The trainer keeps every epoch's generator beside the checkpoint (``<name>.epochs/``). When
    a run was continued past the epoch whose per-epoch measures (``history``) were best, this
    writes that epoch's generator as the committed weights; the record is the one an
    ``--epochs EPOCH`` run would have written at that point (history, wall time and images seen
    up to it), and ``published_from`` says which longer run it was taken from.
    """
    import keras

    if config.model == "classifier":
        raise ValueError("--publish-epoch applies to GAN runs; a classifier keeps its last epoch")
    import tensorflow as tf

    checkpoint = Path(config.checkpoint_dir or default_checkpoint_dir(config.model, config.dataset))
    state_file = checkpoint / "state.json"
    if not state_file.exists():
        raise ValueError(f"no checkpoint at {checkpoint}: train the run first")
    state = json.loads(state_file.read_text())
    if not 1 <= epoch <= state["epoch"]:
        raise ValueError(f"--publish-epoch must be in 1..{state['epoch']} (epochs trained)")
    snapshot = checkpoint.with_name(checkpoint.name + ".epochs") / (
        f"generator-epoch-{epoch:03d}.weights.h5"
    )
    if not snapshot.exists():
        raise ValueError(f"no generator kept for epoch {epoch} at {snapshot}")
    history = state["history"][:epoch]
    reached = f"{state['epoch']} epochs" + (
        f" and {state['step']} steps of epoch {state['epoch'] + 1}" if state["step"] else ""
    )
    keras.mixed_precision.set_global_policy("float32")
    generator = build_networks(config)[0]["generator"]
    generator.load_weights(snapshot)
    weights_dir = Path(config.weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    name = run_name(config.model, config.dataset)
    generator.save_weights(weights_dir / f"{name}.weights.h5")
    steps_per_epoch = epoch_steps(config, len(training_arrays(config.dataset)[0]))
    on_gpu = bool(tf.config.list_physical_devices("GPU"))  # as train() decided on this machine
    record = training_run_record(
        Config(**(asdict(config) | {"epochs": epoch})),
        choose_precision(config.precision, on_gpu), choose_jit(config.jit, on_gpu), epoch,
        steps_per_epoch, history[-1]["elapsed_s"], state["sessions"], history, generator,
    )  # fmt: skip
    if epoch < state["epoch"] or state["step"]:
        record["published_from"] = (
            f"epoch {epoch} of a run continued to {reached}; chosen by its per-epoch "
            f"measures and published with --publish-epoch {epoch}"
        )
    (weights_dir / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    return {"finished": True} | record


def _command_arguments(config: Config) -> list[str]:
    args = ["--model", config.model, "--dataset", config.dataset, "--epochs", str(config.epochs)]
    defaults = Config(config.model, config.dataset, config.epochs)
    keys = (
        "batch_size", "seed", "latent_dim", "n_critic", "gp_weight", "pack", "d_filters",
        "precision", "jit",
    )  # fmt: skip
    for key in keys + ("steps_per_epoch", "fid_samples", "lr_decay_from"):
        if getattr(config, key) != getattr(defaults, key):
            args += ["--" + key.replace("_", "-"), str(getattr(config, key))]
    return args


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gancourse.train",
        description="Train a course model; rerun the same command to resume from its checkpoint.",
    )
    parser.add_argument("--model", required=True, choices=MODELS)
    parser.add_argument("--dataset", required=True, choices=DATASETS)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--n-critic", type=int, default=5, help="critic steps per generator step")
    parser.add_argument("--gp-weight", type=float, default=10.0)
    parser.add_argument(
        "--pack", type=int, default=1, help="dcgan: images per discriminator input (PacGAN)"
    )
    parser.add_argument(
        "--d-filters", type=int, default=0, help="discriminator's first-layer filters (0: default)"
    )
    parser.add_argument(
        "--precision", default="auto", choices=("auto", "float32", "mixed_bfloat16")
    )
    parser.add_argument("--jit", default="auto", choices=("auto", "on", "off"), help="XLA")
    parser.add_argument(
        "--weights-dir", default="", help="default: $GANCOURSE_WEIGHTS_DIR, else data/weights"
    )
    parser.add_argument("--checkpoint-dir", default="", help="default: ~/.cache/gancourse/...")
    parser.add_argument("--checkpoint-minutes", type=float, default=5.0)
    parser.add_argument("--max-minutes", type=float, default=0.0, help="0: no limit")
    parser.add_argument("--steps-per-epoch", type=int, default=0, help="0: whole epochs (default)")
    parser.add_argument(
        "--fid-samples", type=int, default=2000, help="FID after each epoch; 0: off"
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument(
        "--lr-decay-from",
        type=int,
        default=0,
        help="after this epoch the learning rates fall linearly to 0 at --epochs (0: constant)",
    )
    parser.add_argument(
        "--publish-epoch",
        type=int,
        default=0,
        help="do not train: publish the generator kept after this epoch of the run",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = vars(parse_args(argv))
    publish_epoch = args.pop("publish_epoch")
    config = Config(**args)
    result = publish_snapshot(config, publish_epoch) if publish_epoch else train(config)
    if result["finished"]:
        print(json.dumps({k: result[k] for k in ("name", "epochs", "wall_time_s", "command")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
