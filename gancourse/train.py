"""Train the course's reference models, with checkpoints, resume and a progress bar.

    python -m gancourse.train --model dcgan --dataset mnist --epochs 60 --d-minibatch-std 4 --grid-every 5
    python -m gancourse.train --model classifier --dataset fashion_mnist --epochs 3

Models (:data:`gancourse.weights.MODELS`): ``classifier`` (the evaluation classifier, Lab 6),
``dcgan`` (Labs 2 and 3), ``cdcgan`` (Lab 4, class-conditional) and ``wgan-gp`` (Lab 5); how
each trains is its :data:`RECIPES` entry. The finished weights go to
``data/weights/<model>-<dataset>.weights.h5`` (the generator only, for the GANs) next to a JSON
record of how they were trained: the command, epochs, steps, wall time, machine, library
versions, where each session started and on which CPU and in which precision it trained, and the
loss history, with the measures of :func:`gancourse.evaluate.epoch_measures`
after every epoch of a GAN. ``make weights`` runs the command of every committed record.

A recipe may keep an exponential moving average of the generator's weights (``--ema-decay``):
then the average is what is measured after each epoch and saved at the end, and the live
generator is measured beside it (``live_`` measures in the history). ``--grid-every N`` keeps a
grid of samples for fixed noise every N epochs and an animation of them (:mod:`gancourse.progress`).

Training state is saved to a checkpoint folder (:mod:`gancourse.checkpoints`) every
``--checkpoint-minutes`` and at the end of every epoch. Running the same command again resumes
where the last checkpoint left off, in the middle of an epoch if need be (the shuffling order of
each epoch is a function of the seed and the epoch number, so the remaining batches are the same
ones). ``--max-minutes`` stops cleanly after a time budget, so long runs can be split across
sessions. A larger ``--epochs`` continues a finished run; any other option that changes the
result must be what the checkpoint started with, or the command stops with exit status 2 before
loading anything (a record has one command, which must say how every epoch trained).

:class:`Config` is the one place the options and their defaults are written: the command line
(:func:`parse_args`) and the record's command (:func:`command`) are built from its fields.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import tensorflow as tf
from tqdm.auto import tqdm

from gancourse import models, paths, progress
from gancourse.checkpoints import (
    CheckpointMismatch,
    TrainingState,
    checkpoint_folder,
    load_checkpoint,
    save_checkpoint,
)
from gancourse.data import epoch_dataset, training_arrays
from gancourse.evaluate import EPOCH_REFERENCE, classifier_accuracy, epoch_measures
from gancourse.runtime import (
    choose_jit,
    choose_precision,
    configure_tensorflow,
    machine_description,
)
from gancourse.steps import (
    make_average_update,
    make_classifier_step,
    make_gan_step,
    make_wgan_gp_step,
)
from gancourse.weights import DATASETS, MODELS, model_info, record_path, run_name, weights_path


def _option(default=dataclasses.MISSING, help: str = "", command: bool = True, **argparse_extra):
    """A :class:`Config` field with its command-line help; ``command=False`` for the options that
    only manage a run (folders, time budget, progress bar) and stay out of the record's command."""
    metadata = {"help": help, "command": command, "argparse": argparse_extra}
    return field(default=default, metadata=metadata)


