"""`SampleGrid`: a PNG grid of samples from a fixed latent seed every few epochs."""

import os

import keras

from keras_gan.architectures.common import check_positive_int
from keras_gan.images import save_grid

__all__ = ["SampleGrid", "fixed_samples"]


def fixed_samples(model, num, seed):
    """`num` samples of the fixed seed and the grid's column count: one column
    per class for conditional models (class `i % k` in column `i`)."""
    columns = getattr(model, "num_classes", None)
    if not columns or columns > num:
        columns = None
    return model.generate(num, seed=seed), columns


class SampleGrid(keras.callbacks.Callback):
    """Saves a PNG grid of samples from a fixed latent seed every few epochs.

    The same z (and, for conditional models, the same labels: class `i % k`
    in column `i`) is used at every epoch, so the grids show how one set of
    samples evolves. Files are named `samples_epoch_0001.png`, ...

    Args:
        directory: str. Where the PNGs go; created if missing.
        every: int. Save every `every` epochs. Defaults to 1.
        num: int. Images per grid. Defaults to 64.
        seed: int. Seed of the fixed latent vectors. Defaults to 0.
        scale: int. Pixel upscaling of the saved grid. Defaults to 2.

    Example:
    >>> cb = SampleGrid("/tmp/samples", every=1, num=16)
    >>> # gan.fit(data, epochs=5, callbacks=[cb])
    """

    def __init__(self, directory, every=1, num=64, seed=0, scale=2):
        super().__init__()
        for name, value in (("every", every), ("num", num), ("scale", scale)):
            check_positive_int(name, value)
        self.directory = directory
        self.every = every
        self.num = num
        self.seed = seed
        self.scale = scale
        self.last_path = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)

    def save(self, epoch):
        """Writes the grid for `epoch` now and returns its path."""
        images, columns = fixed_samples(self.model, self.num, self.seed)
        path = os.path.join(self.directory, f"samples_epoch_{epoch:04d}.png")
        self.last_path = save_grid(path, images, columns=columns, scale=self.scale)
        return self.last_path
