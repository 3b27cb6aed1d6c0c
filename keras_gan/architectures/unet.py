"""The pix2pix U-Net generator (Isola et al. 2017, appendix 6.1.1).

Encoder C64-C128-C256-C512-C512-..., decoder mirroring it with skip
connections between each encoder layer i and decoder layer n - i: 4x4
convolutions with stride 2, batch normalization (not on the first encoder
layer), LeakyReLU(0.2) in the encoder, ReLU in the decoder, dropout 0.5 in
the first three decoder layers and tanh on the output.

Reference:
    Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional
    Adversarial Networks", CVPR 2017.
"""

import keras
from keras import layers

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int

__all__ = ["unet_generator", "halvings"]


def halvings(image_shape, limit):
    """How many times height and width both halve evenly (at most `limit`)."""
    height, width, _ = check_image_shape(image_shape)
    steps = 0
    while steps < limit and height % 2 == 0 and width % 2 == 0 and min(height, width) > 1:
        height, width, steps = height // 2, width // 2, steps + 1
    return steps


def unet_generator(image_shape=(256, 256, 3), out_channels=None, width=64, depth=None,
                   name="unet_generator"):
    """Builds the U-Net: images `(h, w, c)` -> images `(h, w, out_channels)` in [-1, 1].

    Args:
        image_shape: tuple. `(height, width, channels)` of the input.
            Defaults to `(256, 256, 3)`.
        out_channels: int or None. Output channels; defaults to the input's.
        width: int. Filters of the first layer, doubled per level up to
            8 * width. Defaults to 64.
        depth: int or None. Stride-2 levels; defaults to as many as the
            size halves evenly, at most 8 (the paper's 256 -> 1).
        name: str. Model name.

    Example:
    >>> g = unet_generator((28, 28, 1), width=8)
    >>> g.output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape(image_shape)
    check_positive_int("width", width)
    out_channels = out_channels or image_shape[-1]
    possible = halvings(image_shape, 8)
    depth = possible if depth is None else check_positive_int("depth", depth)
    if depth < 1 or depth > possible:
        raise ValueError(
            f"The U-Net halves image_shape={image_shape} only {possible} times; "
            f"pick height and width divisible by 2**depth. Received: depth={depth}"
        )
    inputs = keras.Input(image_shape, name="images")
    x, skips = inputs, []
    for i in range(depth):
        x = layers.Conv2D(min(width * 2**i, width * 8), 4, 2, padding="same",
                          use_bias=i == 0)(x)
        if i > 0 and i < depth - 1:
            # No normalization on the first layer, nor on the bottleneck,
            # which is 1x1 at the paper's depth.
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for i in reversed(range(depth - 1)):
        x = layers.Conv2DTranspose(min(width * 2**i, width * 8), 4, 2, padding="same",
                                   use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        if depth - 2 - i < 3:
            x = layers.Dropout(0.5)(x)
        x = layers.ReLU()(x)
        x = layers.Concatenate()([x, skips[i]])
    outputs = layers.Conv2DTranspose(out_channels, 4, 2, padding="same",
                                     activation="tanh", name="images_out")(x)
    return keras.Model(inputs, outputs, name=name)