@dataclass
class Config:
    """One training job. The field order is the order of the options in the record's command."""

    model: str = _option(help="what to train", choices=tuple(MODELS))
    dataset: str = _option(help="the training set", choices=DATASETS)
    epochs: int = _option(help="epochs in all; a larger number continues a finished run")
    batch_size: int = _option(128)
    seed: int = _option(0, help="seeds the networks' initial weights, noise and data order")
    latent_dim: int = _option(models.LATENT_DIM, help="length of the generator's noise vector")
    g_lr: float | None = _option(
        None, help="Adam's rate for the generator (or the classifier); default: the model's recipe"
    )
    d_lr: float | None = _option(
        None, help="Adam's rate for the discriminator or critic; default: the model's recipe"
    )
    ema_decay: float | None = _option(
        None,
        help="decay of the moving average of the generator's weights that is saved and measured; "
        "0: none; default: the model's recipe",
    )
    d_filters: int = _option(
        0,
        help="dcgan, cdcgan: filters of the discriminator's first convolution (the second has "
        "twice as many); 0: the network's own, 32 (64 when conditional)",
    )
    d_minibatch_std: int = _option(
        0,
        help="dcgan: group size of a minibatch standard deviation channel in the discriminator "
        "(Karras et al., 2018); 0: none",
    )
    n_critic: int = _option(5, help="wgan-gp: critic steps per generator step")
    gp_weight: float = _option(10.0, help="wgan-gp: weight of the gradient penalty (lambda)")
    precision: str = _option("auto", choices=("auto", "float32", "mixed_bfloat16"))
    jit: str = _option("auto", help="XLA", choices=("auto", "on", "off"))
    weights_dir: str = _option(
        "", help="default: $GANCOURSE_WEIGHTS_DIR, else data/weights", command=False
    )
    checkpoint_dir: str = _option(
        "", help="default: <cache>/checkpoints/<model>-<dataset>", command=False
    )
    checkpoint_minutes: float = _option(5.0, help="minutes between checkpoints", command=False)
    max_minutes: float = _option(
        0.0, help="stop after this many minutes; 0: no limit", command=False
    )
    steps_per_epoch: int = _option(0, help="0: whole epochs; a small number for smoke tests")
    fid_samples: int = _option(2000, help="GANs: samples of the measures after each epoch; 0: off")
    grid_every: int = _option(
        0,
        help="every N epochs, a grid of samples for fixed noise into <weights-dir>/progress/<run>/ "
        "and the generator's weights beside the checkpoint; 0: none",
    )
    progress: bool = _option(True, help="turn the progress bar off", command=False)

    def __post_init__(self):
        model_info(self.model)  # a ValueError naming the models
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got {self.dataset!r}")
        if not self.weights_dir:
            self.weights_dir = str(paths.weights_dir())


# --------------------------------------------------------------------------------------------
# What each model trains with


@dataclass(frozen=True)
class Recipe:
    """How one model trains: its networks, its optimizers' settings and its step."""

    #: ``Config -> {name: network}``; the network :data:`gancourse.weights.MODELS` saves is one.
    networks: Callable[[Config], dict]
    #: Adam's rate for the generator (or the classifier) and for the discriminator (or critic):
    #: two time scales when they differ (Heusel et al., 2017).
    g_lr: float
    d_lr: float
    beta_1: float
    beta_2: float
    #: ``(config, networks, optimizers, jit) -> step``, where ``step(images, labels, index)``
    #: trains on one batch (``index``: the step's number within its epoch) and returns its losses.
    step: Callable
    #: Decay of the exponential moving average of the generator's weights (0: none); the average
    #: is what the trainer measures and saves (Yazıcı et al., 2019; book: Making GANs train).
    ema_decay: float = 0.0


def settings(config: Config) -> dict:
    """The learning rates and moving-average decay of ``config``: its own, else its recipe's."""
    recipe = RECIPES[config.model]
    chosen = {name: getattr(config, name) for name in ("g_lr", "d_lr", "ema_decay")}
    return {
        name: getattr(recipe, name) if value is None else value for name, value in chosen.items()
    }


def _classifier_networks(config: Config) -> dict:
    return {"classifier": models.build_classifier()}


def _gan_networks(config: Config) -> dict:
    num_classes = models.NUM_CLASSES if model_info(config.model).conditional else None
    generator = models.build_generator(config.latent_dim, num_classes)
    discriminator = models.build_discriminator(
        num_classes, filters=config.d_filters, minibatch_std=config.d_minibatch_std
    )
    return {"generator": generator, "discriminator": discriminator}


def _wgan_networks(config: Config) -> dict:
    generator = models.build_generator(config.latent_dim)
    return {"generator": generator, "critic": models.build_critic()}


def _classifier_step(config, networks, optimizers, jit):
    step = make_classifier_step(networks["classifier"], optimizers["classifier_optimizer"], jit)
    return lambda images, labels, index: step(images, labels)


def _gan_step(config, networks, optimizers, jit):
    step = make_gan_step(
        networks["generator"],
        networks["discriminator"],
        optimizers["generator_optimizer"],
        optimizers["discriminator_optimizer"],
        config.latent_dim,
        model_info(config.model).conditional,
        jit,
    )
    return lambda images, labels, index: step(images, labels)


def _wgan_gp_step(config, networks, optimizers, jit):
    step = make_wgan_gp_step(
        networks["generator"],
        networks["critic"],
        optimizers["generator_optimizer"],
        optimizers["critic_optimizer"],
        config.latent_dim,
        config.gp_weight,
        jit,
    )
    # The generator trains after every n_critic-th critic step.
    last = config.n_critic - 1
    return lambda images, labels, index: step(images, tf.constant(index % config.n_critic == last))


