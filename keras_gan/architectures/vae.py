"""Convolutional VAE encoder; the decoder is the DCGAN generator."""

import keras
from keras import layers

from keras_gan.architectures.dcgan import upsampling_plan

__all__ = ["vae_encoder"]


def vae_encoder(image_shape=(28, 28, 1), latent_dim=16, width=64, name=None):
    """Builds an encoder: images -> `[mean, log_variance]` of q(z | x).

    Strided convolutions mirror the DCGAN generator that serves as decoder
    (the same number of halvings), LeakyReLU, and two dense heads.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to (28, 28, 1).
        latent_dim: int. Size of z. Defaults to 16.
        width: int. Filters of the first convolution, doubled at each
            halving. Defaults to 64.
        name: str. Defaults to "encoder".

    Example:
    >>> [tuple(s) for s in vae_encoder(latent_dim=4, width=8).output_shape]
    [(None, 4), (None, 4)]
    """
    _, _, steps = upsampling_plan(image_shape)
    images = keras.Input(tuple(image_shape), name="images")
    x, filters = images, width
    for _ in range(steps):
        x = layers.Conv2D(filters, 4, 2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    x = layers.Flatten()(x)
    mean = layers.Dense(latent_dim, dtype="float32", name="mean")(x)
    log_variance = layers.Dense(latent_dim, dtype="float32", name="log_variance")(x)
    return keras.Model(images, [mean, log_variance], name=name or "encoder")
