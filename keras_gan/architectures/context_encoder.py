"""The Context Encoder's inpainting network (Pathak et al. 2016).

An encoder of 4x4 stride-2 convolutions (LeakyReLU, batch normalization), a
channel-wise fully connected layer (each feature map gets its own dense
layer over all positions, so information crosses the whole image without
the parameters of a full dense layer), a stride-1 convolution that mixes
channels, and a decoder of transposed convolutions (ReLU, batch
normalization) to a full image in [-1, 1].

The network takes the image with the region to fill erased and the mask as
an extra channel (1 = missing), so one network serves fixed and random masks.

Reference:
    Pathak, Krähenbühl, Donahue, Darrell & Efros, "Context Encoders: Feature
    Learning by Inpainting", CVPR 2016.
"""

import keras
from keras import layers

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.architectures.unet import halvings

__all__ = ["context_encoder_generator"]


def context_encoder_generator(image_shape=(128, 128, 3), width=64, depth=None,
                              name="context_encoder"):
    """Builds the encoder-decoder: `(h, w, c + 1)` masked image and mask -> `(h, w, c)`.

    Args:
        image_shape: tuple. `(height, width, channels)` of the images.
        width: int. Filters of the first encoder layer, doubled per level.
            Defaults to 64.
        depth: int or None. Stride-2 levels; defaults to as many as the size
            halves evenly down to 4 pixels or more, at most 5.
        name: str. Model name.

    Example:
    >>> g = context_encoder_generator((28, 28, 1), width=8)
    >>> g.input_shape, g.output_shape
    ((None, 28, 28, 2), (None, 28, 28, 1))
    """
    image_shape = check_image_shape(image_shape)
    check_positive_int("width", width)
    height, width_px, channels = image_shape
    if depth is None:
        depth = 0
        while depth < 5 and halvings(image_shape, depth + 1) > depth and \
                min(height, width_px) // 2 ** (depth + 1) >= 4:
            depth += 1
    if depth < 1 or halvings(image_shape, depth) < depth:
        raise ValueError(
            f"The context encoder halves image_shape={image_shape} {depth} times; "
            "pick height and width divisible by 2**depth (at least 8 pixels)."
        )
    inputs = keras.Input((height, width_px, channels + 1), name="masked_images")
    x = inputs
    for i in range(depth):
        x = layers.Conv2D(width * 2**i, 4, 2, padding="same", use_bias=i == 0)(x)
        if i > 0:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    h, w, c = height // 2**depth, width_px // 2**depth, width * 2 ** (depth - 1)
    # Channel-wise fully connected: a separate (h*w) x (h*w) map per channel.
    x = layers.Reshape((h * w, c))(x)
    x = layers.EinsumDense("bnc,cnm->bmc", output_shape=(h * w, c), bias_axes="c")(x)
    x = layers.Reshape((h, w, c))(x)
    x = layers.Conv2D(c, 1, use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for i in reversed(range(depth - 1)):
        x = layers.Conv2DTranspose(width * 2**i, 4, 2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    outputs = layers.Conv2DTranspose(channels, 4, 2, padding="same", activation="tanh",
                                     name="images_out")(x)
    return keras.Model(inputs, outputs, name=name)
