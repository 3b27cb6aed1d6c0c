"""Evaluating a generator against real data: FID, KID, classifier score,
precision and recall, with cached statistics of the real side.

    reference = reference_statistics("fashion_mnist")      # cached after the first call
    scores = evaluate(gan, reference, num_samples=10000)    # {"fid": ..., "kid": ..., ...}

The real side's statistics are cached per (dataset, split, extractor weights)
under `$KERAS_GAN_CACHE` (default `~/.cache/keras_gan`), so evaluating a run
costs only the generated side.
"""

import contextlib
import dataclasses
import fcntl
import os
import re

import numpy as np

from keras_gan import features as features_lib
from keras_gan import metrics

__all__ = [
    "ReferenceStatistics",
    "reference_statistics",
    "features_of",
    "compare",
    "evaluate",
    "diversity",
    "class_report",
    "label_report",
    "asked_labels",
]

# Real features kept for KID and precision/recall (the Fréchet statistics
# use every real image).
MAX_REFERENCE_FEATURES = 10000


@dataclasses.dataclass
class ReferenceStatistics:
    """Statistics of real data in one extractor's feature space."""

    mu: np.ndarray
    sigma: np.ndarray
    features: np.ndarray
    num_images: int
    extractor: str
    source: str = ""
    # Share of the real images the extractor's classifier puts in each class
    # (None for extractors without a classifier head).
    class_shares: np.ndarray | None = None

    def save(self, path):
        tmp = f"{path}.{os.getpid()}.tmp.npz"  # Concurrent writers never share one.
        extra = {} if self.class_shares is None else {"class_shares": self.class_shares}
        np.savez(tmp, mu=self.mu, sigma=self.sigma, features=self.features,
                 num_images=self.num_images, extractor=self.extractor, source=self.source,
                 **extra)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path):
        with np.load(path) as f:
            return cls(f["mu"], f["sigma"], f["features"], int(f["num_images"]),
                       str(f["extractor"]), str(f["source"]),
                       f["class_shares"] if "class_shares" in f else None)


