"""`LossPlot`: training logs every few steps to CSV, and their curves to PNG."""

import csv
import os

import keras

__all__ = ["LossPlot"]


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
        history_csv: str or None. A `keras.callbacks.CSVLogger` file; its
            `fid` column, if any, is drawn in a third panel by epoch.
    """

    def __init__(self, csv_path, png_path, every_steps=50, history_csv=None):
        super().__init__()
        self.history_csv = history_csv
        self.csv_path = csv_path
        self.png_path = png_path
        self.every_steps = every_steps
        self._step = 0

    def on_train_begin(self, logs=None):
        self._step = self.model.train_steps

    def on_epoch_begin(self, epoch, logs=None):
        self._last = (0, {})

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        # Only the model's own metrics: other callbacks may add keys to logs.
        names = [m.name for m in self.model.metrics] if self.model else []
        logs = {k: v for k, v in (logs or {}).items() if k in names}
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

    def _epoch_rows(self):
        if not self.history_csv or not os.path.exists(self.history_csv):
            return []
        with open(self.history_csv, newline="") as f:
            rows = [r for r in csv.DictReader(f) if r.get("fid") not in (None, "")]
        return rows

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
        epochs = self._epoch_rows()
        panels = 3 if epochs else 2
        fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.5))
        left, right = axes[0], axes[1]
        for key in rows[0]:
            if key == "step":
                continue
            axis = right if key in ("d_real", "d_fake") else left
            axis.plot(steps, [float(r[key]) for r in rows], label=key)
        if epochs:
            axes[2].plot([int(r["epoch"]) + 1 for r in epochs],
                         [float(r["fid"]) for r in epochs], marker="o", label="fid")
            axes[2].set_title("FID by epoch (lower is better)")
            axes[2].set_xlabel("epoch")
            axes[2].legend()
            axes[2].grid(alpha=0.3)
        left.set_title("losses")
        right.set_title("mean D(x) and D(G(z))")
        for axis in (left, right):
            axis.set_xlabel("training step")
            axis.legend()
            axis.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(self.png_path, dpi=100)
        plt.close(fig)
        return self.png_path
