"""The PatchGAN discriminator of pix2pix and CycleGAN.

A fully convolutional classifier that scores every overlapping patch of the
image as real or fake: C64-C128-C256 with 4x4 stride-2 convolutions, a
stride-1 C512, and a 1-channel convolution to one logit per patch (the
70x70 patches of the papers at their three stride-2 layers).

Reference:
    Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional
    Adversarial Networks", CVPR 2017.
"""

import keras
from keras import layers

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.architectures.image_layers import instance_norm
from keras_gan.architectures.unet import halvings

__all__ = ["patchgan_discriminator"]

_NORMALIZATIONS = ("batch", "instance")


def patchgan_discriminator(image_shape=(256, 256, 3), condition_channels=0, width=64,
                           num_downsamples=None, normalization="batch",
                           name="patchgan_discriminator"):
    """Builds a PatchGAN: images -> logits `(batch, h', w', 1)`, one per patch.

    Args:
        image_shape: tuple. `(height, width, channels)` of the judged images.
        condition_channels: int. With a positive value the discriminator is
            conditional (pix2pix): it takes `[condition, images]`, where the
            condition has the same height and width, and sees both stacked.
            Defaults to 0.
        width: int. Filters of the first layer. Defaults to 64.
        num_downsamples: int or None. Stride-2 layers; defaults to 3 (the
            70x70 PatchGAN) or fewer for images that halve fewer times.
        normalization: str. "batch" (pix2pix) or "instance" (CycleGAN).
        name: str. Model name.

    Example:
    >>> d = patchgan_discriminator((28, 28, 1), condition_channels=1, width=8)
    >>> d.output_shape
    (None, 7, 7, 1)
    """
    image_shape = check_image_shape(image_shape)
    check_positive_int("width", width)
    if normalization not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {_NORMALIZATIONS}. "
                         f"Received: normalization={normalization!r}")
    if num_downsamples is None:
        num_downsamples = max(1, min(3, halvings(image_shape, 3)))
    images = keras.Input(image_shape, name="images")
    if condition_channels:
        condition = keras.Input((*image_shape[:2], condition_channels), name="condition")
        inputs = [condition, images]
        x = layers.Concatenate()([condition, images])
    else:
        inputs, x = images, images
    for i in range(num_downsamples + 1):
        last = i == num_downsamples
        x = layers.Conv2D(width * 2 ** min(i, 3), 4, 1 if last else 2, padding="same",
                          use_bias=i == 0)(x)
        if i > 0:
            x = (layers.BatchNormalization() if normalization == "batch" else instance_norm())(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Conv2D(1, 4, 1, padding="same", name="logits")(x)
    return keras.Model(inputs, logits, name=name)
