"""`TensorBoardImages`: the fixed-seed sample grid in TensorBoard each epoch."""

import os

import keras

from keras_gan.architectures.common import check_positive_int
from keras_gan.callbacks.sample_grid import fixed_samples

__all__ = ["TensorBoardImages"]


class TensorBoardImages(keras.callbacks.Callback):
    """Writes the sample grid of a fixed latent seed to TensorBoard each epoch.

    Pair it with `keras.callbacks.TensorBoard(log_dir)` for the scalars
    (losses and, placed after `Evaluation`, FID/KID/...). Needs the
    `tensorboard` package (`pip install 'keras_gan[tensorboard]'`).

    Args:
        log_dir: str. TensorBoard log directory; images go to `log_dir/samples`.
        num: int. Images per grid. Defaults to 64.
        seed: int. Seed of the fixed latent vectors. Defaults to 0.
        every: int. Write every `every` epochs. Defaults to 1.
    """

    def __init__(self, log_dir, num=64, seed=0, every=1):
        super().__init__()
        check_positive_int("num", num)
        check_positive_int("every", every)
        self.log_dir = os.path.join(log_dir, "samples")
        self.num = num
        self.seed = seed
        self.every = every
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        import tensorflow as tf

        from keras_gan.images import make_grid

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        grid = make_grid(*fixed_samples(self.model, self.num, self.seed))
        with self._writer.as_default():
            tf.summary.image("samples", grid[None], step=epoch + 1)
        self._writer.flush()
