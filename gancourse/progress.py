"""Training progress as pictures: a grid of samples for the same noise every few epochs, and an
animation of the grids, as the source material's Fashion-MNIST GAN kept them.

``python -m gancourse.train ... --grid-every 5`` calls :func:`save_snapshot` after every fifth
epoch and :func:`save_animation` when the run finishes. The grids go to
``<weights dir>/progress/<run name>/epoch-NNN.png`` (committed with the weights, so the labs can
show them) and the generator's weights of that epoch beside the checkpoint folder
(``<checkpoint folder>-snapshots/``, not committed). The record lists the pictures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gancourse.evaluate import generate
from gancourse.models import NUM_CLASSES
from gancourse.plotting import image_grid
from gancourse.weights import model_info, run_name

#: The noise of every grid of a run: the same vectors each time, so the frames can be compared.
GRID_SEED = 2024
COLUMNS = 8
#: Rows of an unconditional grid; a conditional one has a row per class.
ROWS = 8
#: Each pixel of a 28x28 sample drawn as a SCALE x SCALE block, so the pictures are legible.
SCALE = 3


def progress_folder(config) -> Path:
    return Path(config.weights_dir) / "progress" / run_name(config.model, config.dataset)


def frame_name(epoch: int) -> str:
    return f"epoch-{epoch:03d}.png"


def grid_samples(generator, conditional: bool) -> np.ndarray:
    """The grid's samples: ROWS x COLUMNS, or one row of COLUMNS per class when conditional."""
    if not conditional:
        return generate(generator, ROWS * COLUMNS, GRID_SEED)
    labels = np.repeat(np.arange(NUM_CLASSES), COLUMNS)
    return generate(generator, len(labels), GRID_SEED, labels)


def grid_pixels(images) -> np.ndarray:
    """uint8 pixels of the samples' grid, each pixel enlarged SCALE times."""
    grid = image_grid(images, ncols=COLUMNS)
    grid = np.kron(grid, np.ones((SCALE, SCALE), dtype=grid.dtype))
    return np.round(255 * grid).astype(np.uint8)


def save_snapshot(config, epoch: int, generator, checkpoint: Path) -> Path:
    """Write epoch ``epoch``'s grid (PNG) and keep the generator's weights of that epoch."""
    from PIL import Image

    folder = progress_folder(config)
    folder.mkdir(parents=True, exist_ok=True)
    pixels = grid_pixels(grid_samples(generator, model_info(config.model).conditional))
    path = folder / frame_name(epoch)
    Image.fromarray(pixels).save(path, optimize=True)
    snapshots = checkpoint.with_name(checkpoint.name + "-snapshots")
    snapshots.mkdir(parents=True, exist_ok=True)
    generator.save_weights(snapshots / f"generator-epoch-{epoch:03d}.weights.h5")
    return path


def save_animation(config, milliseconds: int = 600) -> dict:
    """The grids of the run, in epoch order, as one looping GIF with the epoch written under each
    frame; returns the record's ``progress`` entry (paths relative to the weights folder)."""
    from PIL import Image, ImageDraw

    folder = progress_folder(config)
    frames, epochs = [], []
    for path in sorted(folder.glob("epoch-*.png")):
        epoch = int(path.stem.split("-")[1])
        if epoch > config.epochs:
            continue
        grid = Image.open(path).convert("L")
        # One pixel per sample pixel: a page enlarges it (CSS), and the file stays small.
        grid = grid.resize((grid.width // SCALE, grid.height // SCALE), Image.Resampling.NEAREST)
        frame = Image.new("L", (grid.width, grid.height + 14), color=255)
        frame.paste(grid, (0, 0))
        ImageDraw.Draw(frame).text((4, grid.height + 1), f"epoch {epoch}", fill=0)
        # 32 grey levels instead of 256: a GIF a third smaller, and no visible banding.
        frames.append(frame.point(lambda v: round(v * 31 / 255) * 255 // 31))
        epochs.append(epoch)
    entry = {"grid_seed": GRID_SEED, "every": config.grid_every, "epochs": epochs}
    entry["grids"] = [str(folder.relative_to(config.weights_dir) / frame_name(e)) for e in epochs]
    if frames:
        gif = folder / "training.gif"
        # The last frame stays up three times as long, so the finished samples can be looked at.
        durations = [milliseconds] * (len(frames) - 1) + [3 * milliseconds]
        frames[0].save(
            gif, save_all=True, append_images=frames[1:], duration=durations, loop=0, optimize=True
        )
        entry["animation"] = str(gif.relative_to(config.weights_dir))
    return entry
