"""Callbacks for GAN training: sample grids, loss curves and a time limit."""

import csv
import errno
import math
import os
import shutil
import time
import warnings

import numpy as np
import keras

from keras_gan.architectures.common import check_positive_int
from keras_gan.images import save_grid

__all__ = [
    "SampleGrid",
    "LossPlot",
    "TimeLimit",
    "Evaluation",
    "TrainingHealth",
    "Checkpoint",
    "TensorBoardImages",
    "CodeSweep",
]


def fixed_samples(model, num, seed):
    """`num` samples of the fixed seed and the grid's column count: one column
    per class for conditional models (class `i % k` in column `i`)."""
    columns = getattr(model, "num_classes", None)
    if not columns or columns > num:
        columns = None
    return model.generate(num, seed=seed), columns


def _finite(variables):
    """Whether every floating-point variable holds only finite values."""
    return all(
        np.isfinite(v.numpy()).all() for v in variables if "float" in str(v.dtype)
    )


def _training_state(model):
    """Every variable a roll-back or checkpoint must cover: the networks,
    the noise states and all optimizer state."""
    return [*model.variables, *(v for opt in model.optimizers for v in opt.variables)]


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
        self._start = None

    def on_train_begin(self, logs=None):
        # Counted from the first fit only: a run made of several fit calls
        # shares one budget.
        if self._start is None:
            self._start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self._start >= self.seconds:
            self.stopped = True
            self.model.stop_training = True


class Evaluation(keras.callbacks.Callback):
    """Scores the generator every few epochs and puts the scores in `logs`.

    Adds `fid`, `kid`, `precision`, `recall` (and, when the extractor has a
    classifier head, `is` and the class report's `class_kl` and
    `min_class_share`; the per-class shares are in `last`) to the epoch logs, so `ModelCheckpoint(monitor="fid",
    mode="min")`, `EarlyStopping` and `CSVLogger` see them. Put it before
    those callbacks in the list.

    Args:
        reference: `evaluation.ReferenceStatistics` of the real data.
        extractor: str, keras.Model or FeatureExtractor; the one the
            reference was computed with. Defaults to "fashion_mnist".
        every: int. Evaluate every `every` epochs. Defaults to 1.
        num_samples: int. Generated images per evaluation. Defaults to 2000.
        seed: int. Seed of the generated images (the same every time).

    Example:
    >>> # ref = evaluation.reference_statistics("fashion_mnist")
    >>> # gan.fit(ds, epochs=10, callbacks=[Evaluation(ref),
    >>> #     keras.callbacks.ModelCheckpoint("best.keras", monitor="fid", mode="min")])
    """

    def __init__(self, reference, extractor="fashion_mnist", every=1, num_samples=2000, seed=0):
        super().__init__()
        from keras_gan import features

        check_positive_int("every", every)
        check_positive_int("num_samples", num_samples)
        self.reference = reference
        self.extractor = features.load_extractor(extractor)
        self.every = every
        self.num_samples = num_samples
        self.seed = seed
        self.last = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        from keras_gan import evaluation

        scores = evaluation.evaluate(
            self.model, self.reference, self.extractor, self.num_samples, self.seed
        )
        self.last = {k: v for k, v in scores.items() if not k.endswith("_std")}
        if logs is not None:
            # Scalars only: CSVLogger and TensorBoard take one number a key.
            logs.update({k: v for k, v in self.last.items() if not isinstance(v, list)})


