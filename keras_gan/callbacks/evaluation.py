"""`Evaluation`: FID, KID, precision and recall every few epochs, in the logs."""

import keras

from keras_gan.architectures.common import check_positive_int

__all__ = ["Evaluation"]


class Evaluation(keras.callbacks.Callback):
    """Scores the generator every few epochs and puts the scores in `logs`.

    Adds `fid`, `kid`, `precision`, `recall` (and, when the extractor has a
    classifier head, `is` and the class report's `class_kl` and
    `min_class_share`; for a class-conditional model also
    `label_agreement` and `label_agreement_min`; the per-class lists are in
    `last`) to the epoch logs, so `ModelCheckpoint(monitor="fid",
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
