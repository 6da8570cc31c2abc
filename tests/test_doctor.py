"""`python -m gancourse doctor` and the one rule that finds the data and the weights."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest

from gancourse import doctor, paths


def _doctor(cwd, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    environment.update(env, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "gancourse", "doctor"],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_doctor_passes_in_the_development_environment(tmp_path):
    done = _doctor(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("Python", "TensorFlow", "GPU", "dataset mnist", "dataset fashion_mnist"):
        assert re.search(rf"^ok +{name}: ", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^ok +weights: ", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^ok +nbgrader: ", done.stdout, re.MULTILINE), done.stdout
    assert "all checks passed" in done.stdout


def test_doctor_fails_and_says_what_to_set_when_the_data_folder_is_empty(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _doctor(tmp_path, GANCOURSE_DATA_DIR=str(empty))
    assert done.returncode == 1, done.stdout + done.stderr
    line = f"FAIL  dataset mnist: {empty} (from $GANCOURSE_DATA_DIR) has no mnist/ folder"
    assert line in done.stdout, done.stdout
    assert "fix: point GANCOURSE_DATA_DIR at the course's data/ folder" in done.stdout
    assert "check(s) failed: dataset mnist, dataset fashion_mnist" in done.stdout


def test_a_corrupted_dataset_file_fails_the_checksum(tmp_path, monkeypatch, repository):
    import shutil

    for folder in ("mnist", "fashion-mnist"):
        shutil.copytree(repository / "data" / folder, tmp_path / folder)
    path = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-200])
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    results = {r.name: r for r in doctor.check_datasets()}
    assert results["dataset fashion_mnist"].status == doctor.OK
    assert results["dataset mnist"].status == doctor.FAIL
    assert "t10k-labels-idx1-ubyte.gz" in results["dataset mnist"].detail


def test_missing_or_fake_weights_fail(tmp_path, monkeypatch, repository):
    import shutil

    shutil.copytree(repository / "data" / "weights", tmp_path, dirs_exist_ok=True)
    (tmp_path / "dcgan-mnist.weights.h5").unlink()
    (tmp_path / "progress" / "dcgan-fashion-mnist" / "training.gif").unlink()
    (tmp_path / "wgan-gp-mnist.weights.h5").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
    )
    monkeypatch.setenv("GANCOURSE_WEIGHTS_DIR", str(tmp_path))
    result = doctor.check_weights()
    assert result.status == doctor.FAIL
    assert "dcgan-mnist.weights.h5 is missing" in result.detail
    assert "wgan-gp-mnist.weights.h5 is not an HDF5 file" in result.detail
    assert "dcgan-fashion-mnist.json lists 1 missing pictures" in result.detail
    assert "GANCOURSE_WEIGHTS_DIR" in result.fix


@pytest.mark.parametrize(
    ("version", "status"),
    [
        ((3, 10, 14), doctor.FAIL),
        ((3, 11, 7), doctor.OK),
        ((3, 13, 1), doctor.OK),
        ((3, 14, 0), doctor.FAIL),
    ],
)
def test_python_range(version, status):
    assert doctor.check_python(version).status == status


def test_python_range_is_pyprojects(repository):
    """The doctor's range and the Makefile's assertion say what requires-python says."""
    project = tomllib.loads((repository / "pyproject.toml").read_text())["project"]
    low, high = doctor.PYTHON_RANGE
    assert project["requires-python"] == f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
    assert (
        f"({low[0]}, {low[1]}) <= sys.version_info[:2] < ({high[0]}, {high[1]})"
        in (repository / "Makefile").read_text()
    )


def test_environment_variables_come_first(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("GANCOURSE_WEIGHTS_DIR", str(tmp_path / "w"))
    assert paths.data_dir() == tmp_path / "d"
    assert paths.weights_dir() == tmp_path / "w"
    from gancourse import weights

    # Looked up when used, not at import.
    assert weights.weights_path("dcgan", "mnist") == tmp_path / "w" / "dcgan-mnist.weights.h5"
    assert weights.record_path("dcgan", "mnist") == tmp_path / "w" / "dcgan-mnist.json"


def test_the_checkout_is_the_fallback(monkeypatch, repository):
    monkeypatch.delenv("GANCOURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("GANCOURSE_WEIGHTS_DIR", raising=False)
    assert paths.checkout() == repository
    assert paths.data_dir() == repository / "data"
    assert paths.weights_dir() == repository / "data" / "weights"


def test_outside_a_checkout_the_error_names_the_variable(monkeypatch):
    """A non-editable install (the package in site-packages) with no variable set."""
    monkeypatch.delenv("GANCOURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("GANCOURSE_WEIGHTS_DIR", raising=False)
    monkeypatch.setattr(paths, "checkout", lambda: None)
    with pytest.raises(paths.CourseFilesNotFound, match=r"Set GANCOURSE_DATA_DIR to the folder"):
        paths.data_dir()
    with pytest.raises(paths.CourseFilesNotFound, match=r"Set GANCOURSE_WEIGHTS_DIR to the folder"):
        paths.weights_dir()
    from gancourse.data import load_dataset

    with pytest.raises(FileNotFoundError, match="GANCOURSE_DATA_DIR"):
        load_dataset("mnist")
    assert doctor.check_weights().status == doctor.FAIL
