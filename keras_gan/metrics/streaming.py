"""The metrics as `keras.metrics.Metric` classes that accumulate the generated
side batch by batch in float64 variables."""

import keras
import numpy as np
from keras import ops

from keras_gan.metrics.checks import as_array
from keras_gan.metrics.checks import check_int
from keras_gan.metrics.distances import frechet_distance
from keras_gan.metrics.distances import kernel_distance
from keras_gan.metrics.distances import xlogy

__all__ = ["ClassifierScore", "FrechetDistance", "KernelDistance"]


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
    >>> from keras_gan.metrics import feature_statistics
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
        self.reference_mu = as_array(reference_mu, "reference_mu", (None,))
        dim = len(self.reference_mu)
        self.reference_sigma = as_array(reference_sigma, "reference_sigma", (dim, dim))
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
        check_int(num_classes, "num_classes")
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
        return np.exp(sum_plogp / n - np.sum(xlogy(p_bar, p_bar)))


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
        check_int(max_samples, "max_samples", minimum=2)
        check_int(num_subsets, "num_subsets")
        check_int(subset_size, "subset_size", minimum=2)
        super().__init__(name=name, **kwargs)
        self.reference_features = as_array(
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
