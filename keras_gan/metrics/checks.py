"""Argument checks of the metric functions: ints, and finite float64 arrays
of the expected shape."""

import numpy as np

__all__ = ["as_array", "check_int", "two_feature_sets"]


def check_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}. Received: {name}={value!r}")


def as_array(x, name, shape):
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


def two_feature_sets(real_features, fake_features, min_rows):
    real = as_array(real_features, "real_features", (f"n>={min_rows}", None))
    fake = as_array(fake_features, "fake_features", (f"n>={min_rows}", real.shape[1]))
    return real, fake
