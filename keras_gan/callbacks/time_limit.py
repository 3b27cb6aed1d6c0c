"""`TimeLimit`: stop training cleanly after a wall-clock budget."""

import time

import keras

__all__ = ["TimeLimit"]


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
