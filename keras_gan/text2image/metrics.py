"""Obedience metrics: does a generated image show what its caption says?

Every caption factor of the synthetic set is known, so each is read back
from the pixels and compared, not judged by eye:

- colour: the mean chromaticity (RGB divided by the largest channel,
  weighted by brightness) inside the item's mask, nearest palette tint;
- size: the longer side of the mask's bounding box against the midpoint
  of the two frame sizes;
- position: the brightness-weighted centroid, nearest frame centre of the
  measured size;
- class: the project's Fashion-MNIST classifier (`keras_gan.features`) on
  the item's crop (square around the bounding box, grey = largest
  channel, resized to 28x28, since Fashion-MNIST items fill their frame).

`r_precision` ranks each image's own caption among `candidates - 1`
captions of other factor combinations with the joint embedding (R = 1).
"""

import numpy as np
import tensorflow as tf

from keras_gan.text2image import data as data_lib

__all__ = ["measure", "factor_accuracy", "r_precision", "CHANCE", "FACTORS", "classify_items"]

FACTORS = ("item", "colour", "size", "position")
# Accuracy of a guess that ignores the caption (uniform factors).
CHANCE = {
    "item": 1 / len(data_lib.CLASSES),
    "colour": 1 / len(data_lib.COLOURS),
    "size": 1 / len(data_lib.SIZES),
    "position": 1 / len(data_lib.POSITIONS),
    "all": 1 / (len(data_lib.CLASSES) * len(data_lib.COLOURS) * len(data_lib.SIZES)
                * len(data_lib.POSITIONS)),
}
MASK_THRESHOLD = 0.2


def _crops(images, boxes):
    """Square 28x28 grey crops in [-1, 1] around each bounding box."""
    out = np.full((len(images), 28, 28, 1), -1.0, "float32")
    for i, (image, box) in enumerate(zip(images, boxes)):
        if box is None:
            continue
        top, bottom, left, right = box
        grey = image.max(axis=-1)
        side = max(bottom - top, right - left)
        cy, cx = (top + bottom) / 2.0, (left + right) / 2.0
        y0, x0 = int(round(cy - side / 2.0)), int(round(cx - side / 2.0))
        square = np.zeros((side, side), "float32")
        ys, xs = max(0, y0), max(0, x0)
        ye, xe = min(grey.shape[0], y0 + side), min(grey.shape[1], x0 + side)
        square[ys - y0 : ye - y0, xs - x0 : xe - x0] = grey[ys:ye, xs:xe]
        resized = tf.image.resize(square[..., None], (28, 28), method="area", antialias=True)
        out[i] = np.asarray(resized) * 2.0 - 1.0
    return out


def classify_items(crops, extractor=None):
    """Fashion-MNIST classes of 28x28 grey crops in [-1, 1]."""
    from keras_gan import features

    extractor = extractor or features.load_extractor("fashion_mnist")
    _, probabilities = extractor(crops, with_probabilities=True)
    return probabilities.argmax(axis=1)


def measure(images, extractor=None):
    """Reads the four factors from images in [-1, 1].

    Args:
        images: float array `(n, side, side, 3)` in [-1, 1].
        extractor: a `keras_gan.features.FeatureExtractor` with a classifier
            head, or None for the shipped Fashion-MNIST classifier.

    Returns:
        dict factor -> int array `(n,)` (-1 where the image shows no item).
    """
    images = np.asarray(images, "float32")
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(
            "images must be square RGB, shape (n, side, side, 3). "
            f"Received: images with shape {images.shape}"
        )
    canvas = images.shape[1]
    unit = (images + 1.0) / 2.0
    brightness = unit.max(axis=-1)
    palette = np.array([rgb for _, rgb in data_lib.COLOURS])
    palette = palette / palette.max(axis=1, keepdims=True)
    small, large = data_lib.item_sizes(canvas)
    centres = data_lib.anchors(canvas)
    n = len(images)
    result = {name: np.full(n, -1, "int64") for name in FACTORS}
    boxes = [None] * n
    for i in range(n):
        mask = brightness[i] > MASK_THRESHOLD
        if mask.sum() < 3:
            continue
        ys, xs = np.nonzero(mask)
        boxes[i] = (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
        weight = brightness[i][mask]
        chroma = unit[i][mask] / np.maximum(brightness[i][mask][:, None], 1e-6)
        mean = (chroma * weight[:, None]).sum(0) / weight.sum()
        result["colour"][i] = int(np.argmin(((palette - mean) ** 2).sum(axis=1)))
        extent = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
        size = int(extent > (small + large) / 2.0)
        result["size"][i] = size
        centroid = np.array([(ys * weight).sum(), (xs * weight).sum()]) / weight.sum()
        result["position"][i] = int(np.argmin(((centres[size] - centroid) ** 2).sum(axis=1)))
    found = [i for i in range(n) if boxes[i] is not None]
    if found:
        crops = _crops(unit[found], [boxes[i] for i in found])
        result["item"][found] = classify_items(crops, extractor)
    return result


def factor_accuracy(measured, factors):
    """Per-factor accuracy and the fraction with all four right.

    Args:
        measured: dict from `measure`.
        factors: `data.Factors` the images were asked for.
    """
    hits = {name: measured[name] == np.asarray(getattr(factors, name)) for name in FACTORS}
    scores = {name: float(hit.mean()) for name, hit in hits.items()}
    scores["all"] = float(np.logical_and.reduce([hits[name] for name in FACTORS]).mean())
    return scores


def r_precision(image_embeddings, caption_embeddings, combos, candidates=100, seed=0):
    """Retrieval R-precision (R = 1) in a joint embedding.

    For each image, its own caption and `candidates - 1` captions of the
    pool with *other* factor combinations are ranked by cosine similarity;
    the score is the fraction of images whose own caption ranks first
    (chance: 1 / candidates).

    Args:
        image_embeddings: `(n, d)` array (unit vectors or not).
        caption_embeddings: `(n, d)` array; row i is image i's caption.
        combos: `(n,)` int array of factor-combination ids.
        candidates: int. Defaults to 100.
        seed: int. Seeds the choice of mismatched captions.

    Reference:
        Xu et al., "AttnGAN", CVPR 2018 (R-precision).
    """
    v = np.asarray(image_embeddings, "float64")
    t = np.asarray(caption_embeddings, "float64")
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    t = t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
    combos = np.asarray(combos)
    rng = np.random.default_rng(seed)
    hits = 0
    for i in range(len(v)):
        others = np.flatnonzero(combos != combos[i])
        if len(others) < candidates - 1:
            raise ValueError(
                f"r_precision needs at least {candidates - 1} captions of other factor "
                f"combinations per image; the pool has {len(others)}. Pass more images."
            )
        pool = rng.choice(others, candidates - 1, replace=False)
        scores = t[pool] @ v[i]
        hits += int((t[i] @ v[i]) > scores.max())
    return hits / len(v)