class TrainingHealth(keras.callbacks.Callback):
    """Watches a GAN's training for the failures the literature warns about.

    - Non-finite losses (NaN/Inf): roll back to the last good state (both
      networks and both optimizers) and go on, or stop (`on_nan`). After
      `max_rollbacks` roll-backs training stops.
    - Discriminator wins outright: mean D(x) above `1 - d_win_margin` and
      D(G(z)) below `d_win_margin` at `d_win_patience` checks in a row (the
      generator then gets no useful gradient). Minimax losses only.
    - Mode collapse: the diversity (mean pairwise distance in the
      extractor's feature space) of a fixed batch of samples falls below
      `collapse_ratio` times that of real images.

    Alarms are issued as warnings and counted in `alarms`; the logs get
    `nan_rollbacks`, `d_wins_alarm` and `diversity_ratio`. With
    `stop_on_alarm=True` an alarm also stops training.

    Args:
        real_images: array or None. Real images in [-1, 1] (a few hundred)
            for the diversity reference; None disables the collapse check.
        extractor: str, keras.Model, FeatureExtractor or None. Feature space
            of the diversity check; None: raw pixels.
        on_nan: str. "rollback" or "stop". Defaults to "rollback".
        snapshot_every: int. Steps between snapshots of a good state.
        check_every: int. Steps between D-wins checks. Defaults to 50.
    """

    def __init__(self, real_images=None, extractor=None, on_nan="rollback", max_rollbacks=3,
                 snapshot_every=200, check_every=50, d_win_margin=0.02, d_win_patience=10,
                 collapse_ratio=0.5, num_samples=256, stop_on_alarm=False):
        super().__init__()
        if on_nan not in ("rollback", "stop"):
            raise ValueError(f'on_nan must be "rollback" or "stop". Received: on_nan={on_nan!r}')
        from keras_gan import features

        self.extractor = features.load_extractor(extractor) if extractor is not None else None
        self.real_images = None if real_images is None else np.asarray(real_images, "float32")
        self.on_nan = on_nan
        self.max_rollbacks = max_rollbacks
        self.snapshot_every = snapshot_every
        self.check_every = check_every
        self.d_win_margin = d_win_margin
        self.d_win_patience = d_win_patience
        self.collapse_ratio = collapse_ratio
        self.num_samples = num_samples
        self.stop_on_alarm = stop_on_alarm
        self.rollbacks = 0
        self.alarms = []
        self._snapshot = None
        self._d_win_streak = 0
        self._step = 0
        self._real_diversity = None

    def _state(self):
        model = self.model
        return _training_state(model)

    def _alarm(self, message):
        self.alarms.append(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        if self.stop_on_alarm:
            self.model.stop_training = True

    def on_train_begin(self, logs=None):
        self._snapshot = [np.array(v.numpy()) for v in self._state()]
        if self.real_images is not None and len(self.real_images) < 2:
            # Diversity is a mean over pairs: one image has none (0 / 0 = NaN).
            warnings.warn(
                f"The mode-collapse check needs at least 2 real images; the data has "
                f"{len(self.real_images)}, so it is skipped.", RuntimeWarning, stacklevel=2)
        elif self.real_images is not None:
            self._real_diversity = self._diversity(self.real_images[: self.num_samples])

    def _diversity(self, images):
        from keras_gan import evaluation

        feats = self.extractor(images) if self.extractor is not None else images
        return evaluation.diversity(feats)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs if logs is not None else {}
        self._step += 1
        finite = all(math.isfinite(float(v)) for v in logs.values())
        if not finite:
            self._handle_nan(logs)
            return
        if self._step % self.snapshot_every == 0 and _finite(self._state()):
            self._snapshot = [np.array(v.numpy()) for v in self._state()]
        if self._step % self.check_every == 0 and self.model.loss_name in (
            "minimax", "non_saturating", "saturating"
        ):
            wins = (logs.get("d_real", 0.5) > 1 - self.d_win_margin
                    and logs.get("d_fake", 0.5) < self.d_win_margin)
            self._d_win_streak = self._d_win_streak + 1 if wins else 0
            logs["d_wins_alarm"] = float(self._d_win_streak >= self.d_win_patience)
            if self._d_win_streak == self.d_win_patience:
                self._alarm(
                    f"The discriminator has won outright for {self.d_win_patience} checks "
                    f"(D(x) {logs['d_real']:.3f}, D(G(z)) {logs['d_fake']:.3f}): the generator "
                    "gets no useful gradient. Lower D's learning rate, use the "
                    "non-saturating or a Wasserstein loss, or restart from an earlier checkpoint."
                )

    def _handle_nan(self, logs):
        if self.on_nan == "stop" or self.rollbacks >= self.max_rollbacks:
            self.model.stop_training = True
            self._alarm(
                f"Training stopped at step {self._step}: the losses became NaN/Inf "
                f"({', '.join(f'{k}={v}' for k, v in logs.items())}). Lower the learning "
                "rates or check the data for NaN; resume from the last checkpoint."
            )
            return
        self.rollbacks += 1
        for variable, value in zip(self._state(), self._snapshot):
            variable.assign(value)
        # The epoch's running means hold the NaN; start them afresh.
        for metric in self.model.metrics:
            metric.reset_state()
        warnings.warn(
            f"Non-finite losses at step {self._step}; rolled back to the last good state "
            f"(roll-back {self.rollbacks} of at most {self.max_rollbacks}).",
            RuntimeWarning,
            stacklevel=2,
        )
        logs["nan_rollbacks"] = float(self.rollbacks)

    def on_epoch_end(self, epoch, logs=None):
        if self._real_diversity is None:
            return
        samples = self.model.generate(min(self.num_samples, len(self.real_images)), seed=12345)
        ratio = self._diversity(samples) / max(self._real_diversity, 1e-12)
        if logs is not None:
            logs["diversity_ratio"] = ratio
        if ratio < self.collapse_ratio:
            self._alarm(
                f"Mode collapse suspected after epoch {epoch + 1}: the samples are only "
                f"{ratio:.0%} as diverse as real images. Try a Wasserstein or unrolled "
                "GAN, a lower generator learning rate, or an earlier checkpoint."
            )


class Checkpoint(keras.callbacks.Callback):
    """Atomic, resumable checkpoints of the whole training state.

    Saves both networks, both optimizers (their `iterations` are the step
    counter) and every noise generator's state at the end of each epoch and,
    with `every_steps`, every N steps. Each save writes a temporary file and
    renames it over `latest.weights.h5`, keeping the one before as
    `previous.weights.h5`, so a crash or a full disk mid-write never damages
    the last good checkpoint. Weights that are not finite are never saved.

    Unlike `keras.callbacks.BackupAndRestore`, the step counter comes from
    the optimizer state itself (the generator's optimizer makes exactly one
    update per training step in every model), so a run can resume mid-epoch at exactly the
    step it stopped (see `keras_gan.trainer`).

    Args:
        directory: str. Where the checkpoint files live.
        every_steps: int or None. Also save every N training steps.
    """

    def __init__(self, directory, every_steps=None):
        super().__init__()
        self.directory = directory
        self.every_steps = every_steps
        self.latest = os.path.join(directory, "latest.weights.h5")
        self.previous = os.path.join(directory, "previous.weights.h5")
        self.saved_step = None

    def restore(self, model):
        """Loads the newest readable checkpoint into `model`; returns its step
        (0 when there is none)."""
        errors = []
        for path in (self.latest, self.previous):
            if not os.path.exists(path):
                continue
            try:
                model.load_weights(path)
            except Exception as e:  # h5py and Keras raise many types.
                errors.append(f"{os.path.basename(path)}: {type(e).__name__}")
                continue
            if errors:
                warnings.warn(
                    f"The latest checkpoint was unreadable ({errors[0]}); resumed "
                    "from the one before it.", RuntimeWarning, stacklevel=2)
            self.saved_step = model.train_steps
            return self.saved_step
        if errors:
            raise ValueError(
                f"No checkpoint in {self.directory} could be read ({'; '.join(errors)}); "
                "move the directory away to start afresh."
            )
        return 0

    def save(self):
        """Writes the checkpoint now; returns its path, or None when skipped."""
        model = self.model
        step = model.train_steps
        if step == self.saved_step:
            return self.latest
        if not _finite(_training_state(model)):
            warnings.warn(
                f"Not checkpointing step {step}: the weights hold NaN or Inf; the last "
                "good checkpoint is kept.", RuntimeWarning, stacklevel=2)
            return None
        os.makedirs(self.directory, exist_ok=True)
        # HDF5 crashes the process (SIGSEGV) when the disk fills up under it,
        # so a write that cannot fit is refused before it starts.
        needed = self._size_estimate(model)
        free = shutil.disk_usage(self.directory).free
        if free < needed:
            raise self._disk_full(step, f"{needed - free} more bytes needed")
        # One name per process: two writers never share a temporary file.
        tmp = os.path.join(self.directory, f".tmp-{os.getpid()}.weights.h5")
        try:
            model.save_weights(tmp, overwrite=True)
            if os.path.exists(self.latest):
                os.replace(self.latest, self.previous)
            os.replace(tmp, self.latest)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise self._disk_full(step, e.strerror) from e
            raise
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        self.saved_step = step
        return self.latest

    def _size_estimate(self, model):
        """Bytes a checkpoint needs: the last one's size (the same variables
        make the same file), else the raw variable bytes, plus a margin."""
        for path in (self.latest, self.previous):
            if os.path.exists(path):
                size = os.path.getsize(path)
                break
        else:
            size = sum(np.asarray(v.numpy()).nbytes for v in _training_state(model))
        return int(size * 1.05) + (256 << 10)

    def _disk_full(self, step, detail):
        kept = (f"the last good checkpoint (step {self.saved_step}) in {self.latest} is kept"
                if self.saved_step is not None and os.path.exists(self.latest)
                else "no checkpoint was written yet")
        return OSError(
            errno.ENOSPC,
            f"No space left on the disk of {self.directory} to checkpoint step {step} "
            f"({detail}); {kept}: free some space and run the same command to resume.")

    def on_train_batch_end(self, batch, logs=None):
        if self.every_steps:
            step = self.model.train_steps
            if step % self.every_steps == 0:
                self.save()

    def on_epoch_end(self, epoch, logs=None):
        self.save()


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
