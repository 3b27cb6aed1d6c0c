"""`CodeSweep`: InfoGAN code sweeps, one grid per code, every few epochs."""

import os

import keras

from keras_gan.architectures.common import check_positive_int
from keras_gan.images import save_grid

__all__ = ["CodeSweep"]


class CodeSweep(keras.callbacks.Callback):
    """Saves InfoGAN code sweeps: one grid per code, noise along the rows and
    the code's values along the columns, every few epochs.

    Files: `sweep_category_epoch_0001.png` and `sweep_c0_epoch_0001.png`, ...
    (one per continuous code), from a fixed seed, so a column that keeps
    one class (or a smooth change of a continuous factor) shows what the
    code learned.

    Args:
        directory: str. Where the PNGs go.
        every: int. Save every `every` epochs. Defaults to 1.
        rows: int. Noise vectors per grid. Defaults to 8.
        seed: int. Seed of the noise. Defaults to 0.
    """

    def __init__(self, directory, every=1, rows=8, seed=0):
        super().__init__()
        check_positive_int("every", every)
        check_positive_int("rows", rows)
        self.directory = directory
        self.every = every
        self.rows = rows
        self.seed = seed
        self.last_paths = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)

    def save(self, epoch):
        """Writes the sweeps for `epoch`; returns their paths."""
        model = self.model
        codes = (["category"] if model.categories else []) + list(range(model.continuous))
        self.last_paths = []
        for code in codes:
            images, columns = model.sweep(code, rows=self.rows, seed=self.seed)
            tag = "category" if code == "category" else f"c{code}"
            path = os.path.join(self.directory, f"sweep_{tag}_epoch_{epoch:04d}.png")
            self.last_paths.append(save_grid(path, images, columns=columns))
        return self.last_paths
