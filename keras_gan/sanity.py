"""Known disturbances of real images, for checking that a judge sees what people see.

A feature network is fit to judge generated images only if its distances grow
with every flaw a person would notice. Heusel et al. (2017, Fig. A1) test FID
with Gaussian noise, Gaussian blur, implanted black rectangles, swirl and
salt-and-pepper noise at rising levels; a globally pooled embedding also has
to face what it cannot see by construction (patches of an image shuffled,
elastic warps), and every judge has to show diversity failures (a class
dropped, three classes only, a few images duplicated). `suite` yields them
all; `bench/judge_sanity.py` scores every candidate network on it.

Images are float arrays `(n, h, w, c)` in [-1, 1] with background -1, as
`keras_gan.data.load` gives them.

Reference:
    Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to
    a Local Nash Equilibrium", NeurIPS 2017, appendix A1.
"""

import numpy as np
from scipy import ndimage

__all__ = [
    "gaussian_noise",
    "gaussian_blur",
    "black_rectangles",
    "swirl",
    "salt_and_pepper",
    "shuffle_patches",
    "elastic_warp",
    "drop_class",
    "only_classes",
    "duplicates",
    "DISTURBANCES",
    "suite",
]


def _check(images):
    images = np.asarray(images, "float32")
    if images.ndim != 4:
        raise ValueError(
            f"images must be a (n, height, width, channels) array. Received shape {images.shape}"
        )
    return images


def gaussian_noise(images, sigma, rng):
    """Adds N(0, sigma^2) noise (in the [-1, 1] scale) and clips."""
    images = _check(images)
    return np.clip(images + rng.normal(0.0, sigma, images.shape), -1, 1).astype("float32")


def gaussian_blur(images, sigma, rng=None):
    """Blurs each image with a Gaussian kernel of `sigma` pixels."""
    images = _check(images)
    return ndimage.gaussian_filter(images, sigma=(0, sigma, sigma, 0), mode="nearest")


def black_rectangles(images, count, rng, size=None):
    """Sets `count` random rectangles (a quarter of the side each) to black."""
    images = _check(images).copy()
    n, h, w, _ = images.shape
    size = size or (h // 4, w // 4)
    for _ in range(count):
        top = rng.integers(0, h - size[0] + 1, n)
        left = rng.integers(0, w - size[1] + 1, n)
        rows = top[:, None] + np.arange(size[0])
        cols = left[:, None] + np.arange(size[1])
        images[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]] = -1.0
    return images


def _warp(images, rows, cols):
    # Resamples every image at the (rows, cols) grid (bilinear, background fill).
    out = np.empty_like(images)
    for i in range(len(images)):
        for c in range(images.shape[-1]):
            r = rows if rows.ndim == 2 else rows[i]
            q = cols if cols.ndim == 2 else cols[i]
            out[i, :, :, c] = ndimage.map_coordinates(
                images[i, :, :, c], [r, q], order=1, mode="constant", cval=-1.0)
    return out


def swirl(images, strength, rng=None, radius=None):
    """The swirl of Heusel et al.: rotation that grows towards the centre.

    A pixel at distance d from the centre turns by
    `strength * 2 ** (-d / radius)` radians: `strength` at the centre, half of
    it at `radius` (half the image side by default).
    """
    images = _check(images)
    _, h, w, _ = images.shape
    radius = radius or min(h, w) / 2
    y, x = np.mgrid[0:h, 0:w].astype("float64")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    d = np.hypot(y - cy, x - cx)
    theta = strength * np.exp(-d / (radius / np.log(2))) + np.arctan2(y - cy, x - cx)
    return _warp(images, cy + d * np.sin(theta), cx + d * np.cos(theta))


def salt_and_pepper(images, fraction, rng):
    """Sets a `fraction` of the pixels to white or black, half each."""
    images = _check(images).copy()
    hit = rng.random(images.shape[:3]) < fraction
    salt = rng.random(images.shape[:3]) < 0.5
    images[hit & salt] = 1.0
    images[hit & ~salt] = -1.0
    return images


