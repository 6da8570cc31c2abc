"""Offline loaders for MNIST and Fashion-MNIST, and the arrays and batches the trainer feeds on.

The course never downloads anything: the gzip-compressed IDX files are committed under the
repository's ``data/`` folder (``$GANCOURSE_DATA_DIR`` elsewhere; :mod:`gancourse.paths`). :func:`load_dataset` follows the contract of
``keras.datasets.mnist.load_data()`` and is taught in the lab *Data pipelines*
(``book/labs/data-pipelines.ipynb``).

The first load of a dataset decompresses the four files, checks the SHA-256 of every
decompressed file against the digests below, decodes the IDX layout and stores the arrays as
``.npy`` files in a cache folder. Later loads read the cache (tens of milliseconds) after
checking that the source files have not changed since (size and modification time); a changed
file is verified again, so a corrupted file is always reported, never silently decoded.

:func:`scale_images` applies the course's image convention (float32 in [-1, 1], one channel),
and :func:`training_arrays` and :func:`epoch_dataset` give the trainer (:mod:`gancourse.train`)
its data. TensorFlow is imported only by :func:`epoch_dataset`, so loading the arrays needs
NumPy alone.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from pathlib import Path

import numpy as np

# Where the files are is decided in one place; these names stay importable from here.
from gancourse.paths import CACHE_DIR_ENV, DATA_DIR_ENV, cache_dir, data_dir

__all__ = [
    "CACHE_DIR_ENV",
    "CLASS_NAMES",
    "DATA_DIR_ENV",
    "DATASETS",
    "DatasetError",
    "data_dir",
    "cache_dir",
    "epoch_dataset",
    "load_dataset",
    "scale_images",
    "training_arrays",
    "verify_dataset",
]

_SPLITS = ("train", "t10k")
_KINDS = {"images": ("images-idx3-ubyte", 0x00000803), "labels": ("labels-idx1-ubyte", 0x00000801)}

#: SHA-256 of each *decompressed* IDX file, keyed by dataset name then file stem.
DATASETS: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

#: The classes of each dataset, by label.
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}

# Folder names on disk follow the upstream spelling; the API uses Keras' names.
FOLDERS = {"mnist": "mnist", "fashion_mnist": "fashion-mnist"}
_CACHE_VERSION = 1


class DatasetError(ValueError):
    """A dataset file is missing, truncated or corrupted; the message says how to restore it."""


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    key = name.lower().replace("-", "_")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    return key


def _restore_hint(path: Path) -> str:
    return (
        f"Restore it with `git checkout -- data/{path.parent.name}/{path.name}` in the course "
        f"repository, or copy the original file into {path.parent} "
        f"(or point ${DATA_DIR_ENV} at a folder that holds a good copy)."
    )


def _read_verified(path: Path, expected_sha256: str) -> bytes:
    """Decompress ``path`` and check the SHA-256 of its content; raise DatasetError otherwise."""
    if not path.is_file():
        raise DatasetError(
            f"dataset file {path} is missing (expected a gzip-compressed IDX file). "
            + _restore_hint(path)
        )
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        # gzip raises BadGzipFile (an OSError) for a bad header and EOFError when truncated.
        raise DatasetError(
            f"dataset file {path} is not a complete gzip file ({err.__class__.__name__}: {err}). "
            + _restore_hint(path)
        ) from err
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected_sha256:
        raise DatasetError(
            f"dataset file {path} is corrupted: the SHA-256 of its decompressed content is "
            f"{digest}, expected {expected_sha256}. " + _restore_hint(path)
        )
    return raw


def _decode_idx(raw: bytes, magic: int, path: Path) -> np.ndarray:
    """Decode an IDX byte string (big-endian header, then uint8 data)."""
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if found != magic or len(raw) < header:
        raise DatasetError(f"{path}: not an IDX file with magic {magic:#010x} (found {found!r})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise DatasetError(f"{path}: header promises shape {shape}, found {data.size} values")
    return data.reshape(shape).copy()


def _source_files(name: str, folder: Path) -> dict[str, Path]:
    return {stem: folder / f"{stem}.gz" for stem in DATASETS[name]}


def _fingerprint(paths: dict[str, Path]) -> dict[str, list[int]]:
    out = {}
    for stem, path in paths.items():
        stat = path.stat()
        out[stem] = [stat.st_size, stat.st_mtime_ns]
    return out


def verify_dataset(name: str, directory: Path | str | None = None) -> dict[str, np.ndarray]:
    """Decompress, verify and decode every file of ``name``; return arrays keyed by file stem.

    Raises :class:`DatasetError` naming the first bad file. Does not touch the cache.
    """
    key = _check_name(name)
    folder = Path(directory) if directory is not None else data_dir() / FOLDERS[key]
    arrays = {}
    for stem, path in _source_files(key, folder).items():
        raw = _read_verified(path, DATASETS[key][stem])
        kind = "images" if "images" in stem else "labels"
        arrays[stem] = _decode_idx(raw, _KINDS[kind][1], path)
    for split in _SPLITS:
        n_images = arrays[f"{split}-images-idx3-ubyte"].shape[0]
        n_labels = arrays[f"{split}-labels-idx1-ubyte"].shape[0]
        if n_images != n_labels:
            raise DatasetError(f"{key} {split}: {n_images} images but {n_labels} labels")
    return arrays


def _load_cache(slot: Path, fingerprint: dict) -> dict[str, np.ndarray] | None:
    try:
        meta = json.loads((slot / "meta.json").read_text())
        if meta != {"version": _CACHE_VERSION, "sources": fingerprint}:
            return None
        return {stem: np.load(slot / f"{stem}.npy", allow_pickle=False) for stem in fingerprint}
    except (OSError, ValueError):
        return None


def _store_cache(slot: Path, fingerprint: dict, arrays: dict[str, np.ndarray]) -> None:
    try:
        slot.mkdir(parents=True, exist_ok=True)
        for stem, array in arrays.items():
            tmp = slot / f"{stem}.{os.getpid()}.tmp.npy"
            np.save(tmp, array, allow_pickle=False)
            tmp.replace(slot / f"{stem}.npy")
        # meta.json last: a half-written cache has no matching meta and is rebuilt.
        (slot / "meta.json").write_text(
            json.dumps({"version": _CACHE_VERSION, "sources": fingerprint})
        )
    except OSError:
        pass  # A read-only home (some hubs) only costs the speed-up.


def load_dataset(name: str = "mnist", *, use_cache: bool = True):
    """Load ``"mnist"`` or ``"fashion_mnist"`` from the committed files, offline.

    Returns ``((x_train, y_train), (x_test, y_test))`` as ``uint8`` arrays of shapes
    ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``: the contract of
    ``keras.datasets.mnist.load_data()``. Files are looked up in ``$GANCOURSE_DATA_DIR`` when
    set, else in the checkout's ``data/`` (see :mod:`gancourse.paths`). A missing, truncated or corrupted file raises
    :class:`DatasetError` with the file's path and how to restore it.
    """
    key = _check_name(name)
    folder = data_dir() / FOLDERS[key]
    paths = _source_files(key, folder)
    missing = [p for p in paths.values() if not p.is_file()]
    if missing:
        _read_verified(missing[0], "")  # raises the "missing" message
    fingerprint = _fingerprint(paths)
    slot = cache_dir() / key / hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    arrays = _load_cache(slot, fingerprint) if use_cache else None
    if arrays is None:
        arrays = verify_dataset(key, folder)
        if use_cache:
            _store_cache(slot, fingerprint, arrays)
    return (
        (arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]),
        (arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]),
    )


def scale_images(images_uint8: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) to float32 (N, 28, 28, 1) in [-1, 1], the course's convention."""
    return (images_uint8.astype(np.float32)[..., None] - 127.5) / 127.5


def training_arrays(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Training images scaled to [-1, 1] as float32 (N, 28, 28, 1), and int32 labels."""
    (x_train, y_train), _ = load_dataset(dataset)
    return scale_images(x_train), y_train.astype(np.int32)


def epoch_dataset(images, labels, batch_size: int, seed: int, epoch: int, skip: int = 0):
    """One epoch of shuffled full batches ``(images, labels)``, with ``skip`` batches already done.

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
