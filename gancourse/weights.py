"""The committed models: which exist, where their weights and records are, how to load them.

Every trained model is a *run*, a model trained on a dataset, named ``<model>-<dataset>``
(``dcgan-mnist``, ``cdcgan-fashion-mnist``). Its weights are ``<name>.weights.h5`` in
:func:`gancourse.paths.weights_dir` (the generator only, for the GANs), beside ``<name>.json``,
the record the trainer wrote: the command, epochs, wall time, machine and loss history.
:func:`weights_path` and :func:`record_path` are the only places these names are built.

Used by the trainer (:mod:`gancourse.train`) to write runs, by the quality table
(:mod:`gancourse.evaluate`) and the labs to read them, and by ``python -m gancourse doctor`` to
check them. The networks (:mod:`gancourse.models`, hence Keras) are imported only by the two
loaders, so that the registry itself is read without starting TensorFlow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gancourse import paths


@dataclass(frozen=True)
class Model:
    """What the package needs to know about a model it can train, by the model's name."""

    #: The network whose weights are committed: ``"generator"`` for a GAN, else ``"classifier"``.
    saved: str
    #: The generator (and its discriminator) take a class label beside the noise.
    conditional: bool = False
    #: Where the course teaches it.
    taught_in: str = ""

    @property
    def is_gan(self) -> bool:
        return self.saved == "generator"


#: The models ``python -m gancourse.train --model`` trains.
MODELS = {
    "classifier": Model("classifier", taught_in="Lab 6, the features of classifier FID"),
    "dcgan": Model("generator", taught_in="Labs 2 and 3"),
    "cdcgan": Model("generator", conditional=True, taught_in="Lab 4"),
    "wgan-gp": Model("generator", taught_in="Lab 5"),
}
DATASETS = ("mnist", "fashion_mnist")
#: The committed runs, (model, dataset), classifiers first: the quality table needs them.
RUNS = (
    ("classifier", "mnist"),
    ("classifier", "fashion_mnist"),
    ("dcgan", "mnist"),
    ("dcgan", "fashion_mnist"),
    ("cdcgan", "mnist"),
    ("cdcgan", "fashion_mnist"),
    ("wgan-gp", "mnist"),
)
#: The committed GANs, in the order of the quality table.
GANS = tuple((model, dataset) for model, dataset in RUNS if MODELS[model].is_gan)


def model_info(model: str) -> Model:
    """:data:`MODELS` entry of ``model``; a ValueError naming the known models otherwise."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {model!r}")
    return MODELS[model]


def run_name(model: str, dataset: str) -> str:
    """File stem of a run: ``dcgan-mnist``, ``cdcgan-fashion-mnist``, ..."""
    return f"{model}-{dataset.replace('_', '-')}"


def _folder(weights_dir: Path | str | None) -> Path:
    return paths.weights_dir() if weights_dir is None else Path(weights_dir)


def weights_path(model: str, dataset: str, weights_dir: Path | str | None = None) -> Path:
    """The weights of a run: ``<weights_dir>/<model>-<dataset>.weights.h5``.

    ``weights_dir`` None: :func:`gancourse.paths.weights_dir` (``$GANCOURSE_WEIGHTS_DIR`` or the
    checkout's ``data/weights/``), looked up at every call.
    """
    return _folder(weights_dir) / f"{run_name(model, dataset)}.weights.h5"


def record_path(model: str, dataset: str, weights_dir: Path | str | None = None) -> Path:
    """The training record beside the weights: ``<weights_dir>/<model>-<dataset>.json``."""
    return _folder(weights_dir) / f"{run_name(model, dataset)}.json"


def training_record(model: str, dataset: str, weights_dir: Path | str | None = None) -> dict:
    """The JSON record written next to the weights: command, epochs, wall time, machine, history."""
    return json.loads(record_path(model, dataset, weights_dir).read_text())


def load_classifier(dataset: str, weights_dir: Path | str | None = None):
    """The committed course classifier of ``dataset`` (Lab 6)."""
    from gancourse.models import build_classifier

    classifier = build_classifier()
    classifier.load_weights(weights_path("classifier", dataset, weights_dir))
    return classifier


def untrained_generator(model: str, seed: int = 0):
    """A generator of ``model`` as training starts, its random weights drawn with ``seed``.

    The reference an FID is compared with at the top (:mod:`gancourse.evaluate`'s ceiling).
    Every initializer that draws is re-run with a seed of its own, so the same ``seed`` gives
    the same weights whatever Keras's global random state.
    """
    from gancourse.models import NUM_CLASSES, build_generator

    generator = build_generator(num_classes=NUM_CLASSES if model_info(model).conditional else None)
    for index, layer in enumerate(generator.layers):
        for attribute in ("kernel", "embeddings"):
            variable = getattr(layer, attribute, None)
            initializer = getattr(layer, f"{attribute}_initializer", None)
            if variable is None or initializer is None:
                continue
            config = initializer.get_config() | {"seed": 1000 * seed + index}
            variable.assign(type(initializer).from_config(config)(variable.shape, variable.dtype))
    return generator


def load_generator(model: str, dataset: str, weights_dir: Path | str | None = None):
    """The committed generator of ``model`` on ``dataset``."""
    from gancourse.models import NUM_CLASSES, build_generator

    if not model_info(model).is_gan:
        raise ValueError(f"{model!r} has no generator; the GANs are {[m for m, _ in GANS]}")
    generator = build_generator(num_classes=NUM_CLASSES if MODELS[model].conditional else None)
    generator.load_weights(weights_path(model, dataset, weights_dir))
    return generator
