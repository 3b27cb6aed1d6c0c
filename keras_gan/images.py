"""Turning generated batches into pictures: uint8 conversion and grids."""

import math
import os

import numpy as np
import keras

__all__ = ["to_uint8", "make_grid", "save_grid"]


def to_uint8(images):
    """Maps images in [-1, 1] to uint8 in [0, 255] (rounded, clipped)."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype("uint8")


def make_grid(images, columns=None, padding=2):
    """Tiles a batch `(n, h, w, c)` in [-1, 1] into one uint8 image.

    Args:
        images: array. Images in [-1, 1].
        columns: int or None. Images per row; defaults to ceil(sqrt(n)).
        padding: int. Pixels of black between images. Defaults to 2.
    """
    images = to_uint8(images)
    if images.ndim != 4:
        raise ValueError(
            "images must have shape (n, height, width, channels). "
            f"Received: images with shape {images.shape}"
        )
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros(
        (rows * (h + padding) + padding, columns * (w + padding) + padding, c),
        dtype="uint8",
    )
    for i, image in enumerate(images):
        top = padding + (i // columns) * (h + padding)
        left = padding + (i % columns) * (w + padding)
        grid[top : top + h, left : left + w] = image
    return grid


def save_grid(path, images, columns=None, scale=1):
    """Saves a batch in [-1, 1] as one PNG grid; returns the path.

    Args:
        path: str. Output file; parent directories are created.
        images: array. Images in [-1, 1], shape `(n, h, w, c)`.
        columns: int or None. Images per row.
        scale: int. Nearest-neighbour upscaling factor, so small images stay
            legible. Defaults to 1.
    """
    grid = make_grid(images, columns)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    keras.utils.save_img(path, grid, scale=False)
    return path
