"""Residual generators: CycleGAN's translator and SRGAN's super-resolver,
and SRGAN's discriminator.

References:
    Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", ICCV 2017 (after Johnson et al.
    2016).
    Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a
    Generative Adversarial Network", CVPR 2017.
"""

import math

import keras
from keras import layers

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.architectures.image_layers import ReflectionPadding2D
from keras_gan.architectures.image_layers import SubPixelUpsampling
from keras_gan.architectures.image_layers import instance_norm
from keras_gan.architectures.unet import halvings

__all__ = ["cyclegan_generator", "srgan_generator", "srgan_discriminator"]


def _reflect_conv(x, filters, kernel):
    x = ReflectionPadding2D(kernel // 2)(x)
    return layers.Conv2D(filters, kernel, padding="valid", use_bias=False)(x)


def cyclegan_generator(image_shape=(256, 256, 3), width=64, num_blocks=None,
                       name="cyclegan_generator"):
    """Builds CycleGAN's generator: c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-c.

    Reflection padding, instance normalization, ReLU and a tanh output.

    Args:
        image_shape: tuple. `(height, width, channels)`, the same in and out.
        width: int. Filters of the first layer (64 in the paper).
        num_blocks: int or None. Residual blocks; defaults to 9 for images of
            256 pixels or more and 6 below (the paper's choice).
        name: str. Model name.

    Example:
    >>> cyclegan_generator((28, 28, 1), width=8, num_blocks=2).output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape(image_shape)
    check_positive_int("width", width)
    if halvings(image_shape, 2) < 2:
        raise ValueError(
            f"CycleGAN's generator halves the image twice; height and width must be "
            f"divisible by 4. Received: image_shape={image_shape}"
        )
    if num_blocks is None:
        num_blocks = 9 if min(image_shape[:2]) >= 256 else 6
    check_positive_int("num_blocks", num_blocks)
    inputs = keras.Input(image_shape, name="images")
    x = layers.ReLU()(instance_norm()(_reflect_conv(inputs, width, 7)))
    for filters in (2 * width, 4 * width):
        x = layers.Conv2D(filters, 3, 2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(instance_norm()(x))
    for _ in range(num_blocks):
        y = layers.ReLU()(instance_norm()(_reflect_conv(x, 4 * width, 3)))
        y = instance_norm()(_reflect_conv(y, 4 * width, 3))
        x = layers.Add()([x, y])
    for filters in (2 * width, width):
        x = layers.Conv2DTranspose(filters, 3, 2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(instance_norm()(x))
    x = ReflectionPadding2D(3)(x)
    outputs = layers.Conv2D(image_shape[-1], 7, activation="tanh", name="images_out")(x)
    return keras.Model(inputs, outputs, name=name)


def srgan_generator(image_shape=(28, 28, 1), scale=2, width=64, num_blocks=16,
                    name="srgan_generator"):
    """Builds SRResNet: low-resolution images -> `image_shape` images in [-1, 1].

    k9n64 conv + PReLU, `num_blocks` residual blocks (conv-BN-PReLU-conv-BN),
    conv-BN with a skip over all blocks, log2(scale) sub-pixel upsampling
    blocks (conv to 4x channels, pixel shuffle x2, PReLU) and a k9 conv.

    Args:
        image_shape: tuple. `(height, width, channels)` of the high-resolution
            output; the input is `scale` times smaller.
        scale: int. Upsampling factor, a power of two. Defaults to 2.
        width: int. Filters of the residual trunk (64 in the paper).
        num_blocks: int. Residual blocks (16 in the paper).
        name: str. Model name.

    Example:
    >>> g = srgan_generator((28, 28, 1), scale=2, width=8, num_blocks=2)
    >>> g.input_shape, g.output_shape
    ((None, 14, 14, 1), (None, 28, 28, 1))
    """
    image_shape = check_image_shape(image_shape)
    check_positive_int("width", width)
    check_positive_int("num_blocks", num_blocks)
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2 or scale & (scale - 1):
        raise ValueError(f"scale must be a power of two, at least 2. Received: scale={scale!r}")
    height, width_px, channels = image_shape
    if height % scale or width_px % scale:
        raise ValueError(
            f"image_shape={image_shape} does not divide by scale={scale}; pick an "
            "image size that is a multiple of the scale."
        )
    inputs = keras.Input((height // scale, width_px // scale, channels), name="images")

    def prelu(x):
        # One slope per channel, shared over space (the paper's PReLU).
        return layers.PReLU(shared_axes=[1, 2])(x)

    x = prelu(layers.Conv2D(width, 9, padding="same")(inputs))
    trunk = x
    for _ in range(num_blocks):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        y = prelu(layers.BatchNormalization()(y))
        y = layers.BatchNormalization()(layers.Conv2D(width, 3, padding="same", use_bias=False)(y))
        x = layers.Add()([x, y])
    x = layers.BatchNormalization()(layers.Conv2D(width, 3, padding="same", use_bias=False)(x))
    x = layers.Add()([trunk, x])
    for _ in range(int(math.log2(scale))):
        x = layers.Conv2D(4 * width, 3, padding="same")(x)
        x = prelu(SubPixelUpsampling(2)(x))
    outputs = layers.Conv2D(channels, 9, padding="same", activation="tanh",
                            name="images_out")(x)
    return keras.Model(inputs, outputs, name=name)


def srgan_discriminator(image_shape=(28, 28, 1), width=64, name="srgan_discriminator"):
    """Builds SRGAN's discriminator: images -> one logit each, `(batch, 1)`.

    Eight 3x3 conv layers of 64, 64, 128, 128, 256, 256, 512, 512 filters
    (stride 2 on every second), batch normalization after the first,
    LeakyReLU(0.2), then Dense(1024), LeakyReLU and Dense(1).

    Args:
        image_shape: tuple. `(height, width, channels)` of the images.
        width: int. Filters of the first layer (64 in the paper).
        name: str. Model name.

    Example:
    >>> srgan_discriminator((28, 28, 1), width=8).output_shape
    (None, 1)
    """
    image_shape = check_image_shape(image_shape)
    check_positive_int("width", width)
    inputs = keras.Input(image_shape, name="images")
    x = inputs
    for i in range(8):
        x = layers.Conv2D(width * 2 ** (i // 2), 3, 1 + i % 2, padding="same",
                          use_bias=i == 0)(x)
        if i > 0:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.LeakyReLU(0.2)(layers.Dense(16 * width)(x))
    outputs = layers.Dense(1, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
