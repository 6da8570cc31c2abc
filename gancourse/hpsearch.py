"""A hyperparameter search for a small GAN with Optuna: the objective of Lab 7.

Lab 7 runs a tiny search with these functions and explains each piece (book: Lab 7, Searching
hyperparameters with Optuna, 'The objective: train, measure, report, prune');
``tools/optuna_study.py`` runs the committed study under ``data/studies/`` with the same ones.
The pieces:

- :func:`build_generator` and :func:`build_discriminator`: a fully connected GAN for MNIST in
  the spirit of Goodfellow et al. (2014), small enough to train in seconds on one CPU core;
- :class:`Budget`: the fixed training budget of every trial (steps, batch size, how often the
  FID is measured and on how many samples);
- :class:`FIDScorer`: the classifier-feature FID of Lab 6 against a fixed set of real test
  images, with the same noise for every generator;
- :func:`train_gan`: trains one GAN with given learning rates and Adam's beta_1, measuring the
  FID every ``report_every`` steps, and returns the last FID;
- :func:`objective`: what Optuna minimises; it draws the hyperparameters from
  :data:`SEARCH_SPACE`, reports every intermediate FID to the trial and stops early when the
  study's pruner says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import keras
import numpy as np
import optuna
import tensorflow as tf

from gancourse import evaluate
from gancourse.data import load_dataset, scale_images
from gancourse.metrics import frechet_distance_from_features

__all__ = [
    "LATENT_DIM",
    "SEARCH_SPACE",
    "Budget",
    "FIDScorer",
    "build_discriminator",
    "build_generator",
    "objective",
    "suggest_hyperparameters",
    "train_gan",
    "training_images",
]

LATENT_DIM = 100
LEAK = 0.2  # LeakyReLU slope in both networks
#: What the search tunes: (low, high, log scale). Both learning rates span three decades around
#: DCGAN's 2e-4; one beta_1 serves both Adam optimizers.
SEARCH_SPACE = {
    "generator_learning_rate": (1e-5, 1e-2, True),
    "discriminator_learning_rate": (1e-5, 1e-2, True),
    "beta_1": (0.0, 0.9, False),
}


@dataclass(frozen=True)
class Budget:
    """The training budget of one trial: ``steps`` updates of ``batch_size`` images, the FID of
    ``fid_samples`` generated images measured every ``report_every`` steps (and at the end)."""

    steps: int = 2400
    batch_size: int = 64
    report_every: int = 600
    fid_samples: int = 2000

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Budget.{name} must be a positive int, got {value!r}")
        if self.report_every > self.steps:
            raise ValueError(
                f"Budget.report_every ({self.report_every}) must be at most steps ({self.steps})"
            )
        if self.fid_samples < 2:
            raise ValueError(f"Budget.fid_samples must be at least 2, got {self.fid_samples}")

    def report_steps(self) -> list[int]:
        """The steps after which the FID is measured; the last is always ``steps``."""
        marks = list(range(self.report_every, self.steps + 1, self.report_every))
        return marks if marks[-1] == self.steps else [*marks, self.steps]


def build_generator(latent_dim: int = LATENT_DIM) -> keras.Model:
    """Noise to a 28x28x1 image in [-1, 1] through two hidden layers of 128 and 256 units."""
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="noise"),
            keras.layers.Dense(128),
            keras.layers.LeakyReLU(negative_slope=LEAK),
            keras.layers.Dense(256),
            keras.layers.LeakyReLU(negative_slope=LEAK),
            keras.layers.Dense(28 * 28, activation="tanh"),
            keras.layers.Reshape((28, 28, 1)),
        ],
        name="mlp_generator",
    )


def build_discriminator() -> keras.Model:
    """A 28x28x1 image to one logit through two hidden layers of 256 and 128 units."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            keras.layers.Flatten(),
            keras.layers.Dense(256),
            keras.layers.LeakyReLU(negative_slope=LEAK),
            keras.layers.Dense(128),
            keras.layers.LeakyReLU(negative_slope=LEAK),
            keras.layers.Dense(1),
        ],
        name="mlp_discriminator",
    )


def training_images() -> np.ndarray:
    """The MNIST training images as float32 (60000, 28, 28, 1) in [-1, 1]."""
    (x_train, _), _ = load_dataset("mnist")
    return scale_images(x_train)


