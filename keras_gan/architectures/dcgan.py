"""DCGAN generator and discriminator (Radford et al. 2015).

The architecture guidelines of the paper: no pooling (strided convolutions in
D, fractionally-strided ones in G), batch normalization in both networks
(not on G's output nor on D's input layer), no fully connected hidden layers,
ReLU in G with a tanh output, LeakyReLU(0.2) in D. The projection of z and
the final score are the only dense layers, as in the paper.

Batch normalization is synchronized across replicas under `tf.distribute`
(plain batch normalization on one device), so a multi-device step normalizes
over the global batch exactly like a one-device step.

Reference:
    Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks", ICLR 2016.
"""

import keras
from keras import layers

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import functional
from keras_gan.architectures.common import generator_inputs
from keras_gan.architectures.common import label_map
from keras_gan.layers import BatchNormalization
from keras_gan.layers import SpectralConv2D
from keras_gan.layers import SpectralDense

__all__ = ["dcgan_generator", "dcgan_discriminator", "upsampling_plan"]

# The smallest feature map the generator starts from and D ends at.
_MAX_BASE = 7


def upsampling_plan(image_shape):
    """Returns `(base_height, base_width, num_upsamplings)` for an image shape.

    The generator starts from a `base` map of side at most 7 and doubles it
    `num_upsamplings` times; the discriminator halves in the same steps.

    Raises:
        ValueError: if no such plan exists (a side not divisible by a power
            of two that brings it to 7 or less).
    """
    height, width, _ = check_image_shape(image_shape)
    steps = 0
    while max(height, width) > _MAX_BASE and height % 2 == 0 and width % 2 == 0:
        height, width, steps = height // 2, width // 2, steps + 1
    if steps == 0 or max(height, width) > _MAX_BASE:
        raise ValueError(
            "The default DCGAN architecture cannot produce "
            f"image_shape={tuple(image_shape)}: height and width must both "
            "halve evenly down to 7 pixels or less (e.g. 28, 32, 48, 64, 128). "
            "Resize the data (data.load(..., image_size=...)) or pass your own "
            "generator= and discriminator= models."
        )
    return height, width, steps


def dcgan_generator(
    image_shape=(28, 28, 1), latent_dim=100, width=64, num_classes=None, name=None, extra_layers=0
):
    """Builds the DCGAN generator: z (and an optional label) -> images in [-1, 1].

    Args:
        image_shape: tuple. `(height, width, channels)` of the output.
            Defaults to `(28, 28, 1)`.
        latent_dim: int. Size of z. Defaults to 100.
        width: int. Channels of the last hidden layer; each earlier layer has
            twice as many. Defaults to 64.
        num_classes: int or None. If set, the generator is conditional: it
            takes `[z, labels]` and embeds the label next to z. Defaults to None.
        name: str. Model name. Defaults to "generator".
        extra_layers: int. Stride-1 3x3 convolution blocks (batch norm,
            ReLU) at the base resolution, after the projection of z: depth
            where the feature map is smallest, so it costs little. The
            `n_extra_layers` of the WGAN reference code, placed at the low
            end. Defaults to 0 (the paper's network).

    Example:
    >>> g = dcgan_generator((28, 28, 1), latent_dim=16, width=8)
    >>> g.output_shape
    (None, 28, 28, 1)
    """
    base_h, base_w, steps = upsampling_plan(image_shape)
    channels = image_shape[-1]
    inputs, x = generator_inputs(latent_dim, num_classes)
    filters = width * 2 ** (steps - 1)
    x = layers.Dense(base_h * base_w * filters, use_bias=False)(x)
    x = layers.Reshape((base_h, base_w, filters))(x)
    x = BatchNormalization(synchronized=True)(x)
    x = layers.ReLU()(x)
    for _ in range(extra_layers):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = BatchNormalization(synchronized=True)(x)
        x = layers.ReLU()(x)
    for _ in range(steps - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, 2, padding="same", use_bias=False)(x)
        x = BatchNormalization(synchronized=True)(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 4, 2, padding="same")(x)
    # Activation in float32 so outputs stay in [-1, 1] under mixed precision.
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return functional(inputs, images, name or "generator")


