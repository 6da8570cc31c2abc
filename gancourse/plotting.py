"""Image grids for generated and real samples. Used from the first lab on."""

from __future__ import annotations

import numpy as np


def image_grid(images, ncols: int = 8, padding: int = 2, pad_value: float = 1.0) -> np.ndarray:
    """Tile ``(N, H, W)`` or ``(N, H, W, 1)`` images into one ``(rows*H', cols*W')`` array.

    Values are mapped to [0, 1]: float images are assumed to lie in [-1, 1] (the course's
    convention), uint8 images in [0, 255]. Missing tiles at the end are left blank.
    """
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, 1), got {array.shape}")
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    if array.dtype == np.uint8:
        unit = array.astype(np.float32) / 255.0
    else:
        unit = (np.clip(array.astype(np.float32), -1.0, 1.0) + 1.0) / 2.0
    n, height, width = unit.shape
    ncols = min(ncols, max(n, 1))
    nrows = -(-n // ncols)
    grid = np.full(
        (nrows * (height + padding) + padding, ncols * (width + padding) + padding),
        pad_value,
        dtype=np.float32,
    )
    for index in range(n):
        row, col = divmod(index, ncols)
        top = padding + row * (height + padding)
        left = padding + col * (width + padding)
        grid[top : top + height, left : left + width] = unit[index]
    return grid


def show_images(images, ncols: int = 8, title: str | None = None, ax=None):
    """Draw :func:`image_grid` in grey on ``ax`` (a new figure when None); return the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(ncols * 0.9, 0.9 * -(-len(images) // ncols) + 0.4))
    ax.imshow(image_grid(images, ncols=ncols), cmap="gray", vmin=0.0, vmax=1.0)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