class FIDScorer:
    """Classifier-feature FID (Lab 6) of ``samples`` generated images against as many real MNIST
    test images, drawn once with ``seed``; every generator gets the same noise (``seed + 1``), so
    two scores differ only through the generators."""

    def __init__(self, samples: int, seed: int = 0, classifier=None):
        if not isinstance(samples, int) or not 2 <= samples <= 10_000:
            raise ValueError(f"samples must be an int from 2 to 10000, got {samples!r}")
        self.samples, self.seed = samples, seed
        self.classifier = evaluate.load_classifier("mnist") if classifier is None else classifier
        _, (x_test, _) = load_dataset("mnist")
        chosen = np.random.default_rng(seed).permutation(len(x_test))[:samples]
        self.real_features, _ = evaluate.classify(self.classifier, scale_images(x_test[chosen]))

    def __call__(self, generator: keras.Model) -> float:
        images = evaluate.generate(generator, self.samples, seed=self.seed + 1)
        if not np.all(np.isfinite(images)):
            raise FloatingPointError("the generator's images are not finite: training diverged")
        features, _ = evaluate.classify(self.classifier, images)
        return frechet_distance_from_features(features, self.real_features)


def _train_step(generator, discriminator, generator_optimizer, discriminator_optimizer):
    """One simultaneous update of both networks with the non-saturating loss, the step of
    (book: Lab 2, DCGAN on MNIST, 'The training step')."""
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def train_step(real_images, noise):
        with (
            tf.GradientTape() as generator_tape,
            tf.GradientTape() as discriminator_tape,
        ):
            fake_images = generator(noise, training=True)
            real_logits = discriminator(real_images, training=True)
            fake_logits = discriminator(fake_images, training=True)
            discriminator_loss = cross_entropy(
                tf.ones_like(real_logits), real_logits
            ) + cross_entropy(tf.zeros_like(fake_logits), fake_logits)
            generator_loss = cross_entropy(tf.ones_like(fake_logits), fake_logits)
        generator_optimizer.apply_gradients(
            zip(
                generator_tape.gradient(generator_loss, generator.trainable_variables),
                generator.trainable_variables,
                strict=True,
            )
        )
        discriminator_optimizer.apply_gradients(
            zip(
                discriminator_tape.gradient(discriminator_loss, discriminator.trainable_variables),
                discriminator.trainable_variables,
                strict=True,
            )
        )
        return discriminator_loss, generator_loss

    return train_step


def train_gan(
    images: np.ndarray,
    hyperparameters: dict,
    budget: Budget,
    scorer: Callable[[keras.Model], float],
    seed: int = 0,
    report: Callable[[int, float], None] | None = None,
) -> float:
    """Train a fresh GAN for ``budget.steps`` steps and return the FID of its last generator.

    ``hyperparameters`` holds the keys of :data:`SEARCH_SPACE`. ``seed`` fixes the initial
    weights, the order of the batches and the training noise. After each of
    ``budget.report_steps()``, ``report(step, fid)`` is called (it may raise to stop training).
    Raises :class:`FloatingPointError` when the losses or the images stop being finite.
    """
    missing = set(SEARCH_SPACE) - set(hyperparameters)
    if missing:
        raise ValueError(f"hyperparameters lacks {sorted(missing)}; got {sorted(hyperparameters)}")
    keras.utils.set_random_seed(seed)
    generator, discriminator = build_generator(), build_discriminator()
    beta_1 = hyperparameters["beta_1"]
    train_step = _train_step(
        generator,
        discriminator,
        keras.optimizers.Adam(hyperparameters["generator_learning_rate"], beta_1=beta_1),
        keras.optimizers.Adam(hyperparameters["discriminator_learning_rate"], beta_1=beta_1),
    )
    rng = np.random.default_rng(seed)
    marks = set(budget.report_steps())
    fid = float("nan")
    for step in range(1, budget.steps + 1):
        batch = images[rng.integers(0, len(images), budget.batch_size)]
        noise = rng.standard_normal((budget.batch_size, LATENT_DIM)).astype(np.float32)
        losses = train_step(batch, noise)
        if step in marks:
            if not all(np.isfinite(float(loss)) for loss in losses):
                raise FloatingPointError(f"the losses are not finite at step {step}")
            fid = scorer(generator)
            if report is not None:
                report(step, fid)
    return fid


def suggest_hyperparameters(trial: optuna.Trial) -> dict:
    """Draw the hyperparameters of :data:`SEARCH_SPACE` for one trial."""
    return {
        name: trial.suggest_float(name, low, high, log=log)
        for name, (low, high, log) in SEARCH_SPACE.items()
    }


def objective(
    trial: optuna.Trial,
    images: np.ndarray,
    budget: Budget,
    scorer: Callable[[keras.Model], float],
    seed: int = 0,
) -> float:
    """The FID after ``budget`` for the trial's hyperparameters.

    Every intermediate FID is reported to the trial, and the study's pruner may stop the trial
    at any report but the last (a trial that trained to the end keeps its value).
    """
    hyperparameters = suggest_hyperparameters(trial)

    def report(step: int, fid: float) -> None:
        trial.report(fid, step)
        if step < budget.steps and trial.should_prune():
            raise optuna.TrialPruned(f"FID {fid:.1f} after {step} steps")

    return train_gan(images, hyperparameters, budget, scorer, seed, report)
