"""Fully connected generator and discriminator of the original GAN paper.

Goodfellow et al. used multilayer perceptrons: ReLU hidden layers in G and a
sigmoid (here a tanh, to match data scaled to [-1, 1]) output; maxout units
with dropout in D. LeakyReLU with dropout stands in for maxout here: it
trains as well and exports to every runtime. `batch_norm=True` puts batch
normalization (which the paper predates) before G's ReLUs, as DCGAN's G has.

Reference:
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
"""

import keras
from keras import layers

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import functional
from keras_gan.architectures.common import generator_inputs
from keras_gan.architectures.common import flat_size
from keras_gan.architectures.common import label_input

__all__ = ["mlp_generator", "mlp_discriminator"]


def mlp_generator(
    image_shape=(28, 28, 1),
    latent_dim=100,
    units=(256, 512, 1024),
    num_classes=None,
    batch_norm=False,
    name=None,
):
    """Builds an MLP generator: z (and an optional label) -> images in [-1, 1].

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        latent_dim: int. Size of z. Defaults to 100.
        units: tuple of int. Hidden layer sizes. Defaults to
            `(256, 512, 1024)`.
        num_classes: int or None. Conditional on a label when set.
        batch_norm: bool. Batch normalization between each hidden layer's
            matmul (then without bias) and its ReLU. Defaults to False (the
            paper's).
        name: str. Model name. Defaults to "generator".

    Example:
    >>> mlp_generator((28, 28, 1), latent_dim=8, units=(16,)).output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape(image_shape)
    inputs, x = generator_inputs(latent_dim, num_classes)
    for n in units:
        x = layers.Dense(n, use_bias=not batch_norm)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Dense(flat_size(image_shape))(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    images = layers.Reshape(image_shape, name="images")(x)
    return functional(inputs, images, name or "generator")


def mlp_discriminator(
    image_shape=(28, 28, 1),
    units=(1024, 512, 256),
    dropout=0.3,
    num_classes=None,
    name=None,
):
    """Builds an MLP discriminator: images (and labels) -> one logit each.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        units: tuple of int. Hidden layer sizes. Defaults to
            `(1024, 512, 256)`.
        dropout: float. Dropout rate after each hidden layer. Defaults to 0.3.
        num_classes: int or None. Conditional on a label when set.
        name: str. Model name. Defaults to "discriminator".

    Example:
    >>> mlp_discriminator((28, 28, 1), units=(16,)).output_shape
    (None, 1)
    """
    image_shape = check_image_shape(image_shape)
    images = keras.Input(image_shape, name="images")
    inputs, x = [images], layers.Flatten()(images)
    if num_classes is not None:
        labels, embedded = label_input(num_classes, 50)
        inputs.append(labels)
        x = layers.Concatenate()([x, embedded])
    for n in units:
        x = layers.Dense(n)(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Dropout(dropout)(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return functional(inputs, logits, name or "discriminator")
