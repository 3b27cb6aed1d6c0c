"""Improved precision and recall (k-nearest-neighbour manifolds), in float64."""

import numpy as np

from keras_gan.metrics.checks import check_int
from keras_gan.metrics.checks import two_feature_sets

__all__ = ["precision_recall"]


def _blocks(n, batch_size):
    return [slice(i, i + batch_size) for i in range(0, n, batch_size)]


def _squared_distances(a, b):
    d = a @ b.T
    d *= -2.0
    d += np.einsum("ij,ij->i", a, a)[:, None]
    d += np.einsum("ij,ij->i", b, b)[None, :]
    return np.maximum(d, 0.0, out=d)


def _knn_squared_radii(x, k, batch_size):
    # The k-th neighbour other than the point itself is the (k+1)-th smallest
    # distance, self (0) being the first. A running k+1 smallest per row
    # keeps memory at one block.
    radii = np.empty(len(x))
    for rows in _blocks(len(x), batch_size):
        best = np.empty((len(x[rows]), 0))
        for cols in _blocks(len(x), batch_size):
            d = np.concatenate([best, _squared_distances(x[rows], x[cols])], axis=1)
            keep = min(k + 1, d.shape[1])
            best = np.partition(d, keep - 1, axis=1)[:, :keep]
        radii[rows] = np.partition(best, k, axis=1)[:, k]
    return radii


def _share_inside(points, centres, squared_radii, batch_size):
    inside = np.zeros(len(points), dtype=bool)
    for rows in _blocks(len(points), batch_size):
        for cols in _blocks(len(centres), batch_size):
            d = _squared_distances(points[rows], centres[cols])
            inside[rows] |= np.any(d <= squared_radii[None, cols], axis=1)
    return float(inside.mean())


def precision_recall(real_features, fake_features, k=3, batch_size=10000):
    """Improved precision and recall from k-nearest-neighbour hyperspheres.

    Each real point gets a ball reaching its k-th nearest real neighbour; the
    union of the balls estimates the real manifold. Precision (fidelity) is
    the share of fake points inside at least one real ball; recall
    (coverage) is the share of real points inside the fake manifold, built
    the same way.

    Args:
        real_features: array `(n_real, dim)` with `n_real > k`.
        fake_features: array `(n_fake, dim)` with `n_fake > k`.
        k: int. Neighbourhood size. Defaults to 3.
        batch_size: int. Distances are computed in `batch_size x batch_size`
            blocks of `8 * batch_size^2` bytes. Defaults to 10000.

    Returns:
        `(precision, recall)`, Python floats in `[0, 1]`.

    Example:
    >>> x = np.random.default_rng(0).normal(size=(100, 2))
    >>> precision_recall(x, x + 100.0)
    (0.0, 0.0)

    Reference:
        Kynkäänniemi et al., "Improved Precision and Recall Metric for
        Assessing Generative Models", NeurIPS 2019.
    """
    check_int(k, "k")
    check_int(batch_size, "batch_size")
    real, fake = two_feature_sets(real_features, fake_features, min_rows=k + 1)
    real_radii = _knn_squared_radii(real, k, batch_size)
    fake_radii = _knn_squared_radii(fake, k, batch_size)
    precision = _share_inside(fake, real, real_radii, batch_size)
    recall = _share_inside(real, fake, fake_radii, batch_size)
    return precision, recall
