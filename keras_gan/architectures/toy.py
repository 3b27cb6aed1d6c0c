"""Small fully connected networks for 2-D toy data (keras_gan.toy)."""

import keras
from keras import layers

from keras_gan.architectures.common import check_positive_int

__all__ = ["toy_generator", "toy_discriminator"]


def toy_generator(latent_dim=256, dim=2, units=(128, 128), name=None):
    """Builds an MLP generator z -> points in R^dim (linear output).

    Args:
        latent_dim: int. Size of z. Defaults to 256 (Metz et al.'s toy setup).
        dim: int. Dimension of the data. Defaults to 2.
        units: tuple of int. Hidden layer sizes (ReLU). Defaults to (128, 128).
        name: str. Defaults to "generator".

    Example:
    >>> toy_generator(latent_dim=4).output_shape
    (None, 2)
    """
    check_positive_int("dim", dim)
    z = keras.Input((check_positive_int("latent_dim", latent_dim),), name="z")
    x = z
    for n in units:
        x = layers.Dense(n, activation="relu")(x)
    points = layers.Dense(dim, dtype="float32", name="points")(x)
    return keras.Model(z, points, name=name or "generator")


def toy_discriminator(dim=2, units=(128, 128), name=None):
    """Builds an MLP discriminator R^dim -> one logit (ReLU hidden layers).

    Example:
    >>> toy_discriminator().output_shape
    (None, 1)
    """
    points = keras.Input((check_positive_int("dim", dim),), name="points")
    x = points
    for n in units:
        x = layers.Dense(n, activation="relu")(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(points, logits, name=name or "discriminator")
