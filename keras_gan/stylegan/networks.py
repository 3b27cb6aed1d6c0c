"""StyleGAN2's networks as functional Keras models, and the generator that
joins mapping and synthesis with the average w and the truncation trick.

    mapping_network:      z (, labels) -> w                     (batch, w_dim)
    synthesis_network:    ws (batch, num_ws, w_dim) -> images  (skip architecture)
    stylegan_discriminator: images (, labels) -> logit          (residual architecture)
    StyleGenerator:       z (, labels) -> images, with w_avg and truncation

Reference:
    Karras et al., "Analyzing and Improving the Image Quality of StyleGAN",
    CVPR 2020, fig. 7 (skip G, residual D) and Appendix B.
"""

import math

import keras
from keras import layers
from keras import ops

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.layers import MinibatchStddev
from keras_gan.stylegan.layers import ConstantInput
from keras_gan.stylegan.layers import Downsample2D
from keras_gan.stylegan.layers import EqualizedConv2D
from keras_gan.stylegan.layers import EqualizedDense
from keras_gan.stylegan.layers import ModulatedConv2D
from keras_gan.stylegan.layers import Normalize

__all__ = [
    "check_resolution",
    "num_ws_for",
    "channels_at",
    "mapping_network",
    "synthesis_network",
    "stylegan_discriminator",
    "StyleGenerator",
]


def check_resolution(image_shape):
    """Validates a square, power-of-two image shape of side 8 or more."""
    shape = check_image_shape(image_shape)
    side = shape[0]
    if shape[0] != shape[1] or side < 8 or side & (side - 1):
        raise ValueError(
            "StyleGAN makes square images whose side is a power of two, 8 or more "
            "(32, 64, 128, ...); pad or resize the data to such a size. Received: "
            f"image_shape={image_shape!r}"
        )
    return shape


def num_ws_for(resolution):
    """Style vectors of a synthesis network: one per convolution and one for
    the last toRGB (each toRGB shares the next block's first w)."""
    return 2 * int(math.log2(resolution)) - 2


