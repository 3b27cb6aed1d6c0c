"""2-D toy data (mixtures of Gaussians) and a mode-coverage metric.

The mixture of 8 Gaussians on a circle is the test of Metz et al. for mode
collapse: a collapsing GAN covers one or a few modes at a time; a good one
covers all 8 with samples close to the modes.

Example:
>>> modes = ring_modes(8, radius=2.0)
>>> points = sample_mixture(modes, 1000, std=0.02, seed=0)
>>> mode_coverage(points, modes, std=0.02)["modes_covered"]
8
"""

import numpy as np
import tensorflow as tf

__all__ = ["ring_modes", "grid_modes", "sample_mixture", "dataset", "mode_coverage"]


def ring_modes(num_modes=8, radius=2.0):
    """`num_modes` centres evenly spaced on a circle, shape `(num_modes, 2)`."""
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype("float32")


def grid_modes(side=5, spacing=2.0):
    """`side x side` centres on a square grid centred at 0, `(side**2, 2)`."""
    axis = (np.arange(side) - (side - 1) / 2) * spacing
    xs, ys = np.meshgrid(axis, axis)
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype("float32")


def sample_mixture(modes, num, std=0.02, seed=None):
    """`num` points from the equal-weight mixture of N(mode, std^2 I)."""
    rng = np.random.default_rng(seed)
    modes = np.asarray(modes, "float32")
    which = rng.integers(0, len(modes), num)
    return (modes[which] + std * rng.standard_normal((num, modes.shape[1]))).astype("float32")


def dataset(modes, batch_size=512, std=0.02, seed=0, num=100_000):
    """A shuffled, repeated `tf.data.Dataset` of mixture points."""
    points = sample_mixture(modes, num, std, seed)
    return (
        tf.data.Dataset.from_tensor_slices(points)
        .shuffle(num, seed=seed)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def mode_coverage(samples, modes, std=0.02, radius=3.0, min_share=0.25):
    """How many modes the samples cover and how many samples are good.

    A sample is *high quality* when it lies within `radius` standard
    deviations of its nearest mode (as in VEEGAN's and the PacGAN papers'
    evaluations). A mode is *covered* when it holds at least `min_share` of
    its fair share of the samples (`len(samples) / len(modes)`) among the
    high-quality ones, so a handful of stray points does not count as a mode.

    Returns:
        dict: `modes_covered` (int), `num_modes`, `coverage` (share of modes
        covered), `high_quality` (share of high-quality samples) and
        `per_mode` (high-quality sample count of each mode).
    """
    samples = np.asarray(samples, "float64")
    modes = np.asarray(modes, "float64")
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= radius * std
    per_mode = np.bincount(nearest[good], minlength=len(modes))
    covered = int((per_mode >= min_share * len(samples) / len(modes)).sum())
    return {
        "modes_covered": covered,
        "num_modes": len(modes),
        "coverage": covered / len(modes),
        "high_quality": float(good.mean()),
        "per_mode": per_mode.tolist(),
    }
