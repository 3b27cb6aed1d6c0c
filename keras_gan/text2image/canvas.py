"""Composing items on the canvas: where each size and position puts an item,
and the tinted, resized item drawn there."""

import numpy as np
import tensorflow as tf

from keras_gan.text2image.captions import COLOURS
from keras_gan.text2image.captions import POSITIONS
from keras_gan.text2image.captions import SIZES

__all__ = ["anchors", "check_canvas", "item_sizes", "layout", "render", "render_fn"]


def check_canvas(canvas):
    if isinstance(canvas, bool) or not isinstance(canvas, int) or canvas < 16 or canvas % 16:
        raise ValueError(
            f"canvas must be a multiple of 16, at least 16 (e.g. 32 or 64). Received: canvas={canvas!r}"
        )
    return canvas


def item_sizes(canvas):
    """Pixel side of the item's frame for each size: 7/16 and 11/16 of the
    canvas (14 and 22 pixels on 32), far enough apart for the size and the
    position to be read back from the pixels."""
    return (int(round(canvas * 7 / 16)), int(round(canvas * 11 / 16)))


def layout(size, position, canvas):
    """`(top, left, side)` of the item's frame on the canvas."""
    side = item_sizes(canvas)[size]
    far = canvas - side - max(1, canvas // 32)
    near = max(1, canvas // 32)
    mid = (canvas - side) // 2
    top, left = ((near, near), (near, far), (far, near), (far, far), (mid, mid))[position]
    return top, left, side


def anchors(canvas):
    """Centre `(y, x)` of the frame for every (size, position): shape (2, 5, 2)."""
    out = np.zeros((len(SIZES), len(POSITIONS), 2))
    for s in range(len(SIZES)):
        for p in range(len(POSITIONS)):
            top, left, side = layout(s, p, canvas)
            out[s, p] = (top + side / 2.0, left + side / 2.0)
    return out


def render(items, factors, canvas=32):
    """Composes 28x28 uint8 items onto RGB canvases in [-1, 1].

    Args:
        items: uint8 array `(n, 28, 28)`.
        factors: `Factors` of length n.
        canvas: int. Canvas side in pixels. Defaults to 32.

    Returns:
        float32 numpy array `(n, canvas, canvas, 3)`.
    """
    check_canvas(canvas)
    tints = tf.constant([rgb for _, rgb in COLOURS], tf.float32)
    colour, size, position = (np.asarray(v, "int64") for v in
                              (factors.colour, factors.size, factors.position))
    out = np.empty((len(items), canvas, canvas, 3), "float32")
    # One batched call per (size, position) frame instead of one per item.
    for s in range(len(SIZES)):
        for p in range(len(POSITIONS)):
            chosen = np.flatnonzero((size == s) & (position == p))
            if len(chosen):
                out[chosen] = _draw(items[chosen], *layout(s, p, canvas), canvas,
                                    tf.gather(tints, colour[chosen])[:, None, None, :]).numpy()
    return out


def _draw(items, top, left, side, canvas, tint):
    """uint8 items (one `(28, 28)` or a batch) resized to `side`, placed at
    `(top, left)` of the canvas and tinted, in [-1, 1]."""
    grey = tf.cast(items, tf.float32)[..., None] / 255.0
    # Area resampling keeps the thin strokes of sandals and bags.
    grey = tf.image.resize(grey, tf.stack([side, side]), method="area", antialias=True)
    grey = tf.image.pad_to_bounding_box(grey, top, left, canvas, canvas)
    return grey * tint * 2.0 - 1.0


def render_fn(canvas):
    check_canvas(canvas)
    tints = tf.constant([rgb for _, rgb in COLOURS], tf.float32)
    layouts = tf.constant(
        [[layout(s, p, canvas) for p in range(len(POSITIONS))] for s in range(len(SIZES))],
        tf.int32,
    )

    def fn(item, colour, size, position):
        top, left, side = tf.unstack(layouts[size, position])
        rgb = _draw(item, top, left, side, canvas, tints[colour])
        return tf.ensure_shape(rgb, (canvas, canvas, 3))

    return fn
