"""Per-image tensor transforms of every source (channels, size, scale), and
the checks of `load`'s arguments."""

import os

import tensorflow as tf

__all__ = ["reshape", "resize", "scale", "to_channels", "validate"]


def reshape(ds, shape, image_size, channels):
    """Maps `ds` to `image_size` and `channels`; returns it and the new shape."""
    size = image_size or tuple(shape[:2])
    channels = channels or shape[2] or 3
    if size == tuple(shape[:2]) and channels == shape[2]:
        return ds, (*size, channels)
    ds = ds.map(lambda x, y: (resize(to_channels(x, channels), size), y),
                num_parallel_calls=tf.data.AUTOTUNE)
    return ds, (*size, channels)


def to_channels(image, channels):
    """Converts a uint8 HWC image with any channel count to 1 or 3 channels."""
    have = image.shape[-1]
    if have is None:  # Decoded files: the channel count is known only at run time.
        def convert(keep):
            return to_channels(tf.ensure_shape(image[..., :keep], [None, None, keep]), channels)

        image = tf.cond(tf.shape(image)[-1] >= 3, lambda: convert(3), lambda: convert(1))
        return tf.ensure_shape(image, [None, None, channels])
    if have == channels:
        return image
    if channels == 1:
        return image[..., :1] if have < 3 else tf.image.rgb_to_grayscale(image[..., :3])
    return tf.tile(image[..., :1], [1, 1, 3]) if have < 3 else image[..., :3]


def resize(image, size):
    """Resizes a uint8 image to `size` (bilinear, antialiased), keeping uint8."""
    def resized():
        out = tf.image.resize(image, size, method="bilinear", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8)

    same = tf.reduce_all(tf.equal(tf.shape(image)[:2], size))
    return tf.ensure_shape(tf.cond(same, lambda: image, resized), [*size, image.shape[-1]])


def scale(images):
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def validate(name, split, batch_size, image_size, channels, seed):
    if not isinstance(name, (str, os.PathLike)) or not os.fspath(name):
        raise ValueError(f"name must be a non-empty str or path. Received: name={name!r}")
    if not isinstance(split, str):
        raise ValueError(f"split must be a str. Received: split={split!r}")
    if not is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int. Received: batch_size={batch_size!r}")
    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if size is not None and (not isinstance(size, (tuple, list)) or len(size) != 2
                             or not all(is_int(s) and s > 0 for s in size)):
        raise ValueError("image_size must be a positive int or a pair (height, width) of "
                         f"them. Received: image_size={image_size!r}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None. Received: channels={channels!r}")
    if seed is not None and not is_int(seed):
        raise ValueError(f"seed must be an int or None. Received: seed={seed!r}")
    return os.fspath(name), tuple(size) if size is not None else None


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