def shuffle_patches(images, grid, rng):
    """Cuts each image into a grid x grid mosaic and shuffles its tiles.

    The local statistics stay exactly those of real images; only the layout
    is broken, which an embedding pooled over space cannot see.
    """
    images = _check(images)
    n, h, w, c = images.shape
    if h % grid or w % grid:
        raise ValueError(f"grid must divide the image size {h}x{w}. Received: grid={grid}")
    ph, pw = h // grid, w // grid
    tiles = images.reshape(n, grid, ph, grid, pw, c).transpose(0, 1, 3, 2, 4, 5)
    tiles = tiles.reshape(n, grid * grid, ph, pw, c)
    order = np.argsort(rng.random((n, grid * grid)), axis=1)
    tiles = tiles[np.arange(n)[:, None], order]
    tiles = tiles.reshape(n, grid, grid, ph, pw, c).transpose(0, 1, 3, 2, 4, 5)
    return np.ascontiguousarray(tiles.reshape(n, h, w, c))


def elastic_warp(images, alpha, rng, sigma=4.0):
    """Simard et al.'s elastic distortion: a uniform random displacement field
    in [-1, 1], smoothed by a Gaussian of `sigma` pixels and scaled by `alpha`
    (Simard et al. 2003 use sigma 4 and alpha 34 on 28x28 digits; the smoothing
    shrinks the field, so alpha is far larger than the pixels it moves)."""
    images = _check(images)
    n, h, w, _ = images.shape
    fields = rng.uniform(-1, 1, (2, n, h, w))
    fields = ndimage.gaussian_filter(fields, sigma=(0, 0, sigma, sigma)) * alpha
    y, x = np.mgrid[0:h, 0:w].astype("float64")
    return _warp(images, y[None] + fields[0], x[None] + fields[1])


def drop_class(images, labels, rng, cls=0):
    """Replaces every image of class `cls` by images of the other classes."""
    images, labels = _check(images), np.asarray(labels)
    keep = np.flatnonzero(labels != cls)
    return images[rng.choice(keep, len(images), replace=len(keep) < len(images))]


def only_classes(images, labels, rng, classes=(0, 1, 2)):
    """A set of the same size drawn from `classes` alone."""
    images, labels = _check(images), np.asarray(labels)
    keep = np.flatnonzero(np.isin(labels, classes))
    return images[rng.choice(keep, len(images), replace=len(keep) < len(images))]


def duplicates(images, unique, rng):
    """A set of the same size made of `unique` distinct images, repeated."""
    images = _check(images)
    unique = min(unique, len(images))
    pick = rng.choice(len(images), unique, replace=False)
    return images[pick[np.arange(len(images)) % unique]]


# name -> (function, levels from mild to strong); each is a flaw that must
# score worse at every higher level.
DISTURBANCES = {
    "gaussian noise (sigma)": (gaussian_noise, (0.1, 0.25, 0.5)),
    "gaussian blur (sigma, px)": (gaussian_blur, (0.5, 1.0, 2.0)),
    "black rectangles (count)": (black_rectangles, (1, 2, 4)),
    "swirl (strength)": (swirl, (0.1, 0.3, 1.0)),
    "salt and pepper (fraction)": (salt_and_pepper, (0.02, 0.05, 0.1)),
    "elastic warp (alpha)": (elastic_warp, (8.0, 16.0, 34.0)),
    "shuffled patches (grid)": (shuffle_patches, (2, 4)),
}


def suite(images, labels=None, seed=0):
    """Yields `(name, level, images)` for every disturbance and level, then the
    diversity failures (when `labels` are given).

    Args:
        images: array `(n, h, w, c)` in [-1, 1]. Real images.
        labels: int array `(n,)` or None. Their classes.
        seed: int. Seed of every random choice. Defaults to 0.
    """
    images = _check(images)
    for name, (fn, levels) in DISTURBANCES.items():
        for level in levels:
            yield name, level, fn(images, level, rng=np.random.default_rng(seed))
    if labels is None:
        return
    rng = lambda: np.random.default_rng(seed)  # noqa: E731
    yield "one class dropped (class)", 0, drop_class(images, labels, rng(), 0)
    yield "one class dropped (class)", 8, drop_class(images, labels, rng(), 8)
    yield "three classes only", "0,1,2", only_classes(images, labels, rng(), (0, 1, 2))
    for unique in (1000, 100):
        yield "duplicates (distinct images)", unique, duplicates(images, unique, rng())
