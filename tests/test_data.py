"""The offline dataset loader: contract, checksums, cache, search order and bad input."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from gancourse import data
from gancourse.data import DatasetError, load_dataset, verify_dataset

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_contract_matches_keras_load_data(name):
    (x_train, y_train), (x_test, y_test) = load_dataset(name)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_mnist_statistics_match_the_published_figures():
    (x_train, y_train), _ = load_dataset("mnist")
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    unit = x_train / 255.0
    assert round(unit.mean(), 4) == 0.1307 and round(unit.std(), 4) == 0.3081


def test_fashion_mnist_statistics():
    (x_train, y_train), (_, y_test) = load_dataset("fashion_mnist")
    assert (np.bincount(y_train) == 6000).all() and (np.bincount(y_test) == 1000).all()
    unit = x_train / 255.0
    assert round(unit.mean(), 4) == 0.2860 and round(unit.std(), 4) == 0.3530


def test_names_are_normalised_and_unknown_names_rejected():
    (a, _), _ = load_dataset("Fashion-MNIST")
    (b, _), _ = load_dataset("fashion_mnist")
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'"):
        load_dataset("cifar10")
    with pytest.raises(TypeError):
        load_dataset(10)


def test_second_load_reads_the_cache_without_verifying(monkeypatch):
    first = load_dataset("mnist")

    def fail(*args, **kwargs):
        raise AssertionError("a cached dataset must not be decompressed and verified again")

    monkeypatch.setattr(data, "verify_dataset", fail)
    second = load_dataset("mnist")
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.fixture
def data_copy(tmp_path, monkeypatch, repository):
    """A private copy of data/ with GANCOURSE_DATA_DIR pointing at it, and a private cache."""
    copy = tmp_path / "data"
    shutil.copytree(repository / "data" / "mnist", copy / "mnist")
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(copy))
    monkeypatch.setenv("GANCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    return copy


def test_environment_variable_comes_before_the_repository(data_copy, monkeypatch):
    assert data.data_dir() == data_copy
    (x_train, _), _ = load_dataset("mnist")
    assert x_train.shape == (60000, 28, 28)
    monkeypatch.delenv("GANCOURSE_DATA_DIR")
    assert data.data_dir() == Path(data.__file__).resolve().parent.parent / "data"


def test_missing_file_names_it_and_says_how_to_restore(data_copy):
    (data_copy / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist")
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and "missing" in message
    assert "git checkout -- data/mnist/t10k-labels-idx1-ubyte.gz" in message


def test_truncated_file_is_reported(data_copy):
    path = data_copy / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz is not a complete gzip"):
        load_dataset("mnist")


def test_corrupted_bytes_are_reported(data_copy):
    # A valid gzip stream whose content differs by one pixel: only the checksum can tell.
    path = data_copy / "mnist" / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[5000] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist")
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz is corrupted" in message
    assert data.DATASETS["mnist"]["t10k-images-idx3-ubyte"] in message  # the expected digest


def test_not_gzip_at_all_is_reported(data_copy):
    (data_copy / "mnist" / "train-labels-idx1-ubyte.gz").write_text("<html>404</html>")
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz is not a complete gzip"):
        load_dataset("mnist")


def test_a_file_changed_after_caching_is_verified_again(data_copy):
    load_dataset("mnist")  # fills the cache
    path = data_copy / "mnist" / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # a wrong label, still a valid file
    path.write_bytes(gzip.compress(bytes(raw)))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz is corrupted"):
        load_dataset("mnist")


def test_corrupt_cache_is_rebuilt(data_copy, tmp_path):
    expected = load_dataset("mnist")[1][1]
    for npy in (tmp_path / "cache").rglob("t10k-labels-idx1-ubyte.npy"):
        npy.write_bytes(b"garbage")
    assert np.array_equal(load_dataset("mnist")[1][1], expected)


def test_verify_dataset_reports_the_first_bad_file(tmp_path):
    with pytest.raises(DatasetError, match="missing"):
        verify_dataset("mnist", tmp_path)


def test_header_checks_catch_a_wrong_magic(tmp_path):
    bad = (0x0801).to_bytes(4, "big") + (2).to_bytes(4, "big") + b"\x00\x01"
    with pytest.raises(DatasetError, match="magic"):
        data._decode_idx(bad, 0x0803, tmp_path / "x")
    short = (0x0801).to_bytes(4, "big") + (5).to_bytes(4, "big") + b"\x00\x01"
    with pytest.raises(DatasetError, match="promises shape"):
        data._decode_idx(short, 0x0801, tmp_path / "x")