#: Adam's settings: Keras's defaults for the classifier; Radford et al. (2016), section 4, for
#: the DCGANs; for the WGAN-GP, Gulrajani et al. (2017): rate 1e-4 and beta_2 = 0.9 as in their
#: Algorithm 1, beta_1 = 0.5 as in their MNIST code (gan_mnist.py; Algorithm 1 has beta_1 = 0).
RECIPES = {
    "classifier": Recipe(_classifier_networks, 1e-3, 1e-3, 0.9, 0.999, _classifier_step),
    "dcgan": Recipe(_gan_networks, 4e-4, 4e-4, 0.5, 0.999, _gan_step, ema_decay=0.999),
    "cdcgan": Recipe(_gan_networks, 2e-4, 2e-4, 0.5, 0.999, _gan_step, ema_decay=0.999),
    "wgan-gp": Recipe(_wgan_networks, 1e-4, 1e-4, 0.5, 0.9, _wgan_gp_step),
}

#: The network whose moving average is kept, when the recipe keeps one, and the average's name.
AVERAGED, AVERAGE = "generator", "ema_generator"


def build_networks(config: Config) -> tuple[dict, dict]:
    """Networks and their optimizers (``<network>_optimizer``), built so checkpoints restore them,
    plus the moving average of the generator (``ema_generator``, no optimizer) when kept."""
    recipe, chosen = RECIPES[config.model], settings(config)
    networks = recipe.networks(config)
    optimizers = {}
    for name, network in networks.items():
        rate = chosen["g_lr"] if name in (AVERAGED, "classifier") else chosen["d_lr"]
        optimizer = keras.optimizers.Adam(rate, beta_1=recipe.beta_1, beta_2=recipe.beta_2)
        optimizer.build(network.trainable_variables)
        optimizers[f"{name}_optimizer"] = optimizer
    if chosen["ema_decay"] and AVERAGED in networks:
        average = keras.models.clone_model(networks[AVERAGED])
        average.set_weights(networks[AVERAGED].get_weights())
        networks[AVERAGE] = average
    return networks, optimizers


def average_update(config: Config, networks: dict, optimizers: dict):
    """The function that moves the generator's average after each step; None when none is kept."""
    if AVERAGE not in networks:
        return None
    return make_average_update(
        networks[AVERAGED],
        networks[AVERAGE],
        settings(config)["ema_decay"],
        optimizers[f"{AVERAGED}_optimizer"].iterations,
    )


def saved_network(config: Config, networks: dict):
    """The network whose weights the run saves: the generator's average when one is kept."""
    return networks[AVERAGE] if AVERAGE in networks else networks[model_info(config.model).saved]


# --------------------------------------------------------------------------------------------
# The trainer


class _Session:
    """One run of the command: its clock (training time only) and its checkpoints."""

    def __init__(self, config: Config, folder: Path, state: TrainingState, networks, optimizers):
        self.config, self.folder, self.state = config, folder, state
        self.networks, self.optimizers = networks, optimizers
        self.started = self.last_save = time.perf_counter()
        self.before = state.elapsed_s  # training time of the earlier sessions
        self.not_training_s = 0.0  # time spent measuring, excluded from the training time
        self.average = average_update(config, networks, optimizers)

    def elapsed(self) -> float:
        return self.before + time.perf_counter() - self.started - self.not_training_s

    @contextlib.contextmanager
    def not_training(self):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.not_training_s += time.perf_counter() - started

    def out_of_time(self) -> bool:
        budget = 60 * self.config.max_minutes
        return bool(budget) and time.perf_counter() - self.started > budget

    def save(self) -> None:
        self.state.elapsed_s = self.elapsed()
        save_checkpoint(self.folder, self.state, self.networks, self.optimizers)
        self.last_save = time.perf_counter()

    def save_if_due(self) -> None:
        if time.perf_counter() - self.last_save > 60 * self.config.checkpoint_minutes:
            self.save()


def _means(running: dict) -> dict:
    """The mean of each loss over the steps of the epoch so far."""
    return {name: total / max(count, 1) for name, (total, count) in running.items()}


