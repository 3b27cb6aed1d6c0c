"""`TrainingHealth`: NaN roll-back, discriminator-wins and mode-collapse alarms."""

import math
import warnings

import numpy as np
import keras

from keras_gan import losses as losses_lib
from keras_gan.callbacks.state import is_finite
from keras_gan.callbacks.state import training_state

__all__ = ["TrainingHealth"]

# The collapse alarm's advice for a model that gives none of its own (a
# model class sets `collapse_advice`, e.g. `GAN`, `UnrolledGAN`).
_ADVICE = "Try a lower generator learning rate or an earlier checkpoint."


class TrainingHealth(keras.callbacks.Callback):
    """Watches a GAN's training for the failures the literature warns about.

    - Non-finite losses (NaN/Inf): roll back to the last good state (both
      networks and both optimizers) and go on, or stop (`on_nan`). After
      `max_rollbacks` roll-backs training stops.
    - Discriminator wins outright: mean D(x) above `1 - d_win_margin` and
      D(G(z)) below `d_win_margin` at `d_win_patience` checks in a row (the
      generator then gets no useful gradient). Minimax losses only.
    - Mode collapse: the diversity (mean pairwise distance in the
      extractor's feature space) of a fixed batch of samples stays below
      `collapse_ratio` times that of real images for `collapse_patience`
      epochs in a row. A young generator's samples are alike before they
      collapse: one ACGAN run measured 0.49 after its first epoch, then
      0.60, 0.68 and 0.87 by the tenth, so one low epoch is not an alarm.

    Alarms are issued as warnings and counted in `alarms`; the logs get
    `nan_rollbacks`, `d_wins_alarm`, `diversity_ratio` and `collapse_alarm`. With
    `stop_on_alarm=True` an alarm also stops training.

    Args:
        real_images: array or None. Real images in [-1, 1] (a few hundred)
            for the diversity reference; None disables the collapse check.
        extractor: str, keras.Model, FeatureExtractor or None. Feature space
            of the diversity check; None: raw pixels.
        on_nan: str. "rollback" or "stop". Defaults to "rollback".
        snapshot_every: int. Steps between snapshots of a good state.
        check_every: int. Steps between D-wins checks. Defaults to 50.
        collapse_ratio: float. Diversity, as a fraction of the real images',
            below which an epoch counts as collapsed. Defaults to 0.5.
        collapse_patience: int. Collapsed epochs in a row before the alarm
            (once per streak). Defaults to 2.
        sample: callable or None. `sample(num, seed)` -> images for the
            collapse check; None: `model.generate`. A model that samples
            from a weight average passes its trained network's samples here:
            early on, the average still holds much of the random init.
    """

    def __init__(self, real_images=None, extractor=None, on_nan="rollback", max_rollbacks=3,
                 snapshot_every=200, check_every=50, d_win_margin=0.02, d_win_patience=10,
                 collapse_ratio=0.5, collapse_patience=2, num_samples=256, stop_on_alarm=False,
                 sample=None):
        super().__init__()
        if on_nan not in ("rollback", "stop"):
            raise ValueError(f'on_nan must be "rollback" or "stop". Received: on_nan={on_nan!r}')
        if not isinstance(collapse_patience, int) or collapse_patience < 1:
            raise ValueError("collapse_patience must be a positive int (epochs). "
                             f"Received: collapse_patience={collapse_patience!r}")
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
        self.collapse_patience = collapse_patience
        self.num_samples = num_samples
        self.stop_on_alarm = stop_on_alarm
        self.sample = sample
        self.rollbacks = 0
        self.alarms = []
        self._snapshot = None
        self._d_win_streak = 0
        self._collapse_streak = 0
        self._step = 0
        self._real_diversity = None

    def _state(self):
        model = self.model
        return training_state(model)

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
        if self._step % self.snapshot_every == 0 and is_finite(self._state()):
            self._snapshot = [np.array(v.numpy()) for v in self._state()]
        if (self._step % self.check_every == 0
                and self.model.loss_name in losses_lib.PROBABILITY_LOSSES):
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
        num = min(self.num_samples, len(self.real_images))
        samples = self.sample(num, 12345) if self.sample else self.model.generate(num, seed=12345)
        ratio = self._diversity(samples) / max(self._real_diversity, 1e-12)
        self._collapse_streak = self._collapse_streak + 1 if ratio < self.collapse_ratio else 0
        if logs is not None:
            logs["diversity_ratio"] = ratio
            logs["collapse_alarm"] = float(self._collapse_streak >= self.collapse_patience)
        if self._collapse_streak == self.collapse_patience:
            streak = ("" if self.collapse_patience == 1 else
                      f", under {self.collapse_ratio:.0%} for {self.collapse_patience} epochs "
                      "in a row")
            self._alarm(
                f"Mode collapse suspected after epoch {epoch + 1}: the samples are only "
                f"{ratio:.0%} as diverse as real images{streak}. "
                + getattr(self.model, "collapse_advice", _ADVICE)
            )
