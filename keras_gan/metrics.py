"""Sample-quality metrics: pure float64 maths on features, plus streaming forms.

The functions take features (or class probabilities) that a network has
already produced, so they are testable without any download. The
`keras.metrics.Metric` classes accumulate the generated side batch by batch in
float64 Keras variables; `update_state` traces in a `tf.function`, `result()`
uses numpy linear algebra and needs eager mode (call it from a callback).
"""

import keras
import numpy as np
from keras import ops

__all__ = [
    "feature_statistics",
    "frechet_distance",
    "kernel_distance",
    "classifier_score",
    "precision_recall",
    "FrechetDistance",
    "ClassifierScore",
    "KernelDistance",
]


def _check_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}. Received: {name}={value!r}")


def _as_array(x, name, shape):
    """Finite float64 copy of `x`; `shape` holds ints, None (any) or "n>=k"."""
    x = np.asarray(x, dtype=np.float64)
    fits = x.ndim == len(shape) and all(
        want is None or (size >= int(want[3:]) if isinstance(want, str) else size == want)
        for size, want in zip(x.shape, shape)
    )
    if not fits:
        want = ", ".join("n" if w is None else str(w) for w in shape)
        raise ValueError(f"{name} must have shape ({want}). Received: {name}.shape={x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite. Received: {name} with NaN or inf")
    return x


def _two_feature_sets(real_features, fake_features, min_rows):
    real = _as_array(real_features, "real_features", (f"n>={min_rows}", None))
    fake = _as_array(fake_features, "fake_features", (f"n>={min_rows}", real.shape[1]))
    return real, fake


def feature_statistics(features):
    """Mean and covariance of a set of feature vectors, in float64.

    Args:
        features: array `(num_samples, dim)` with `num_samples >= 2`.

    Returns:
        `(mu, sigma)`: the mean `(dim,)` and the unbiased (`ddof=1`)
        covariance `(dim, dim)`, rows being samples.
    """
    features = _as_array(features, "features", ("n>=2", None))
    sigma = np.cov(features, rowvar=False, ddof=1)
    return features.mean(axis=0), sigma.reshape(features.shape[1], features.shape[1])


