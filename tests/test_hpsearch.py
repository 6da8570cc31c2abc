"""Lab 7's hyperparameter search: the committed study agrees with its record, and the objective
of gancourse.hpsearch trains, reports, prunes and refuses bad budgets on a tiny budget."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import optuna
import pytest

from gancourse import hpsearch

REPOSITORY = Path(__file__).resolve().parent.parent
STUDIES = REPOSITORY / "data" / "studies"
NAME = "mlp-gan-mnist"
TINY = hpsearch.Budget(steps=4, batch_size=8, report_every=2, fid_samples=50)

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads((STUDIES / f"{NAME}.json").read_text())


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> optuna.Study:
    """The committed study, opened from a copy (Optuna may write to the file it opens)."""
    copy = tmp_path_factory.mktemp("study") / f"{NAME}.db"
    shutil.copyfile(STUDIES / f"{NAME}.db", copy)
    return optuna.load_study(study_name=NAME, storage=f"sqlite:///{copy}")


def test_committed_study_is_small_and_named_in_its_record(record):
    database = STUDIES / record["storage"]
    assert database.name == f"{NAME}.db" and database.is_file()
    assert database.stat().st_size < 500 * 1024, "the committed study should stay small"
    assert record["command"].startswith("python -m tools.optuna_study")
    for key in ("study_time", "repeat_time", "machine", "sampler", "pruner", "budget"):
        assert record[key], f"the record lacks {key}"


def test_committed_study_agrees_with_its_record(study, record):
    trials = study.trials
    assert len(trials) == record["trials"]
    assert {
        state: sum(trial.state.name == state for trial in trials) for state in record["states"]
    } == record["states"]
    assert study.best_trial.number == record["best_trial"]["number"]
    assert study.best_value == record["best_trial"]["value"]
    assert study.best_trial.params == record["best_trial"]["params"]
    completed = [trial for trial in trials if trial.state.name == "COMPLETE"]
    assert study.best_value == min(trial.value for trial in completed)
    median = sorted(completed, key=lambda trial: trial.value)[(len(completed) - 1) // 2]
    assert median.number == record["median_trial"]["number"]
    assert median.value == record["median_trial"]["value"]
    assert study.user_attrs["budget"] == record["budget"]
    assert study.user_attrs["command"] == record["command"]


def test_seed_table_starts_with_the_trials_own_values(study, record):
    repeats = record["seed_repeats"]
    first = str(repeats["seeds"][0])
    assert repeats["seeds"][0] == record["training_seed"]
    for role in ("best", "median"):
        trial = study.trials[repeats[role]["trial"]]
        assert repeats[role]["params"] == trial.params
        assert repeats[role]["fid_by_seed"][first] == trial.value
        assert list(repeats[role]["fid_by_seed"]) == [str(seed) for seed in repeats["seeds"]]


@pytest.fixture(scope="module")
def tiny_setup():
    images = hpsearch.training_images()[:256]
    return images, hpsearch.FIDScorer(TINY.fid_samples)


def _one_trial(tiny_setup, budget, pruner) -> optuna.trial.FrozenTrial:
    images, scorer = tiny_setup
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0), pruner=pruner)
    study.optimize(
        lambda trial: hpsearch.objective(trial, images, budget, scorer, seed=0), n_trials=1
    )
    return study.trials[0]


def test_objective_trains_and_reports_every_fid(tiny_setup):
    trial = _one_trial(tiny_setup, TINY, optuna.pruners.NopPruner())
    assert trial.state.name == "COMPLETE"
    assert set(trial.params) == set(hpsearch.SEARCH_SPACE)
    assert sorted(trial.intermediate_values) == TINY.report_steps() == [2, 4]
    assert trial.value == trial.intermediate_values[4]
    assert np.isfinite(trial.value) and trial.value > 0


def test_pruner_stops_a_trial_but_never_at_its_last_report(tiny_setup):
    # Every FID is above 0, so this pruner wants to stop every trial at every report.
    always = optuna.pruners.ThresholdPruner(upper=0.0)
    pruned = _one_trial(tiny_setup, TINY, always)
    assert pruned.state.name == "PRUNED"
    assert sorted(pruned.intermediate_values) == [2]
    single_report = hpsearch.Budget(steps=2, batch_size=8, report_every=2, fid_samples=50)
    assert _one_trial(tiny_setup, single_report, always).state.name == "COMPLETE"


def test_train_gan_names_missing_hyperparameters(tiny_setup):
    images, scorer = tiny_setup
    with pytest.raises(ValueError, match="beta_1"):
        hpsearch.train_gan(images, {"generator_learning_rate": 1e-3}, TINY, scorer)


@pytest.mark.parametrize(
    "fields",
    [
        {"steps": 0},
        {"steps": 2, "report_every": 3},
        {"batch_size": True},
        {"fid_samples": 1},
    ],
)
def test_budget_refuses_impossible_settings(fields):
    with pytest.raises(ValueError, match="Budget"):
        hpsearch.Budget(**fields)


def test_report_steps_end_at_the_last_step():
    assert hpsearch.Budget(steps=10, report_every=4).report_steps() == [4, 8, 10]
    assert hpsearch.Budget().report_steps()[-1] == hpsearch.Budget().steps