def channels_at(resolution, image_resolution, width, max_width):
    """Channels at `resolution`: `width` at the image's own resolution,
    doubled at every halving, capped at `max_width`."""
    return min(max_width, width * (image_resolution // resolution))


def _seed(seed, i):
    return None if seed is None else seed * 1009 + i


def mapping_network(latent_dim=128, w_dim=128, num_layers=8, num_classes=None,
                    lr_multiplier=0.01, seed=None, name="mapping"):
    """The mapping network f: z -> w.

    z is normalised to unit second moment; a conditional network embeds the
    label, normalises the embedding the same way and concatenates it. Then
    `num_layers` equalised dense layers (leaky ReLU, learning-rate
    multiplier `lr_multiplier`).

    Args:
        latent_dim: int. Size of z. Defaults to 128.
        w_dim: int. Size of w. Defaults to 128.
        num_layers: int. Dense layers. Defaults to 8 (the paper's).
        num_classes: int or None. Labels of a conditional network.
        lr_multiplier: float. Defaults to 0.01 (the paper's).
        seed: int or None. Seeds the initialisers.
        name: str. Model name.

    Example:
    >>> mapping_network(8, 16, num_layers=2).output_shape
    (None, 16)
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("w_dim", w_dim)
    check_positive_int("num_layers", num_layers)
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    x = Normalize(name="normalize_z")(z)
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        embedded = layers.Embedding(
            num_classes, w_dim, name="embed_labels",
            embeddings_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=_seed(seed, 99)),
        )(labels)
        x = layers.Concatenate()([x, Normalize(name="normalize_labels")(embedded)])
    for i in range(num_layers):
        x = EqualizedDense(w_dim, activation="lrelu", lr_multiplier=lr_multiplier,
                           seed=_seed(seed, i), name=f"dense_{i}")(x)
    return keras.Model(inputs if len(inputs) > 1 else z, x, name=name)


def synthesis_network(image_shape=(32, 32, 1), w_dim=128, width=32, max_width=128, seed=None,
                      name="synthesis"):
    """The synthesis network g: ws -> images, StyleGAN2's skip generator.

    A learned 4x4 constant, then per resolution two modulated 3x3
    convolutions (the first upsamples; each has its own noise) and a toRGB
    (modulated 1x1, no demodulation) whose output is added to the
    upsampled image of the resolution before. Convolution `i` uses
    `ws[:, i]` and the toRGB after it `ws[:, i + 1]`. The output is linear
    (not squashed), as in the paper.

    Args:
        image_shape: tuple. `(side, side, channels)`, side a power of two.
        w_dim: int. Size of w. Defaults to 128.
        width: int. Channels at the output resolution, doubled per halving.
            Defaults to 32.
        max_width: int. Channel cap. Defaults to 128.
        seed: int or None. Seeds the initialisers and the noise.
        name: str. Model name.

    Example:
    >>> synthesis_network((16, 16, 1), w_dim=8, width=4, max_width=8).output_shape
    (None, 16, 16, 1)
    """
    side, _, channels = check_resolution(image_shape)
    num_ws = num_ws_for(side)
    ws = keras.Input((num_ws, w_dim), name="ws")
    x = ConstantInput(channels_at(4, side, width, max_width), seed=_seed(seed, 0),
                      name="constant")(ws)
    index = 0
    x = ModulatedConv2D(channels_at(4, side, width, max_width), 3, index, seed=_seed(seed, 1),
                        name="conv_4")(x, ws)
    image = ModulatedConv2D(channels, 1, index + 1, demodulate=False, noise=False,
                            activation=None, seed=_seed(seed, 2), name="to_rgb_4")(x, ws)
    resolution = 8
    while resolution <= side:
        filters = channels_at(resolution, side, width, max_width)
        x = ModulatedConv2D(filters, 3, index + 1, upsample=True,
                            seed=_seed(seed, 3 * index + 3), name=f"conv_{resolution}_up")(x, ws)
        x = ModulatedConv2D(filters, 3, index + 2, seed=_seed(seed, 3 * index + 4),
                            name=f"conv_{resolution}")(x, ws)
        index += 2
        rgb = ModulatedConv2D(channels, 1, index + 1, demodulate=False, noise=False,
                              activation=None, seed=_seed(seed, 3 * index + 5),
                              name=f"to_rgb_{resolution}")(x, ws)
        image = layers.UpSampling2D(interpolation="bilinear", name=f"upsample_rgb_{resolution}")(image)
        image = layers.Add(name=f"skip_{resolution}")([image, rgb])
        resolution *= 2
    return keras.Model(ws, image, name=name)


def stylegan_discriminator(image_shape=(32, 32, 1), width=32, max_width=128, num_classes=None,
                           mbstd_group_size=4, seed=None, name="stylegan_discriminator"):
    """StyleGAN2's residual discriminator.

    fromRGB (1x1), then per resolution a residual block: two 3x3
    convolutions with a [1, 3, 3, 1] blur-downsample between them, plus a
    downsampled 1x1 skip, summed and scaled by 1/sqrt(2). At 4x4: minibatch
    standard deviation, a 3x3 convolution, a dense layer and the output.
    A conditional discriminator projects its features onto an embedding of
    the label (Miyato & Koyama's projection, as in StyleGAN2-ADA).

    Args:
        image_shape: tuple. `(side, side, channels)`.
        width: int. Channels at the input resolution, doubled per halving.
            Defaults to 32.
        max_width: int. Channel cap. Defaults to 128.
        num_classes: int or None. Labels of a conditional discriminator.
        mbstd_group_size: int. Group size of the minibatch-stddev layer.
            Defaults to 4.
        seed: int or None. Seeds the initialisers.
        name: str. Model name.

    Example:
    >>> stylegan_discriminator((16, 16, 1), width=4, max_width=8).output_shape
    (None, 1)
    """
    side, _, channels = check_resolution(image_shape)
    images = keras.Input((side, side, channels), name="images")
    inputs = [images]
    x = EqualizedConv2D(channels_at(side, side, width, max_width), 1, activation="lrelu",
                        seed=_seed(seed, 0), name="from_rgb")(images)
    resolution, i = side, 1
    while resolution > 4:
        filters = channels_at(resolution // 2, side, width, max_width)
        skip = Downsample2D(name=f"skip_down_{resolution}")(x)
        skip = EqualizedConv2D(filters, 1, use_bias=False, seed=_seed(seed, i),
                               name=f"skip_{resolution}")(skip)
        h = EqualizedConv2D(channels_at(resolution, side, width, max_width), 3, activation="lrelu",
                            seed=_seed(seed, i + 1), name=f"conv_{resolution}")(x)
        h = Downsample2D(name=f"down_{resolution}")(h)
        h = EqualizedConv2D(filters, 3, activation="lrelu", seed=_seed(seed, i + 2),
                            name=f"conv_{resolution}_down")(h)
        x = layers.Add(name=f"residual_{resolution}")([skip, h])
        x = layers.Rescaling(1.0 / math.sqrt(2.0), name=f"residual_scale_{resolution}")(x)
        resolution //= 2
        i += 3
    filters = channels_at(4, side, width, max_width)
    x = MinibatchStddev(mbstd_group_size, name="minibatch_stddev")(x)
    x = EqualizedConv2D(filters, 3, activation="lrelu", seed=_seed(seed, i), name="conv_4")(x)
    x = layers.Flatten()(x)
    x = EqualizedDense(filters, activation="lrelu", seed=_seed(seed, i + 1), name="dense")(x)
    if num_classes is None:
        logits = EqualizedDense(1, seed=_seed(seed, i + 2), name="logits")(x)
    else:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        cmap_dim = filters
        features = EqualizedDense(cmap_dim, seed=_seed(seed, i + 2), name="projection")(x)
        cmap = layers.Embedding(
            num_classes, cmap_dim, name="embed_labels",
            embeddings_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=_seed(seed, 98)),
        )(labels)
        cmap = Normalize(name="normalize_labels")(cmap)
        logits = layers.Dot(axes=-1)([features, cmap])
        logits = layers.Rescaling(1.0 / math.sqrt(cmap_dim), name="logits")(logits)
    return keras.Model(inputs if len(inputs) > 1 else images, logits, name=name)


@keras.saving.register_keras_serializable(package="keras_gan")
class StyleGenerator(keras.Model):
    """z (, labels) -> images: mapping, truncation, broadcast, synthesis.

    Holds the moving average of w (`w_avg`) that the truncation trick pulls
    towards. `call` takes `truncation_psi` (float or scalar tensor; 1: no
    truncation) and `truncation_cutoff` (int or None: truncate only the
    first `cutoff` style vectors, the coarse ones; None: all). In
    inference (`training=False`) images are clipped to [-1, 1]; training
    sees the linear output.

    Args:
        image_shape: tuple. `(side, side, channels)`.
        latent_dim: int. Size of z.
        w_dim: int. Size of w.
        mapping_layers: int. Dense layers of the mapping network.
        mapping_lr_multiplier: float. Their learning-rate multiplier.
        width: int. Channels at the output resolution.
        max_width: int. Channel cap.
        num_classes: int or None. Labels of a conditional generator.
        seed: int or None. Seeds the initialisers and the noise.

    Example:
    >>> g = StyleGenerator((16, 16, 1), latent_dim=8, w_dim=8, mapping_layers=2,
    ...                    width=4, max_width=8)
    >>> import numpy as np
    >>> tuple(g(np.zeros((2, 8), "float32"), truncation_psi=0.5).shape)
    (2, 16, 16, 1)
    """

    def __init__(self, image_shape, latent_dim=128, w_dim=128, mapping_layers=8,
                 mapping_lr_multiplier=0.01, width=32, max_width=128, num_classes=None,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = check_resolution(image_shape)
        self.latent_dim = latent_dim
        self.w_dim = w_dim
        self.mapping_layers = mapping_layers
        self.mapping_lr_multiplier = mapping_lr_multiplier
        self.width = check_positive_int("width", width)
        self.max_width = check_positive_int("max_width", max_width)
        self.num_classes = num_classes
        self.seed = seed
        self.num_ws = num_ws_for(self.image_shape[0])
        self.mapping = mapping_network(latent_dim, w_dim, mapping_layers, num_classes,
                                       mapping_lr_multiplier, seed=_seed(seed, 1))
        self.synthesis = synthesis_network(self.image_shape, w_dim, width, max_width,
                                           seed=_seed(seed, 2))
        self.w_avg = self.add_weight(shape=(w_dim,), name="w_avg", initializer="zeros",
                                     trainable=False)
        self.built = True

    def map(self, inputs, truncation_psi=1.0, truncation_cutoff=None, training=False):
        """ws `(batch, num_ws, w_dim)`: w for every layer, truncated towards
        `w_avg` by `truncation_psi` in the first `truncation_cutoff` layers."""
        w = self.mapping(inputs, training=training)
        ws = ops.repeat(w[:, None, :], self.num_ws, axis=1)
        if isinstance(truncation_psi, (int, float)) and truncation_psi == 1:
            return ws
        psi = ops.cast(truncation_psi, ws.dtype)
        truncated = self.w_avg + psi * (ws - self.w_avg)
        if truncation_cutoff is None:
            return truncated
        layer = ops.arange(self.num_ws)[None, :, None]
        return ops.where(layer < truncation_cutoff, truncated, ws)

    def call(self, inputs, training=False, truncation_psi=1.0, truncation_cutoff=None):
        ws = self.map(inputs, truncation_psi, truncation_cutoff, training=training)
        images = self.synthesis(ws, training=training)
        return images if training else ops.clip(images, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return (None, *self.image_shape)

    def get_config(self):
        return {**super().get_config(), "image_shape": tuple(self.image_shape),
                "latent_dim": self.latent_dim, "w_dim": self.w_dim,
                "mapping_layers": self.mapping_layers,
                "mapping_lr_multiplier": self.mapping_lr_multiplier, "width": self.width,
                "max_width": self.max_width, "num_classes": self.num_classes, "seed": self.seed}
