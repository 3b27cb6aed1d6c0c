"""Obedience tables: per-factor accuracy and R-precision of a model's
images for the captions of the test or held-out split."""

import dataclasses

import numpy as np
import tensorflow as tf

from keras_gan.text2image import data as data_lib
from keras_gan.text2image import metrics as metrics_lib

__all__ = ["Prompts", "prompts", "score_images", "evaluate_model", "evaluate_real",
           "evaluate_class_conditional"]


@dataclasses.dataclass
class Prompts:
    """Captions with the factors they name (and the real renders of them)."""

    captions: list
    factors: data_lib.Factors
    real: np.ndarray


def prompts(split="test", num=1000, seed=0, canvas=32, data_dir=None):
    """The first `num` captions of `split` (one phrasing per image, drawn
    from the seed), their factors and their real renders."""
    if split not in ("test", "heldout"):
        raise ValueError(f'split must be "test" or "heldout". Received: split={split!r}')
    items, labels = data_lib._fashion_split(split, data_dir)
    factors, keep = data_lib.draw_factors(labels, seed, split)
    factors = factors.take(np.arange(min(num, len(factors))))
    items = items[keep][: len(factors)]
    rng = np.random.default_rng([seed, 11])
    captions = [data_lib.caption(int(a), int(b), int(c), int(d), rng) for a, b, c, d in
                zip(factors.item, factors.colour, factors.size, factors.position)]
    return Prompts(captions, factors, data_lib.render(items, factors, canvas))


def score_images(images, batch, joint=None, extractor=None, candidates=100, seed=0):
    """Per-factor accuracies (and R-precision with `joint`) of `images`
    drawn for `batch` (a `Prompts`). R-precision ranks each caption among
    `candidates`, fewer where the batch has too few captions of other factor
    combinations (`r_precision_candidates` says how many: chance is one in
    that)."""
    scores = metrics_lib.factor_accuracy(metrics_lib.measure(images, extractor), batch.factors)
    combos = np.asarray(batch.factors.combo())
    largest = np.unique(combos, return_counts=True)[1].max(initial=0)
    candidates = min(candidates, len(combos) - int(largest) + 1)
    if joint is not None and candidates >= 2:
        v = np.asarray(joint.image_encoder.predict(images, batch_size=256, verbose=0))
        t = np.concatenate([
            np.asarray(joint.text_encoder(tf.constant(batch.captions[i : i + 256]),
                                          training=False))
            for i in range(0, len(batch.captions), 256)])
        scores["r_precision"] = metrics_lib.r_precision(
            v, t, combos, candidates=candidates, seed=seed)
        scores["r_precision_candidates"] = candidates
    return scores


def evaluate_model(model, batch, joint=None, seed=0, extractor=None):
    """Scores of a text-to-image model's images for `batch.captions`."""
    images = model.generate(len(batch.captions), seed=seed, captions=batch.captions)
    return score_images(images, batch, joint, extractor, seed=seed)


def evaluate_real(batch, joint=None, extractor=None, seed=0):
    """The measurement ceiling: the same scores on the real renders."""
    return score_images(batch.real, batch, joint, extractor, seed=seed)


def evaluate_class_conditional(gan, batch, joint=None, seed=0, extractor=None):
    """Scores of a class-conditional GAN (e.g. `ConditionalGAN` trained on
    the canvases with the item class as label) given only each caption's
    class: the baseline that ignores colour, size and position."""
    labels = np.asarray(batch.factors.item, "int32")
    images = gan.generate(len(labels), seed=seed, labels=labels)
    return score_images(images, batch, joint, extractor, seed=seed)
