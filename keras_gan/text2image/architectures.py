"""Generators and discriminators conditioned on a text embedding.

- `text_generator`: GAN-INT-CLS's G. The embedding is compressed by a dense
  layer with leaky ReLU and concatenated with z; transposed convolutions
  (DCGAN) upsample from 4x4.
- `text_discriminator`: GAN-INT-CLS's D. Strided convolutions down to 4x4;
  the compressed embedding is replicated over the 4x4 grid and concatenated
  before the last two convolutions (1x1, then 4x4 to one logit).
- `stage1_generator`, `stage2_generator`: StackGAN's generators with
  conditioning augmentation (`ConditioningAugmentation`).
"""

import numpy as np
import keras
from keras import layers
from keras import ops

from keras_gan.architectures.common import check_positive_int

__all__ = [
    "ConditioningAugmentation",
    "Tile",
    "text_generator",
    "text_discriminator",
    "stage1_generator",
    "stage2_generator",
]


def _levels(side, name="image_shape"):
    """Number of 2x steps between 4x4 and `side`."""
    levels = int(round(np.log2(side / 4))) if side >= 8 else 0
    if side < 8 or 4 * 2**levels != side:
        raise ValueError(
            f"{name} must be square with a side of 4 * 2**k (8, 16, 32, 64, ...). "
            f"Received: side {side}"
        )
    return levels