def _cache_dir():
    return os.environ.get("KERAS_GAN_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "keras_gan"))


@contextlib.contextmanager
def _cache_lock(path):
    """Holds an exclusive lock on `path` + ".lock" (blocking), so two
    processes wanting the same statistics compute them once."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _chunks(num_samples, batch_size=500):
    """The sizes of the chunks a model's samples are drawn in."""
    return [min(batch_size, num_samples - start) for start in range(0, num_samples, batch_size)]


def _images_of(source, num_samples, seed, batch_size=500):
    """Yields float32 image batches in [-1, 1] from a model, array or dataset."""
    if hasattr(source, "generate"):
        for i, count in enumerate(_chunks(num_samples, batch_size)):
            # One seed per chunk keeps the draw deterministic and bounded in memory.
            yield source.generate(count, seed=seed * 100003 + i)
        return
    if isinstance(source, np.ndarray):
        for start in range(0, min(len(source), num_samples), batch_size):
            yield source[start : min(start + batch_size, num_samples)]
        return
    seen = 0
    for batch in source:
        images = batch[0] if isinstance(batch, (tuple, list)) else batch
        images = np.asarray(images, "float32")[: num_samples - seen]
        seen += len(images)
        yield images
        if seen >= num_samples:
            return


def features_of(source, extractor="fashion_mnist", num_samples=10000, seed=0):
    """Features (and probabilities, when the extractor has a head) of images.

    Args:
        source: a keras_gan model (its samples), a numpy array of images in
            [-1, 1], or a tf.data.Dataset of image batches (or (images,
            labels) batches).
        extractor: str, keras.Model or FeatureExtractor.
        num_samples: int. At most this many images.
        seed: int. Seed of the generated samples.

    Returns:
        `(features, probabilities_or_None)` as float64 arrays.
    """
    extractor = features_lib.load_extractor(extractor)
    feats, probs = [], []
    for images in _images_of(source, num_samples, seed):
        if extractor.has_probabilities:
            f, p = extractor(images, with_probabilities=True)
            probs.append(p)
        else:
            f = extractor(images)
        feats.append(f)
    if not feats:
        raise ValueError("No images to evaluate: the source gave an empty batch.")
    return np.concatenate(feats), (np.concatenate(probs) if probs else None)


def reference_statistics(dataset="fashion_mnist", split="train", extractor="fashion_mnist",
                         data_dir=None, num_samples=None, cache=True):
    """Statistics of a real dataset, computed once and cached.

    Args:
        dataset: str or array. A `data.load` name or folder, or a numpy array
            of images in [-1, 1] (not cached).
        split: str. Dataset split. Defaults to "train".
        extractor: str, keras.Model or FeatureExtractor.
        data_dir: str or None. Passed to `data.load`.
        num_samples: int or None. Real images used; None: the whole split.
        cache: bool. Read and write the cache (under $KERAS_GAN_CACHE, by
            default ~/.cache/keras_gan). Defaults to True. Two processes
            asking for the same statistics at once compute them once: the
            second waits for the first and reads its file.
    """
    extractor = features_lib.load_extractor(extractor)
    if not (isinstance(dataset, str) and cache):
        return _reference_statistics(dataset, split, extractor, data_dir, num_samples)
    name = re.sub(r"[^\w.-]+", "_", f"{dataset}-{split}-{num_samples or 'all'}")
    path = os.path.join(_cache_dir(), "reference", f"{name}-{extractor.fingerprint()}.npz")
    if os.path.exists(path):
        return ReferenceStatistics.load(path)
    with _cache_lock(path):  # Another process may be computing them now.
        if os.path.exists(path):
            return ReferenceStatistics.load(path)
        stats = _reference_statistics(dataset, split, extractor, data_dir, num_samples)
        stats.save(path)
    return stats


def _reference_statistics(dataset, split, extractor, data_dir, num_samples):
    from keras_gan import data

    if isinstance(dataset, str):
        source = data.load(dataset, split=split, batch_size=500, data_dir=data_dir,
                           shuffle=False, drop_remainder=False,
                           image_size=extractor.image_shape[:2]
                           if extractor.preprocess is None else None)
    else:
        source = np.asarray(dataset, "float32")
    feats, probs = features_of(source, extractor, num_samples or 10**9)
    mu, sigma = metrics.feature_statistics(feats)
    keep = np.random.default_rng(0).permutation(len(feats))[:MAX_REFERENCE_FEATURES]
    stats = ReferenceStatistics(mu, sigma, feats[np.sort(keep)], len(feats),
                                extractor.fingerprint(), str(dataset if isinstance(dataset, str) else "array"),
                                None if probs is None else _shares(probs))
    return stats


def _shares(probabilities):
    # Hard class decisions, as a person sorting the images would make them.
    probabilities = np.asarray(probabilities)
    counts = np.bincount(np.argmax(probabilities, axis=1), minlength=probabilities.shape[1])
    return counts / counts.sum()


def class_report(probabilities, real_shares):
    """How the generated images spread over the classes, against real data.

    Each image counts for the class the judge's classifier gives it the
    highest probability. Collapse onto some classes, or a class never drawn,
    shows here even when FID looks good.

    Args:
        probabilities: array `(n, classes)`. The classifier's output on the
            generated images.
        real_shares: array `(classes,)`. The share of each class among real
            images under the same classifier.

    Returns:
        dict with `class_shares` (list, generated), `real_class_shares`
        (list), `class_kl` (KL(real || generated) in nats; the generated
        counts get half a count each so an empty class gives a large, finite
        value) and `min_class_share` (the smallest generated share).
    """
    probabilities = np.asarray(probabilities, "float64")
    real = np.asarray(real_shares, "float64")
    if probabilities.ndim != 2 or probabilities.shape[1] != len(real):
        raise ValueError(
            f"probabilities must have shape (n, {len(real)}) to match real_shares. "
            f"Received shape {probabilities.shape}"
        )
    counts = np.bincount(np.argmax(probabilities, axis=1), minlength=len(real))
    shares = counts / counts.sum()
    smoothed = (counts + 0.5) / (counts.sum() + 0.5 * len(real))
    inside = real > 0
    kl = float(np.sum(real[inside] * np.log(real[inside] / smoothed[inside])))
    return {
        "class_shares": [round(float(v), 4) for v in shares],
        "real_class_shares": [round(float(v), 4) for v in real],
        "class_kl": kl,
        "min_class_share": float(shares.min()),
    }


def asked_labels(source, num_samples):
    """The classes a class-conditional model is asked for when `evaluate`
    draws `num_samples` of its samples (its `default_labels`, chunk by
    chunk), or None for any other source."""
    if not hasattr(source, "generate") or getattr(source, "num_classes", None) is None:
        return None
    return np.concatenate([source.default_labels(n) for n in _chunks(num_samples)])


def label_report(probabilities, labels):
    """How often a conditional generator draws the class it is asked for.

    Each image counts as agreeing when the judge's classifier gives the
    asked class the highest probability. Chance is one over the number of
    classes; real test images reach the classifier's test accuracy (0.93
    for the shipped Fashion-MNIST judge). A generator that ignores its label
    can still score well on FID and the class report, but not here.

    Args:
        probabilities: array `(n, classes)`. The classifier's output on the
            generated images.
        labels: int array `(n,)`. The class each image was generated for.

    Returns:
        dict with `label_agreement` (the fraction of all images),
        `label_agreement_per_class` (list, by asked class; NaN for a class
        never asked) and `label_agreement_min` (the worst asked class).
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if probabilities.ndim != 2 or labels.shape != (len(probabilities),):
        raise ValueError(
            f"labels must have shape ({len(probabilities)},), one per row of probabilities. "
            f"Received: probabilities {probabilities.shape}, labels {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ValueError(
            f"labels must lie in [0, {probabilities.shape[1]}), the classifier's classes. "
            f"Received: labels from {labels.min()} to {labels.max()}"
        )
    hits = np.argmax(probabilities, axis=1) == labels
    per_class = [float(hits[labels == c].mean()) if np.any(labels == c) else float("nan")
                 for c in range(probabilities.shape[1])]
    return {
        "label_agreement": float(hits.mean()),
        "label_agreement_per_class": [round(v, 4) for v in per_class],
        "label_agreement_min": float(np.nanmin(per_class)),
    }


def compare(fake_features, reference, probabilities=None, kid_subsets=50, labels=None):
    """Metrics of generated features against reference statistics.

    Args:
        labels: int array or None. The classes a conditional generator was
            asked for, one per image; with `probabilities` from a classifier
            of the reference's domain (the reference has class shares), adds
            the `label_report`.

    Returns:
        dict with `fid`, `kid` (and `kid_std`), `precision`, `recall`, and,
        when `probabilities` are given, `is` (and `is_std`) and the
        `class_report` (when the reference has class shares).
    """
    mu, sigma = metrics.feature_statistics(fake_features)
    scores = {"fid": metrics.frechet_distance(reference.mu, reference.sigma, mu, sigma)}
    subset = min(1000, len(fake_features), len(reference.features))
    scores["kid"], scores["kid_std"] = metrics.kernel_distance(
        reference.features, fake_features, num_subsets=kid_subsets, subset_size=subset
    )
    n = min(len(fake_features), len(reference.features))
    # Equal set sizes, as in Kynkaanniemi et al.; blocks of 2500 keep the
    # distance matrices near 50 MB.
    scores["precision"], scores["recall"] = metrics.precision_recall(
        reference.features[:n], fake_features[:n], batch_size=2500
    )
    if probabilities is not None:
        scores["is"], scores["is_std"] = metrics.classifier_score(
            probabilities, splits=10 if len(probabilities) >= 1000 else 1
        )
    scores = {k: float(v) for k, v in scores.items()}
    if probabilities is not None and reference.class_shares is not None:
        scores.update(class_report(probabilities, reference.class_shares))
        if labels is not None and np.max(labels) < probabilities.shape[1]:
            scores.update(label_report(probabilities, labels))
    return scores


def evaluate(source, reference=None, extractor="fashion_mnist", num_samples=10000, seed=0):
    """Scores a generator (or a set of images) against real data.

    Args:
        source: a keras_gan model, an array of images in [-1, 1], or a dataset.
        reference: ReferenceStatistics or None (Fashion-MNIST train).
        extractor: str, keras.Model or FeatureExtractor; must match the one
            the reference was computed with.
        num_samples: int. Generated (or given) images to score.
        seed: int. Seed of the generated samples.

    Example:
    >>> # evaluate(gan, reference_statistics("fashion_mnist"), num_samples=5000)
    """
    extractor = features_lib.load_extractor(extractor)
    if reference is None:
        reference = reference_statistics(extractor=extractor)
    if reference.extractor != extractor.fingerprint():
        raise ValueError(
            f"The reference statistics were computed with {reference.extractor} but "
            f"the extractor is {extractor.fingerprint()}; compute the reference with "
            "the same extractor."
        )
    feats, probs = features_of(source, extractor, num_samples, seed)
    labels = asked_labels(source, num_samples)
    return compare(feats, reference, probs, labels=None if labels is None else labels[:len(feats)])


def diversity(features):
    """Mean pairwise Euclidean distance of a set of feature vectors (or images).

    Low values for generated samples, compared with the same measure on real
    data, are the signature of mode collapse.
    """
    x = np.asarray(features, "float64").reshape(len(features), -1)
    squares = np.sum(x * x, axis=1)
    d2 = np.maximum(squares[:, None] + squares[None, :] - 2 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sqrt(d2).sum() / (n * (n - 1)))
