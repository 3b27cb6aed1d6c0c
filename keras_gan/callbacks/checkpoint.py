"""`Checkpoint`: atomic, resumable checkpoints of the whole training state."""

import errno
import os
import shutil
import warnings

import numpy as np
import keras

from keras_gan.callbacks.state import is_finite
from keras_gan.callbacks.state import training_state

__all__ = ["Checkpoint"]


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
        if not is_finite(training_state(model)):
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
            size = sum(np.asarray(v.numpy()).nbytes for v in training_state(model))
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