@keras.saving.register_keras_serializable(package="keras_gan")
class Tile(layers.Layer):
    """Replicates a `(batch, d)` vector over a `size` x `size` grid."""

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, x):
        return ops.tile(x[:, None, None, :], (1, self.size, self.size, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditioningAugmentation(layers.Layer):
    """StackGAN's conditioning augmentation: `c = mu + sigma * eps`.

    A dense layer maps the text embedding to `mu` and `log sigma`
    (`2 * dim` units, split in two); `eps` is an input (standard normal noise while
    training, zeros when sampling), so the noise stays with the model's own
    seed. Returns `[c, kl]`, the per-sample KL(N(mu, sigma^2) || N(0, I)).

    Args:
        dim: int. Size of c.

    Reference:
        Zhang et al., "StackGAN: Text to Photo-realistic Image Synthesis
        with Stacked Generative Adversarial Networks", ICCV 2017, eq. 3.
    """

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim)
        self.dense = layers.Dense(2 * dim, name="mu_log_sigma")

    def build(self, input_shape):
        self.dense.build(input_shape[0])

    def call(self, inputs):
        embedding, eps = inputs
        stats = self.dense(embedding)
        mu, log_sigma = stats[:, : self.dim], stats[:, self.dim :]
        c = mu + ops.exp(log_sigma) * eps
        kl = 0.5 * ops.sum(
            ops.square(mu) + ops.exp(2.0 * log_sigma) - 1.0 - 2.0 * log_sigma, axis=-1, keepdims=True
        )
        return [c, kl]

    def compute_output_shape(self, input_shape):
        return [(input_shape[0][0], self.dim), (input_shape[0][0], 1)]

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def _double(x):
    """Nearest-neighbour 2x upsampling with a static output size (TFLite
    converts it to one RESIZE_NEAREST_NEIGHBOR; UpSampling2D's dynamic
    shapes left a convolution unconvertible)."""
    side = int(x.shape[1])
    return layers.Resizing(2 * side, 2 * side, interpolation="nearest")(x)


def _upsample(x, filters, name):
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU()(x)


def text_generator(image_shape=(32, 32, 3), latent_dim=100, embedding_dim=128,
                   projection_dim=128, width=32, name="text_generator"):
    """GAN-INT-CLS generator: `[z, embedding] -> image` in [-1, 1].

    Args:
        image_shape: tuple. `(side, side, channels)`, side 4 * 2**k.
        latent_dim: int. Size of z.
        embedding_dim: int. Size of the text embedding.
        projection_dim: int. Size of the compressed embedding.
        width: int. Channels of the last hidden layer (doubled per level
            towards 4x4).

    Reference:
        Reed et al., "Generative Adversarial Text to Image Synthesis", ICML 2016.
    """
    levels = _levels(image_shape[0])
    z = keras.Input((latent_dim,), name="z")
    embedding = keras.Input((embedding_dim,), name="embedding")
    h = layers.Dense(projection_dim, name="compress")(embedding)
    h = layers.LeakyReLU(0.2)(h)
    x = layers.Concatenate()([z, h])
    top = width * 2 ** (levels - 1)
    x = layers.Dense(4 * 4 * top, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((4, 4, top))(x)
    for i in range(levels - 1):
        x = _upsample(x, top // 2 ** (i + 1), f"up{i}")
    x = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", activation="tanh",
                               name="to_image")(x)
    return keras.Model([z, embedding], x, name=name)


def text_discriminator(image_shape=(32, 32, 3), embedding_dim=128, projection_dim=128,
                       width=32, name="text_discriminator"):
    """GAN-INT-CLS discriminator: `[image, embedding] -> logit (batch, 1)`.

    Reference:
        Reed et al., "Generative Adversarial Text to Image Synthesis", ICML 2016.
    """
    levels = _levels(image_shape[0])
    images = keras.Input(image_shape, name="images")
    embedding = keras.Input((embedding_dim,), name="embedding")
    x = images
    for i in range(levels):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", use_bias=i == 0)(x)
        if i:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    h = layers.Dense(projection_dim, name="compress")(embedding)
    h = layers.LeakyReLU(0.2)(h)
    x = layers.Concatenate()([x, Tile(4, name="replicate")(h)])
    x = layers.Conv2D(width * 2 ** (levels - 1), 1, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(1, 4, padding="valid")(x)
    x = layers.Flatten(name="logit")(x)
    return keras.Model([images, embedding], x, name=name)


def stage1_generator(image_shape=(16, 16, 3), latent_dim=100, embedding_dim=128,
                     condition_dim=128, width=32, name="stage1_generator"):
    """StackGAN Stage-I: `[z, embedding, eps] -> [low-res image, kl]`.

    Reference:
        Zhang et al., "StackGAN", ICCV 2017, section 3.2.
    """
    levels = _levels(image_shape[0])
    z = keras.Input((latent_dim,), name="z")
    embedding = keras.Input((embedding_dim,), name="embedding")
    eps = keras.Input((condition_dim,), name="eps")
    c, kl = ConditioningAugmentation(condition_dim, name="ca")([embedding, eps])
    x = layers.Concatenate()([z, c])
    top = width * 2 ** (levels - 1)
    x = layers.Dense(4 * 4 * top, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((4, 4, top))(x)
    for i in range(levels):
        # Nearest-neighbour upsampling + 3x3 convolution, as StackGAN.
        x = _double(x)
        x = layers.Conv2D(max(top // 2 ** (i + 1), 8), 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Conv2D(image_shape[-1], 3, padding="same", activation="tanh", name="to_image")(x)
    return keras.Model([z, embedding, eps], [x, kl], name=name)


def _residual(x, filters, name):
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_a")(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_b")(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Add()([x, y]))


def stage2_generator(low_shape=(16, 16, 3), embedding_dim=128, condition_dim=128, width=32,
                     residual_blocks=2, name="stage2_generator"):
    """StackGAN Stage-II: `[low-res image, embedding, eps] -> [2x image, kl]`.

    Encodes Stage-I's image down by 2, joins the text's own conditioning
    augmentation replicated over the grid, refines with residual blocks and
    upsamples twice, to twice Stage-I's side.

    Reference:
        Zhang et al., "StackGAN", ICCV 2017, section 3.3.
    """
    side = low_shape[0]
    _levels(side, "low_shape")
    low = keras.Input(low_shape, name="low_res")
    embedding = keras.Input((embedding_dim,), name="embedding")
    eps = keras.Input((condition_dim,), name="eps")
    c, kl = ConditioningAugmentation(condition_dim, name="ca")([embedding, eps])
    x = layers.Conv2D(width, 3, padding="same")(low)
    x = layers.ReLU()(x)
    x = layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Concatenate()([x, Tile(side // 2, name="replicate")(c)])
    x = layers.Conv2D(2 * width, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for i in range(residual_blocks):
        x = _residual(x, 2 * width, f"res{i}")
    for i, filters in enumerate((width, max(width // 2, 8))):
        x = _double(x)
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Conv2D(low_shape[-1], 3, padding="same", activation="tanh", name="to_image")(x)
    return keras.Model([low, embedding, eps], [x, kl], name=name)
