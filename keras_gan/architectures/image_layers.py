"""Layers of the image-to-image networks: reflection padding, sub-pixel
upsampling and instance normalization, all plain Keras 3 (no TF-Addons)."""

import keras
from keras import layers
from keras import ops

__all__ = ["ReflectionPadding2D", "SubPixelUpsampling", "instance_norm"]


@keras.saving.register_keras_serializable(package="keras_gan")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the border (no edge repeated).

    CycleGAN pads with reflections instead of zeros so the borders of
    translated images carry no dark frame.

    Args:
        padding: int. Pixels added on every side. Defaults to 1.

    Example:
    >>> tuple(ReflectionPadding2D(3)(keras.ops.zeros((1, 8, 8, 2))).shape)
    (1, 14, 14, 2)
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise ValueError(
                f"padding must be a non-negative int. Received: padding={padding!r}"
            )
        self.padding = padding

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        p = 2 * self.padding
        return (b, None if h is None else h + p, None if w is None else w + p, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="keras_gan")
class SubPixelUpsampling(layers.Layer):
    """Sub-pixel convolution's shuffle: `(h, w, c * r^2) -> (h * r, w * r, c)`.

    `tf.nn.depth_to_space` (TFLite's DEPTH_TO_SPACE), as in Shi et al. 2016,
    the upsampling of SRGAN.

    Args:
        scale: int. Upsampling factor r. Defaults to 2.

    Example:
    >>> tuple(SubPixelUpsampling(2)(keras.ops.zeros((1, 7, 7, 8))).shape)
    (1, 14, 14, 2)

    Reference:
        Shi et al., "Real-Time Single Image and Video Super-Resolution Using
        an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016.
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
            raise ValueError(f"scale must be an int of at least 2. Received: scale={scale!r}")
        self.scale = scale

    def call(self, inputs):
        import tensorflow as tf

        return tf.nn.depth_to_space(inputs, self.scale)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.scale
        return (b, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def instance_norm(name=None):
    """Instance normalization: group normalization with one group per channel."""
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