def _run_epoch(session: _Session, step, data, steps_per_epoch: int) -> bool:
    """Train on the rest of the current epoch; True if the time budget stopped it first."""
    config, state = session.config, session.state
    name = run_name(config.model, config.dataset)
    bar = tqdm(
        total=steps_per_epoch,
        initial=state.step,
        desc=f"{name} epoch {state.epoch + 1}/{config.epochs}",
        disable=not config.progress,
        unit="step",
    )
    batches = epoch_dataset(*data, config.batch_size, config.seed, state.epoch, skip=state.step)
    try:
        for images, labels in batches.take(steps_per_epoch - state.step):
            losses = step(images, labels, state.step)
            if session.average is not None:
                session.average()
            for key, value in losses.items():
                value = float(value)
                if math.isfinite(value):  # NaN: the WGAN-GP's generator loss on critic-only steps
                    total, count = state.running.get(key, (0.0, 0))
                    state.running[key] = (total + value, count + 1)
            state.step += 1
            bar.update(1)
            if state.step % 20 == 0:
                bar.set_postfix({k: f"{v:.3f}" for k, v in _means(state.running).items()})
            if session.out_of_time():
                return True
            session.save_if_due()
    finally:
        bar.close()
    return False


def _finish_epoch(session: _Session, measure) -> None:
    """Record the epoch's mean losses (and measures) in the history and start the next epoch."""
    config, state = session.config, session.state
    row = {"epoch": state.epoch + 1, "elapsed_s": round(session.elapsed(), 1)}
    row.update(_means(state.running))
    networks = session.networks
    if measure is not None:
        with session.not_training():
            row.update(measure(saved_network(config, networks)))
            if AVERAGE in networks:  # the live generator too, to show what the average buys
                row.update({f"live_{k}": v for k, v in measure(networks[AVERAGED]).items()})
    if config.grid_every and (state.epoch + 1) % config.grid_every == 0:
        with session.not_training():
            progress.save_snapshot(
                config, state.epoch + 1, saved_network(config, networks), session.folder
            )
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


