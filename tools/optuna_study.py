"""Run the committed hyperparameter study of Lab 7 and write it to data/studies/.

    python -m tools.optuna_study                      # data/studies/mlp-gan-mnist.{db,json}
    python -m tools.optuna_study --trials 4 --steps 200 --report-every 100 --fid-samples 500 \\
        --seed-repeats 1 --out /tmp/studies           # a quick check, written elsewhere

What it does, with :mod:`gancourse.hpsearch` (the functions the lab runs live):

1. an Optuna study that minimises the classifier-feature FID of a small fully connected GAN on
   MNIST after a fixed training budget, over both Adam learning rates (log scale) and Adam's
   beta_1; TPE sampler with a fixed seed, median pruner on the FID measured every
   ``--report-every`` steps. Every trial trains with the same seed (``--training-seed``), so
   trials differ only in their hyperparameters;
2. the noise check of Lucic et al. (2018): the best trial's and the median trial's
   hyperparameters (the median among completed trials) trained again with ``--seed-repeats``
   other training seeds, to compare the gap between them with the spread from seed to seed,
   and the best trial once more with its own seed, to check that a seeded run repeats itself
   (``best_reproduced_fid`` in the record).

It writes ``<name>.db`` (Optuna's SQLite storage; the lab copies it before opening it) and
``<name>.json`` (the command, the settings, the machine and library versions, wall and CPU
time, the best and median trials and the seed table). Both are written to a temporary folder
first and moved into place at the end, so an interrupted run leaves the committed study as it
was. TensorFlow runs on ``--threads`` CPU threads (1 by default, so that a shared machine stays
usable and the timings say what one core does).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPOSITORY / "data" / "studies"
NAME = "mlp-gan-mnist"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.optuna_study", description=__doc__)
    parser.add_argument("--name", default=NAME, help="study name and file stem")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for .db and .json",
    )
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--sampler-seed", type=int, default=0, help="seed of the TPE sampler")
    parser.add_argument("--training-seed", type=int, default=0, help="seed of every trial")
    parser.add_argument(
        "--seed-repeats",
        type=int,
        default=3,
        help="other training seeds for the noise check",
    )
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--report-every", type=int, default=600)
    parser.add_argument("--fid-samples", type=int, default=2000)
    parser.add_argument(
        "--startup-trials",
        type=int,
        default=5,
        help="median pruner: trials that complete before any pruning",
    )
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow CPU threads")
    args = parser.parse_args(argv)
    if args.trials < 3:
        parser.error("--trials must be at least 3 (a best and a median trial)")
    if args.seed_repeats < 1:
        parser.error("--seed-repeats must be at least 1")
    return args


def command(argv) -> str:
    return shlex.join(["python", "-m", "tools.optuna_study", *argv])


def median_trial(completed):
    """The completed trial whose FID is the median (the lower one of the middle two)."""
    ranked = sorted(completed, key=lambda trial: trial.value)
    return ranked[(len(ranked) - 1) // 2]


def _seconds(start_wall: float, start_cpu: float) -> dict:
    return {
        "wall_s": round(time.perf_counter() - start_wall, 1),
        "cpu_s": round(time.process_time() - start_cpu, 1),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    import optuna

    from gancourse import hpsearch
    from gancourse.runtime import machine_description

    budget = hpsearch.Budget(args.steps, args.batch_size, args.report_every, args.fid_samples)
    images = hpsearch.training_images()
    scorer = hpsearch.FIDScorer(args.fid_samples, seed=0)
    work = Path(tempfile.mkdtemp(prefix="gancourse-optuna-"))
    database = work / f"{args.name}.db"
    sampler = optuna.samplers.TPESampler(seed=args.sampler_seed)
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=args.startup_trials,
        n_warmup_steps=2 * args.report_every,
    )
    study = optuna.create_study(
        study_name=args.name,
        storage=f"sqlite:///{database}",
        direction="minimize",
        sampler=sampler,
        pruner=pruner,
    )
    study.set_user_attr("budget", vars(budget) | {"report_steps": budget.report_steps()})
    study.set_user_attr("training_seed", args.training_seed)
    study.set_user_attr("command", command(argv))

    start_wall, start_cpu = time.perf_counter(), time.process_time()
    study.optimize(
        functools.partial(
            hpsearch.objective,
            images=images,
            budget=budget,
            scorer=scorer,
            seed=args.training_seed,
        ),
        n_trials=args.trials,
        catch=(FloatingPointError,),
    )
    study_time = _seconds(start_wall, start_cpu)

    states = optuna.trial.TrialState
    completed = study.get_trials(deepcopy=False, states=(states.COMPLETE,))
    best, median = study.best_trial, median_trial(completed)
    seeds = [args.training_seed + k for k in range(1, args.seed_repeats + 1)]
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    repeats = {}
    for role, trial in (("best", best), ("median", median)):
        fids = {str(args.training_seed): trial.value}
        for seed in seeds:
            fid = hpsearch.train_gan(images, trial.params, budget, scorer, seed)
            fids[str(seed)] = fid
            print(
                f"{role} trial {trial.number}, training seed {seed}: FID {fid:.2f}",
                flush=True,
            )
        repeats[role] = {
            "trial": trial.number,
            "params": trial.params,
            "fid_by_seed": fids,
        }
    repeat_time = _seconds(start_wall, start_cpu)

    # The best trial once more with its own seed: one thread computes the same numbers again.
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    reproduced = hpsearch.train_gan(images, best.params, budget, scorer, args.training_seed)
    print(
        f"best trial {best.number} again with seed {args.training_seed}: FID {reproduced:.4f} "
        f"(in the study: {best.value:.4f})",
        flush=True,
    )
    repeat_time = _seconds(start_wall - repeat_time["wall_s"], start_cpu - repeat_time["cpu_s"])

    del study
    connection = sqlite3.connect(database)  # drop free pages: a smaller file to commit
    connection.execute("VACUUM")
    connection.close()

    def trial_summary(trial) -> dict:
        return {
            "number": trial.number,
            "value": trial.value,
            "params": trial.params,
        }

    all_trials = optuna.load_study(study_name=args.name, storage=f"sqlite:///{database}").trials
    record = {
        "name": args.name,
        "command": command(argv),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "storage": f"{args.name}.db",
        "objective": (
            "classifier-feature FID (course MNIST classifier, gancourse.hpsearch.FIDScorer) of "
            "the small fully connected GAN of gancourse.hpsearch after the budget; minimised"
        ),
        "search_space": {
            name: {"low": low, "high": high, "log": log}
            for name, (low, high, log) in hpsearch.SEARCH_SPACE.items()
        },
        "budget": vars(budget) | {"report_steps": budget.report_steps()},
        "training_seed": args.training_seed,
        "fid_seed": scorer.seed,
        "sampler": {"name": type(sampler).__name__, "seed": args.sampler_seed},
        "pruner": {
            "name": type(pruner).__name__,
            "n_startup_trials": args.startup_trials,
            "n_warmup_steps": 2 * args.report_every,
        },
        "trials": len(all_trials),
        "states": {
            state.name: sum(trial.state == state for trial in all_trials)
            for state in (states.COMPLETE, states.PRUNED, states.FAIL)
        },
        "best_trial": trial_summary(best),
        "median_trial": trial_summary(median),
        "seed_repeats": {"seeds": [args.training_seed, *seeds], **repeats},
        "best_reproduced_fid": reproduced,
        "study_time": study_time,
        "repeat_time": repeat_time,
        "threads": args.threads,
        "machine": machine_description()
        | {
            "optuna": optuna.__version__,
            "numpy": __import__("numpy").__version__,
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (work / f"{args.name}.json").write_text(json.dumps(record, indent=1) + "\n")
    for suffix in (".db", ".json"):
        shutil.move(work / f"{args.name}{suffix}", args.out / f"{args.name}{suffix}")
    shutil.rmtree(work, ignore_errors=True)
    size = (args.out / f"{args.name}.db").stat().st_size
    print(
        f"{len(all_trials)} trials in {study_time['wall_s']:.0f} s "
        f"({record['states']}); best FID {best.value:.2f} (trial {best.number}), median "
        f"{median.value:.2f} (trial {median.number}); seed repeats in "
        f"{repeat_time['wall_s']:.0f} s; wrote {args.out / args.name}.db ({size / 1024:.0f} KiB) "
        "and .json"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
