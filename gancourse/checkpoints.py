"""The trainer's checkpoints: the whole training state in one folder, written atomically.

A checkpoint holds every network's weights (``<name>.weights.h5``), every optimizer's variables
(``<name>.npz``: iteration, learning rate, moments) and ``state.json`` (:class:`TrainingState`:
epochs and steps done, training time, sessions, loss history, and the options of the command that
trains it). The trainer
(:mod:`gancourse.train`) saves one every ``--checkpoint-minutes`` and after every epoch, and
resumes from it when the same command runs again. The default folder is
``<cache>/checkpoints/<run name>`` (:func:`gancourse.paths.cache_dir`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from gancourse import paths
from gancourse.weights import run_name


@dataclass
class TrainingState:
    epoch: int = 0  # completed epochs
    step: int = 0  # completed steps in the current epoch
    elapsed_s: float = 0.0  # training wall time over all sessions
    sessions: int = 0
    history: list[dict] = field(default_factory=list)  # one row of mean losses per epoch
    running: dict = field(default_factory=dict)  # loss sums within the current epoch
    # The command's options but its epochs: a run resumes only under the options it started with,
    # so that the record's one command says how every epoch trained. Empty in older checkpoints.
    options: dict = field(default_factory=dict)
    # Every session's start (epoch, step), CPU, GPUs, precision and XLA: a run resumed on
    # another machine trains there in that machine's precision. Empty in older checkpoints.
    session_log: list[dict] = field(default_factory=list)


class CheckpointMismatch(ValueError):
    """The checkpoint was written by a command with other options than the one resuming it."""


def checkpoint_folder(model: str, dataset: str, folder: Path | str = "") -> Path:
    """``folder`` when given, else the run's folder in the cache."""
    if folder:
        return Path(folder)
    return paths.cache_dir() / "checkpoints" / run_name(model, dataset)


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


def load_checkpoint(
    folder: Path, networks: dict, optimizers: dict, options: dict | None = None
) -> TrainingState | None:
    """Restore ``networks`` and ``optimizers`` from ``folder``; None when it holds no checkpoint.

    With ``options``, raise :class:`CheckpointMismatch` before restoring anything if the
    checkpoint records other options (a checkpoint that records none is not checked).
    """
    if not (folder / "state.json").exists():
        return None
    state = TrainingState(**json.loads((folder / "state.json").read_text()))
    if options is not None and state.options and state.options != options:
        changed = ", ".join(
            f"{name} {state.options.get(name)!r} -> {options.get(name)!r}"
            for name in sorted(set(state.options) | set(options))
            if state.options.get(name) != options.get(name)
        )
        raise CheckpointMismatch(
            f"the checkpoint in {folder} was trained with other options ({changed}); resume it "
            "with the options it started with, or give this command its own --checkpoint-dir"
        )
    for name, network in networks.items():
        network.load_weights(folder / f"{name}.weights.h5")
    for name, optimizer in optimizers.items():
        with np.load(folder / f"{name}.npz") as stored:
            arrays = [stored[f"arr_{i}"] for i in range(len(stored.files))]
        if len(arrays) != len(optimizer.variables):
            raise RuntimeError(f"checkpoint {folder} does not match the optimizer {name}")
        for variable, value in zip(optimizer.variables, arrays, strict=True):
            variable.assign(value)
    return state