def _save_final(config: Config, networks: dict, state: TrainingState, run: dict) -> dict:
    """Write the saved network's weights and the run's record; return the record."""
    saved = model_info(config.model).saved
    # Weights are stored in float32 whatever the training policy, so any machine can load them.
    keras.mixed_precision.set_global_policy("float32")
    final = RECIPES[config.model].networks(config)[saved]
    final.set_weights(saved_network(config, networks).get_weights())
    path = weights_path(config.model, config.dataset, config.weights_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    final.save_weights(path)
    record = training_run_record(config, state, run, final)
    if not model_info(config.model).is_gan:
        record.update(classifier_accuracy(final, config.dataset))
    record_path(config.model, config.dataset, config.weights_dir).write_text(
        json.dumps(record, indent=1) + "\n"
    )
    return record


def train(config: Config) -> dict:
    """Run (or resume) one training job; returns the record written next to the weights."""
    configure_tensorflow(config.seed)
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    precision, jit = choose_precision(config.precision, on_gpu), choose_jit(config.jit, on_gpu)
    keras.mixed_precision.set_global_policy(precision)

    folder = checkpoint_folder(config.model, config.dataset, config.checkpoint_dir)
    networks, optimizers = build_networks(config)
    options = resumable_options(config)
    state = load_checkpoint(folder, networks, optimizers, options) or TrainingState()
    state.options = options
    if state.epoch >= config.epochs:
        print(f"{folder}: already trained for {state.epoch} epochs", file=sys.stderr)
    state.sessions += 1
    hardware = machine_description()
    state.session_log.append(
        {
            "from_epoch": state.epoch,
            "from_step": state.step,
            "cpu": hardware["cpu"],
            "gpus": hardware["gpus"],
            "precision": precision,
            "xla": jit,
        }
    )

    images, labels = training_arrays(config.dataset)
    steps_per_epoch = epoch_steps(config, len(images))
    step = RECIPES[config.model].step(config, networks, optimizers, jit)
    measure = None
    if model_info(config.model).is_gan and config.fid_samples:
        measure = epoch_measures(config.model, config.dataset, config.fid_samples)
    session = _Session(config, folder, state, networks, optimizers)
    data = (tf.constant(images), tf.constant(labels))

    stopped = False
    while state.epoch < config.epochs and not stopped:
        stopped = _run_epoch(session, step, data, steps_per_epoch)
        if state.step >= steps_per_epoch:
            _finish_epoch(session, measure)
        session.save()
    if stopped:
        print(
            f"Stopped after {config.max_minutes} min at epoch {state.epoch + 1}, step "
            f"{state.step}/{steps_per_epoch}; checkpoint in {folder}. "
            "Run the same command again to resume.",
            file=sys.stderr,
        )
        return {"finished": False, "epoch": state.epoch, "step": state.step}
    run = {
        "precision": precision,
        "xla": jit,
        "steps_per_epoch": steps_per_epoch,
        "machine": hardware,
    }
    if config.grid_every:
        run["progress"] = progress.save_animation(config)
    return {"finished": True} | _save_final(config, networks, state, run)


def epoch_steps(config: Config, n_images: int) -> int:
    """Steps in one epoch: whole batches of the training set, or ``--steps-per-epoch``."""
    steps = n_images // config.batch_size
    return min(steps, config.steps_per_epoch) if config.steps_per_epoch else steps


def training_run_record(config: Config, state: TrainingState, run: dict, network) -> dict:
    """The JSON record written beside the weights of a run (:func:`gancourse.weights.training_record`)."""
    record = {
        "name": run_name(config.model, config.dataset),
        "command": command(config),
        "config": command_options(config),
        # The rates and the average's decay that trained it, the recipe's where not given.
        "settings": settings(config),
        "precision": run["precision"],
        "xla": run["xla"],
        "epochs": state.epoch,
        "steps_per_epoch": run["steps_per_epoch"],
        "images_seen": state.epoch * run["steps_per_epoch"] * config.batch_size,
        "wall_time_s": round(state.elapsed_s, 1),
        "sessions": state.sessions,
        "session_log": state.session_log,
        "machine": run["machine"],  # this session's, described once at its start
        "history": state.history,
        "parameters": int(network.count_params()),
    }
    if model_info(config.model).is_gan:  # the real images of the history's FIDs
        record["fid_reference"] = EPOCH_REFERENCE
    if "progress" in run:
        record["progress"] = run["progress"]
    return record


# --------------------------------------------------------------------------------------------
# The command line, from Config


PROGRAM = "python -m gancourse.train"


def _flag(option: dataclasses.Field) -> str:
    return "--" + option.name.replace("_", "-")


def _command_fields() -> list[dataclasses.Field]:
    """The options that change the result; the folders, time budget and progress bar do not."""
    return [option for option in dataclasses.fields(Config) if option.metadata["command"]]


def command_options(config: Config) -> dict:
    """Every option of ``config`` that a command sets, defaults included: a record's ``config``."""
    return {option.name: getattr(config, option.name) for option in _command_fields()}


def resumable_options(config: Config) -> dict:
    """The options a checkpoint must have been trained with to resume under ``config``: all of
    the command's but ``--epochs``, which a later command may raise to train on."""
    return {name: value for name, value in command_options(config).items() if name != "epochs"}


def command(config: Config, leave_out: tuple[str, ...] = ()) -> str:
    """The command that trains ``config``: the required options, then those that differ from
    their defaults and change the result; none named in ``leave_out`` (a run that ends on
    something other than ``--epochs`` leaves that out)."""
    arguments = []
    for option in _command_fields():
        value = getattr(config, option.name)
        if option.name in leave_out:
            continue
        if option.default is dataclasses.MISSING or value != option.default:
            arguments += [_flag(option), str(value)]
    return f"{PROGRAM} {shlex.join(arguments)}"


def config_from_command(command_line: str, **changes) -> Config:
    """The :class:`Config` a record's ``command`` trains (the inverse of :func:`command`), with
    the fields in ``changes`` replaced."""
    program, words = shlex.split(PROGRAM), shlex.split(command_line)
    if words[: len(program)] != program:
        raise ValueError(f"not a {PROGRAM} command: {command_line!r}")
    return dataclasses.replace(Config(**vars(parse_args(words[len(program) :]))), **changes)


_TYPES = {"int": int, "float": float, "str": str, "float | None": float}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Train a course model; rerun the same command to resume from its checkpoint.",
    )
    for option in dataclasses.fields(Config):
        help_text = option.metadata["help"] or None
        if option.type == "bool":  # a switch that is on by default: --no-<name> turns it off
            parser.add_argument(
                "--no-" + option.name, dest=option.name, action="store_false", help=help_text
            )
            continue
        extra = dict(option.metadata["argparse"])
        if option.default is dataclasses.MISSING:
            extra["required"] = True
        else:
            extra["default"] = option.default
            if option.default != "":
                help_text = "; ".join(filter(None, [help_text, f"default {option.default}"]))
        parser.add_argument(_flag(option), type=_TYPES[option.type], help=help_text, **extra)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    try:
        result = train(Config(**vars(parse_args(argv))))
    except CheckpointMismatch as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 2
    if result["finished"]:
        print(json.dumps({k: result[k] for k in ("name", "epochs", "wall_time_s", "command")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
