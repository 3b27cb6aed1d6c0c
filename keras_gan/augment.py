"""Differentiable augmentation (DiffAugment) for data-efficient GAN training.

The same random transformations are applied to real and generated images
every time the discriminator sees them, in both the discriminator and the
generator update, so D cannot memorise the training set while G still gets
gradients through the augmentation. Everything here is differentiable and
vectorised over the batch.

Reference:
    Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
    Training", NeurIPS 2020.
"""

import keras
import tensorflow as tf
from keras import ops

__all__ = ["POLICIES", "check_policy", "diff_augment"]

POLICIES = ("color", "translation", "cutout")


def check_policy(policy):
    """Validates a policy string ("color,translation,cutout") and returns it
    as a tuple of names."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip()) if policy else ()
    unknown = [n for n in names if n not in POLICIES]
    if not names or unknown:
        raise ValueError(
            f"augment must be a comma-separated list of {', '.join(POLICIES)}. "
            f"Received: augment={policy!r}"
        )
    return names


def _default_draw(sampler, shape):
    return sampler(shape, seed=None)


def _color(x, draw):
    shape = (ops.shape(x)[0], 1, 1, 1)

    def uniform():
        return ops.cast(draw(keras.random.uniform, shape), x.dtype)

    x = x + (uniform() - 0.5)  # brightness
    mean = ops.mean(x, axis=3, keepdims=True)
    x = (x - mean) * (uniform() * 2.0) + mean  # saturation
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (uniform() + 0.5) + mean  # contrast


def _translation(x, draw, ratio=0.125):
    batch, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    shift_h, shift_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    ty = ops.cast(ops.floor(draw(keras.random.uniform, (batch, 1, 1)) * (2 * shift_h + 1)), "int32") - shift_h
    tx = ops.cast(ops.floor(draw(keras.random.uniform, (batch, 1, 1)) * (2 * shift_w + 1)), "int32") - shift_w
    # Shifted pixel coordinates, clamped onto a one-pixel zero border.
    rows = ops.clip(ops.arange(height, dtype="int32")[None, :, None] + ty + 1, 0, height + 1)
    cols = ops.clip(ops.arange(width, dtype="int32")[None, None, :] + tx + 1, 0, width + 1)
    padded = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    rows = ops.broadcast_to(rows, (batch, height, width))
    cols = ops.broadcast_to(cols, (batch, height, width))
    index = ops.broadcast_to(ops.arange(batch, dtype="int32")[:, None, None], (batch, height, width))
    return tf.gather_nd(padded, ops.stack([index, rows, cols], axis=-1))


def _cutout(x, draw, ratio=0.5):
    batch, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    size_h, size_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    cy = ops.floor(draw(keras.random.uniform, (batch, 1, 1)) * (height + (1 - size_h % 2)))
    cx = ops.floor(draw(keras.random.uniform, (batch, 1, 1)) * (width + (1 - size_w % 2)))
    rows = ops.arange(height, dtype="float32")[None, :, None]
    cols = ops.arange(width, dtype="float32")[None, None, :]
    # Rows cy - size_h // 2 ... cy - size_h // 2 + size_h - 1 (clipped at
    # the border), likewise for columns, as in the reference code.
    top, left = cy - size_h // 2, cx - size_w // 2
    inside = ops.logical_and(
        ops.logical_and(rows >= top, rows < top + size_h),
        ops.logical_and(cols >= left, cols < left + size_w),
    )
    keep = 1.0 - ops.cast(inside, x.dtype)
    return x * keep[..., None]


_TRANSFORMS = {"color": _color, "translation": _translation, "cutout": _cutout}


def diff_augment(images, policy="color,translation,cutout", draw=None):
    """Applies the DiffAugment transformations of `policy` to a batch.

    Args:
        images: tensor `(batch, height, width, channels)` in [-1, 1].
        policy: str. Comma-separated transformations, in order: "color"
            (brightness, saturation, contrast), "translation" (shift by up
            to 1/8 of the side, zero fill), "cutout" (one zeroed square of
            half the side). Defaults to all three.
        draw: callable or None. `draw(sampler, shape)` returns random draws
            of `sampler` (a `keras.random` function taking `seed=`); models
            pass one that uses their seed generator and is replica-aware.
            Defaults to unseeded draws.

    Returns:
        The augmented batch, same shape and dtype.

    Example:
    >>> import numpy as np
    >>> x = np.zeros((2, 8, 8, 1), "float32")
    >>> diff_augment(x, "translation,cutout").shape
    TensorShape([2, 8, 8, 1])
    """
    draw = draw or _default_draw
    x = ops.convert_to_tensor(images)
    for name in check_policy(policy):
        x = _TRANSFORMS[name](x, draw)
    return x
