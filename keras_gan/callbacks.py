"""Callbacks for GAN training: sample grids, loss curves and a time limit."""

import csv
import os
import time

import keras

from keras_gan.images import save_grid

__all__ = ["SampleGrid", "LossPlot", "TimeLimit"]


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
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"{name} must be a positive int. Received: {name}={value!r}"
                )
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
        columns = getattr(self.model, "num_classes", None)
        if not columns or columns > self.num:
            columns = None
        images = self.model.generate(self.num, seed=self.seed)
        path = os.path.join(self.directory, f"samples_epoch_{epoch:04d}.png")
        self.last_path = save_grid(path, images, columns=columns, scale=self.scale)
        return self.last_path


class LossPlot(keras.callbacks.Callback):
    """Records the training logs every few steps to CSV and plots them to PNG.

    Each row holds the mean of every metric over the steps since the previous
    row (not Keras's running mean since the epoch began). Rows are appended to `csv_path` (so a resumed run continues the same
    curve) and the plot is redrawn at the end of every epoch: one panel for
    the losses, one for D(x) / D(G(z)).

    Args:
        csv_path: str. CSV file of `step` plus every logged metric.
        png_path: str. The loss-curve image.
        every_steps: int. Record every N training steps. Defaults to 50.
    """

    def __init__(self, csv_path, png_path, every_steps=50):
        super().__init__()
        self.csv_path = csv_path
        self.png_path = png_path
        self.every_steps = every_steps
        self._step = 0

    def on_train_begin(self, logs=None):
        self._step = int(self.model.d_optimizer.iterations.numpy())

    def on_epoch_begin(self, epoch, logs=None):
        self._last = (0, {})

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if logs and self._step % self.every_steps == 0:
            # Keras reports running means since the epoch began; turn them
            # into the mean of the steps since the last row, so the curve
            # has no saw-tooth at epoch boundaries.
            n = batch + 1
            n_last, last = self._last
            window = {
                k: (n * float(v) - n_last * last.get(k, 0.0)) / max(n - n_last, 1)
                for k, v in logs.items()
            }
            self._append(self._step, window)
            self._last = (n, {k: float(v) for k, v in logs.items()})

    def _append(self, step, logs):
        row = {"step": step, **{k: float(v) for k, v in logs.items()}}
        new = not os.path.exists(self.csv_path)
        if not new:
            with open(self.csv_path, newline="") as f:
                header = next(csv.reader(f), None)
            if header != list(row):
                return
        with open(self.csv_path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)

    def on_epoch_end(self, epoch, logs=None):
        self.plot()

    def plot(self):
        """Draws the PNG from the CSV; returns its path or None if no data."""
        if not os.path.exists(self.csv_path):
            return None
        with open(self.csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows:
            return None
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        steps = [int(r["step"]) for r in rows]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
        for key in rows[0]:
            if key == "step":
                continue
            axis = right if key in ("d_real", "d_fake") else left
            axis.plot(steps, [float(r[key]) for r in rows], label=key)
        left.set_title("losses")
        right.set_title("mean D(x) and D(G(z))")
        for axis in (left, right):
            axis.set_xlabel("discriminator step")
            axis.legend()
            axis.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(self.png_path, dpi=100)
        plt.close(fig)
        return self.png_path


class TimeLimit(keras.callbacks.Callback):
    """Stops training cleanly once `seconds` of training have passed.

    The current step finishes and the epoch ends as usual, so checkpoints
    and sample grids of the epoch are still written.

    Args:
        seconds: float. Wall-clock budget of this `fit` call.
    """

    def __init__(self, seconds):
        super().__init__()
        if not seconds > 0:
            raise ValueError(
                f"seconds must be positive. Received: seconds={seconds!r}"
            )
        self.seconds = seconds
        self.stopped = False

    def on_train_begin(self, logs=None):
        self._start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self._start >= self.seconds:
            self.stopped = True
            self.model.stop_training = True