def _layer_norm(x, normalization):
    """Layer normalization of conv features as the WGAN-GP paper means it
    ("layer"): over each sample's (height, width, channels), scale and offset
    per channel. "layer_channels" is `keras.layers.LayerNormalization()`'s
    default: each position over its channels alone, which erases how
    strongly each position responds."""
    if normalization == "layer_channels":
        return layers.LayerNormalization()(x)
    return layers.GroupNormalization(groups=1, epsilon=1e-5)(x)


def dcgan_discriminator(
    image_shape=(28, 28, 1),
    width=64,
    num_classes=None,
    normalization="batch",
    extra_outputs=None,
    extra_hidden=None,
    name=None,
    extra_layers=0,
):
    """Builds the DCGAN discriminator: images (and labels) -> one logit each.

    Args:
        image_shape: tuple. `(height, width, channels)` of the input.
            Defaults to `(28, 28, 1)`.
        width: int. Filters of the first convolution, doubled at each
            downsampling. Defaults to 64.
        num_classes: int or None. If set, D takes `[images, labels]`; the
            label is embedded as an extra input channel. Defaults to None.
        normalization: str. "batch" (DCGAN), "layer" (for critics with a
            gradient penalty, which must not mix samples in a batch: each
            sample's features normalized over height, width and channels
            together, with a scale and offset per channel, as in the
            WGAN-GP reference code), "layer_channels" (each position
            normalized over its channels alone, as
            `keras.layers.LayerNormalization()` does: WGAN-GP's critic in
            runs made before it took the paper's),
            "spectral" (every convolution and dense layer spectrally
            normalized as in the paper, `keras_gan.layers.SpectralConv2D`
            and `SpectralDense`, no other normalization; SNGAN) or "none". Defaults to "batch".
        extra_outputs: int or None. Size of a second output head on the
            shared features (class logits for ACGAN, code predictions for
            InfoGAN); D then returns `[logits, extra]`. Defaults to None.
        extra_hidden: int or None. Units of a hidden layer (LeakyReLU) of
            the extra head only. Defaults to None (a linear head).
        name: str. Model name. Defaults to "discriminator".
        extra_layers: int. Stride-1 3x3 convolution blocks at D's last
            (smallest) resolution, before the score: the mirror of the
            generator's. Defaults to 0 (the paper's network).

    Example:
    >>> d = dcgan_discriminator((32, 32, 3), width=8)
    >>> d.output_shape
    (None, 1)
    """
    if normalization not in ("batch", "layer", "layer_channels", "spectral", "none"):
        raise ValueError(
            'normalization must be "batch", "layer", "layer_channels", "spectral" or "none". '
            f"Received: normalization={normalization!r}"
        )

    conv = SpectralConv2D if normalization == "spectral" else layers.Conv2D
    dense = SpectralDense if normalization == "spectral" else layers.Dense

    _, _, steps = upsampling_plan(image_shape)
    images = keras.Input(tuple(image_shape), name="images")
    inputs, x = [images], images
    if num_classes is not None:
        labels, label_channel = label_map(num_classes, image_shape)
        inputs.append(labels)
        x = layers.Concatenate()([images, label_channel])
    filters = width
    for step in range(steps):
        x = conv(filters, 4, 2, padding="same",
                 use_bias=step == 0 or normalization == "spectral")(x)
        # The paper leaves D's input layer without batch normalization.
        if step > 0 and normalization == "batch":
            x = BatchNormalization(synchronized=True)(x)
        elif step > 0 and normalization.startswith("layer"):
            x = _layer_norm(x, normalization)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    for _ in range(extra_layers):
        x = conv(filters // 2, 3, padding="same", use_bias=normalization == "spectral")(x)
        if normalization == "batch":
            x = BatchNormalization(synchronized=True)(x)
        elif normalization.startswith("layer"):
            x = _layer_norm(x, normalization)
        x = layers.LeakyReLU(0.2)(x)
    features = layers.Flatten()(x)
    logits = dense(1, dtype="float32", name="logits")(features)
    if extra_outputs is None:
        return functional(inputs, logits, name or "discriminator")
    head = features
    if extra_hidden:
        head = layers.LeakyReLU(0.2)(layers.Dense(extra_hidden, name="extra_hidden")(head))
    extra = layers.Dense(extra_outputs, dtype="float32", name="extra")(head)
    return keras.Model(
        inputs if len(inputs) > 1 else inputs[0], [logits, extra], name=name or "discriminator"
    )