def _trace_sqrt_product(sigma1, sigma2):
    # Tr(sqrtm(s1 s2)) = sum sqrt(eig(sqrt(s1) s2 sqrt(s1))): that matrix is
    # similar to s1 s2 but symmetric PSD, so eigh is stable where a general
    # sqrtm of the non-symmetric product can go complex for singular inputs.
    w, v = np.linalg.eigh(sigma1)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = root1 @ sigma2 @ root1
    return np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2.0), 0.0, None)))


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Fréchet distance between two Gaussians (FID on Inception features).

    `d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`.

    Args:
        mu1: array `(dim,)`. Mean of the first set of features.
        sigma1: array `(dim, dim)`. Covariance of the first set.
        mu2: array `(dim,)`. Mean of the second set.
        sigma2: array `(dim, dim)`. Covariance of the second set.
        eps: float. Added to both diagonals only if the eigendecomposition
            fails to converge. Defaults to 1e-6.

    Returns:
        The squared distance, a Python float clamped to `>= 0`.

    Example:
    >>> x = np.random.default_rng(0).normal(size=(500, 4))
    >>> round(frechet_distance(*feature_statistics(x), *feature_statistics(x + 1)), 6)
    4.0

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge
        to a Local Nash Equilibrium", NeurIPS 2017.
    """
    mu1 = _as_array(mu1, "mu1", (None,))
    dim = mu1.shape[0]
    mu2 = _as_array(mu2, "mu2", (dim,))
    sigma1 = _as_array(sigma1, "sigma1", (dim, dim))
    sigma2 = _as_array(sigma2, "sigma2", (dim, dim))
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0. Received: eps={eps!r}")
    sigma1, sigma2 = (sigma1 + sigma1.T) / 2.0, (sigma2 + sigma2.T) / 2.0
    try:
        trace_covmean = _trace_sqrt_product(sigma1, sigma2)
    except np.linalg.LinAlgError:
        offset = eps * np.eye(dim)
        trace_covmean = _trace_sqrt_product(sigma1 + offset, sigma2 + offset)
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_covmean
    return float(max(value, 0.0))


def kernel_distance(real_features, fake_features, num_subsets=100, subset_size=1000,
                    degree=3, gamma=None, coef0=1, seed=0):
    """Kernel Inception Distance: unbiased MMD^2 with a polynomial kernel.

    `k(x, y) = (gamma x.y + coef0)^degree`. On each random subset of `m` real
    and `m` fake rows (drawn without replacement), `MMD^2 = sum_{i!=j}
    [k(x_i, x_j) + k(y_i, y_j)] / (m(m-1)) - 2 sum_{i,j} k(x_i, y_j) / m^2`.
    Unbiased, so it can be slightly negative for equal distributions.

    Args:
        real_features: array `(n_real, dim)`.
        fake_features: array `(n_fake, dim)`.
        num_subsets: int. Number of random subsets. Defaults to 100.
        subset_size: int. Rows per subset, clipped to `min(n_real, n_fake)`.
            Defaults to 1000.
        degree: int. Kernel degree. Defaults to 3.
        gamma: float. Kernel scale. Defaults to None, meaning `1 / dim`.
        coef0: float. Kernel offset. Defaults to 1.
        seed: int. Seed of the subset sampling. Defaults to 0.

    Returns:
        `(mean, std)` of the per-subset estimates, as Python floats.

    Example:
    >>> x = np.random.default_rng(0).normal(size=(200, 8))
    >>> mean, std = kernel_distance(x[:100], x[100:], num_subsets=10, subset_size=50)

    Reference:
        Binkowski et al., "Demystifying MMD GANs", ICLR 2018.
    """
    real, fake = _two_feature_sets(real_features, fake_features, min_rows=2)
    _check_int(num_subsets, "num_subsets")
    _check_int(subset_size, "subset_size", minimum=2)
    _check_int(degree, "degree")
    if gamma is not None and not gamma > 0:
        raise ValueError(f"gamma must be > 0 or None. Received: gamma={gamma!r}")
    gamma = 1.0 / real.shape[1] if gamma is None else float(gamma)
    m = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    for s in range(num_subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        k_xx = (gamma * (x @ x.T) + coef0) ** degree
        k_yy = (gamma * (y @ y.T) + coef0) ** degree
        k_xy = (gamma * (x @ y.T) + coef0) ** degree
        within = k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)
        estimates[s] = within / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m)
    return float(estimates.mean()), float(estimates.std())


def _xlogy(x, y):
    # x log y with the convention 0 log 0 = 0.
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def classifier_score(probabilities, splits=10):
    """Inception Score `exp(E_x KL(p(y|x) || p(y)))`, averaged over splits.

    Args:
        probabilities: array `(num_samples, num_classes)` of class
            probabilities, e.g. a softmax output; rows must sum to 1.
        splits: int. The rows are cut into this many consecutive parts, each
            with its own marginal `p(y)`. Defaults to 10.

    Returns:
        `(mean, std)` of the per-split scores, each in `[1, num_classes]`.

    Example:
    >>> round(classifier_score(np.eye(4), splits=1)[0], 6)
    4.0

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.
    """
    p = _as_array(probabilities, "probabilities", ("n>=1", None))
    sums = p.sum(axis=1)
    if np.any(p < 0) or not np.allclose(sums, 1.0, atol=1e-3):
        raise ValueError(
            "probabilities must be non-negative with rows summing to 1 (apply a softmax "
            f"to logits). Received: row sums in [{sums.min():.4g}, {sums.max():.4g}]"
        )
    _check_int(splits, "splits")
    if splits > len(p):
        raise ValueError(f"splits must be <= {len(p)}, the number of rows. Received: splits={splits}")
    scores = []
    for part in np.array_split(p, splits):
        kl = np.sum(_xlogy(part, part) - _xlogy(part, part.mean(axis=0)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


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
    _check_int(k, "k")
    _check_int(batch_size, "batch_size")
    real, fake = _two_feature_sets(real_features, fake_features, min_rows=k + 1)
    real_radii = _knn_squared_radii(real, k, batch_size)
    fake_radii = _knn_squared_radii(fake, k, batch_size)
    precision = _share_inside(fake, real, real_radii, batch_size)
    recall = _share_inside(real, fake, fake_radii, batch_size)
    return precision, recall


# === Streaming metrics ===


class _StreamingMetric(keras.metrics.Metric):
    """float64 state; `result()` maps the variables, as numpy, to a value.

    The first variable is the row count; `result()` is NaN below `min_count`.
    """

    min_count = 1
    config_names = ()

    def __init__(self, name, **kwargs):
        kwargs.setdefault("dtype", "float64")
        super().__init__(name=name, **kwargs)

    def _zeros(self, name, shape=(), dtype="float64", aggregation="sum"):
        return self.add_variable(shape, "zeros", dtype=dtype, aggregation=aggregation, name=name)

    def _batch(self, x, dim, name="features"):
        x = ops.cast(ops.convert_to_tensor(x), "float64")
        if len(x.shape) != 2 or x.shape[1] not in (None, dim):
            raise ValueError(
                f"{name} must have shape (batch, {dim}). Received: {name} with shape "
                f"{tuple(x.shape)}"
            )
        return x

    def result(self):
        import tensorflow as tf

        if not tf.executing_eagerly():
            raise RuntimeError(
                f"{type(self).__name__}.result() uses numpy linear algebra and needs eager "
                "mode: call it from a callback or after evaluation, not in a compiled step."
            )
        values = [np.asarray(ops.convert_to_numpy(v), np.float64) for v in self.variables]
        value = self._value(*values) if values[0] >= self.min_count else np.nan
        return ops.convert_to_tensor(value, dtype="float64")

    # === Config ===
    def get_config(self):
        config = super().get_config()
        for name in self.config_names:
            value = getattr(self, name)
            config[name] = value.tolist() if isinstance(value, np.ndarray) else value
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class FrechetDistance(_StreamingMetric):
    """Streaming Fréchet distance of generated features to reference statistics.

    The count, sum and sum of outer products of the generated features are
    float64 variables (additive, so replicas merge by summing); `result()` is
    `frechet_distance` of their mean and covariance against the reference,
    NaN before two rows have been seen.

    Args:
        reference_mu: array `(dim,)`. Mean of the reference features.
        reference_sigma: array `(dim, dim)`. Their covariance.
        name: str. Defaults to "fid".

    Example:
    >>> ref = np.random.default_rng(0).normal(size=(100, 4))
    >>> fid = FrechetDistance(*feature_statistics(ref))
    >>> fid.update_state(ref[:30]); fid.update_state(ref[30:])
    >>> float(fid.result()) < 1e-9
    True

    Reference:
        Heusel et al., NeurIPS 2017 (see `frechet_distance`).
    """

    min_count = 2
    config_names = ("reference_mu", "reference_sigma")

    def __init__(self, reference_mu, reference_sigma, name="fid", **kwargs):
        super().__init__(name=name, **kwargs)
        self.reference_mu = _as_array(reference_mu, "reference_mu", (None,))
        dim = len(self.reference_mu)
        self.reference_sigma = _as_array(reference_sigma, "reference_sigma", (dim, dim))
        self.count = self._zeros("count")
        self.sum = self._zeros("sum", (dim,))
        self.outer = self._zeros("outer", (dim, dim))

    def update_state(self, features):
        features = self._batch(features, len(self.reference_mu))
        self.count.assign_add(ops.cast(ops.shape(features)[0], "float64"))
        self.sum.assign_add(ops.sum(features, axis=0))
        self.outer.assign_add(ops.matmul(ops.transpose(features), features))

    def _value(self, n, total, outer):
        mu = total / n
        sigma = (outer - n * np.outer(mu, mu)) / (n - 1)
        return frechet_distance(mu, sigma, self.reference_mu, self.reference_sigma)


@keras.saving.register_keras_serializable(package="keras_gan")
class ClassifierScore(_StreamingMetric):
    """Streaming Inception Score over all rows seen (a single split).

    Exact streaming form `IS = exp(mean_x sum_y p log p - sum_y pbar log pbar)`,
    `pbar` the mean of `p(y|x)`, from float64 running sums of `p(y|x)` and of
    `sum_y p log p`, and the count. Rows are not checked to sum to 1 here
    (that would not trace); `classifier_score` checks them.

    Args:
        num_classes: int. Width of the probability vectors.
        name: str. Defaults to "is".

    Example:
    >>> score = ClassifierScore(num_classes=3)
    >>> score.update_state(np.eye(3))
    >>> round(float(score.result()), 6)
    3.0

    Reference:
        Salimans et al., NeurIPS 2016 (see `classifier_score`).
    """

    config_names = ("num_classes",)

    def __init__(self, num_classes, name="is", **kwargs):
        _check_int(num_classes, "num_classes")
        super().__init__(name=name, **kwargs)
        self.num_classes = int(num_classes)
        self.count = self._zeros("count")
        self.sum_p = self._zeros("sum_p", (self.num_classes,))
        self.sum_plogp = self._zeros("sum_plogp")

    def update_state(self, probabilities):
        p = self._batch(probabilities, self.num_classes, "probabilities")
        plogp = ops.where(p > 0, p * ops.log(ops.where(p > 0, p, 1.0)), 0.0)
        self.count.assign_add(ops.cast(ops.shape(p)[0], "float64"))
        self.sum_p.assign_add(ops.sum(p, axis=0))
        self.sum_plogp.assign_add(ops.sum(plogp))

    def _value(self, n, sum_p, sum_plogp):
        p_bar = sum_p / n
        return np.exp(sum_plogp / n - np.sum(_xlogy(p_bar, p_bar)))


@keras.saving.register_keras_serializable(package="keras_gan")
class KernelDistance(_StreamingMetric):
    """Streaming Kernel Inception Distance against fixed reference features.

    KID has no additive statistics, so generated features go to a bounded
    float64 buffer holding the first `max_samples` rows seen, in order; later
    rows are dropped until `reset_state()`. `result()` is the mean of
    `kernel_distance(reference_features, buffer)`, NaN before two rows.

    Args:
        reference_features: array `(n_ref, dim)`.
        max_samples: int. Buffer rows (`8 * max_samples * dim` bytes).
            Defaults to 2000.
        num_subsets: int. See `kernel_distance`. Defaults to 100.
        subset_size: int. See `kernel_distance`. Defaults to 1000.
        seed: int. See `kernel_distance`. Defaults to 0.
        name: str. Defaults to "kid".

    Example:
    >>> ref = np.random.default_rng(0).normal(size=(100, 4))
    >>> kid = KernelDistance(ref, max_samples=50, num_subsets=5, subset_size=20)
    >>> kid.update_state(ref[::-1] + 1.0)
    >>> float(kid.result()) > 0
    True

    Reference:
        Binkowski et al., ICLR 2018 (see `kernel_distance`).
    """

    min_count = 2
    config_names = ("reference_features", "max_samples", "num_subsets", "subset_size", "seed")

    def __init__(self, reference_features, max_samples=2000, num_subsets=100,
                 subset_size=1000, seed=0, name="kid", **kwargs):
        _check_int(max_samples, "max_samples", minimum=2)
        _check_int(num_subsets, "num_subsets")
        _check_int(subset_size, "subset_size", minimum=2)
        super().__init__(name=name, **kwargs)
        self.reference_features = _as_array(
            reference_features, "reference_features", ("n>=2", None)
        )
        self.max_samples = int(max_samples)
        self.num_subsets = int(num_subsets)
        self.subset_size = int(subset_size)
        self.seed = seed
        # A buffer cannot be merged across replicas by summing: keep the first's.
        self.count = self._zeros("count", dtype="int32", aggregation="only_first_replica")
        self.buffer = self._zeros(
            "buffer", (self.max_samples, self.reference_features.shape[1]),
            aggregation="only_first_replica",
        )

    def update_state(self, features):
        features = self._batch(features, self.reference_features.shape[1])
        n = self.count.value
        take = ops.minimum(self.max_samples - n, ops.shape(features)[0])
        self.buffer.assign(ops.slice_update(self.buffer, (n, 0), features[:take]))
        self.count.assign(n + take)

    def _value(self, n, buffer):
        return kernel_distance(
            self.reference_features, buffer[: int(n)], self.num_subsets,
            self.subset_size, seed=self.seed,
        )[0]
