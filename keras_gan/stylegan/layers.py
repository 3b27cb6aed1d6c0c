"""The layers of StyleGAN2: equalised learning rate, modulated convolution
with demodulation, per-layer noise, the learned constant and a fixed blur.

Every layer keeps its weights at unit scale (N(0, 1) initialisation) and
multiplies them by He's constant at run time ("equalised learning rate"),
so Adam's updates are of the same relative size for every layer. Every op
is a plain convolution, matmul, resize or elementwise product, so the
networks export to SavedModel and TFLite.

Reference:
    Karras et al., "Analyzing and Improving the Image Quality of StyleGAN",
    CVPR 2020 (StyleGAN2); Karras et al., "Progressive Growing of GANs",
    ICLR 2018 (equalised learning rate).
"""

import math

import numpy as np
import keras
from keras import ops

__all__ = [
    "EqualizedDense",
    "EqualizedConv2D",
    "ModulatedConv2D",
    "ConstantInput",
    "Normalize",
    "Downsample2D",
    "lrelu",
]

# StyleGAN's leaky ReLU keeps the signal's magnitude with a gain of sqrt(2).
_LRELU_GAIN = math.sqrt(2.0)


def lrelu(x):
    """Leaky ReLU (slope 0.2) times sqrt(2), StyleGAN's activation."""
    return ops.leaky_relu(x, 0.2) * _LRELU_GAIN


def _activate(x, activation):
    return lrelu(x) if activation == "lrelu" else x


def _check_activation(activation):
    if activation not in (None, "linear", "lrelu"):
        raise ValueError(
            f'activation must be None, "linear" or "lrelu". Received: activation={activation!r}'
        )
    return None if activation == "linear" else activation


def _normal(seed):
    return keras.initializers.RandomNormal(0.0, 1.0, seed=seed)


@keras.saving.register_keras_serializable(package="keras_gan")
class Normalize(keras.layers.Layer):
    """Scales each vector to unit second moment: `x / sqrt(mean(x^2) + eps)`.

    StyleGAN normalises z (and a label embedding) before the mapping network.

    Example:
    >>> import numpy as np
    >>> out = Normalize()(np.array([[3.0, 4.0]], "float32"))
    >>> float(np.mean(np.square(out)).round(4))
    1.0
    """

    def call(self, x):
        return x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + 1e-8)


@keras.saving.register_keras_serializable(package="keras_gan")
class EqualizedDense(keras.layers.Layer):
    """Dense layer with equalised learning rate and a learning-rate multiplier.

    The kernel is stored as N(0, 1 / lr_multiplier^2) and used times
    `lr_multiplier / sqrt(fan_in)`; the bias is stored divided by
    `lr_multiplier`. Adam then moves the effective weights
    `lr_multiplier` times slower (0.01 in StyleGAN's mapping network).

    Args:
        units: int. Output size.
        activation: None, "linear" or "lrelu". Defaults to None.
        lr_multiplier: float. Learning-rate multiplier. Defaults to 1.
        bias_init: float. Initial value of the effective bias. Defaults to 0.
        use_bias: bool. Defaults to True.
        seed: int or None. Seed of the kernel initialiser.

    Example:
    >>> import numpy as np
    >>> tuple(EqualizedDense(4, lr_multiplier=0.01)(np.ones((2, 8), "float32")).shape)
    (2, 4)
    """

    def __init__(self, units, activation=None, lr_multiplier=1.0, bias_init=0.0,
                 use_bias=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not lr_multiplier > 0:
            raise ValueError(f"lr_multiplier must be > 0. Received: lr_multiplier={lr_multiplier!r}")
        self.units = units
        self.activation = _check_activation(activation)
        self.lr_multiplier = float(lr_multiplier)
        self.bias_init = float(bias_init)
        self.use_bias = use_bias
        self.seed = seed

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier, seed=self.seed),
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), name="bias",
                initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier),
            )
        self.scale = self.lr_multiplier / math.sqrt(fan_in)

    def call(self, x):
        x = ops.matmul(x, self.kernel * self.scale)
        if self.bias is not None:
            x = x + self.bias * self.lr_multiplier
        return _activate(x, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "lr_multiplier": self.lr_multiplier, "bias_init": self.bias_init,
                "use_bias": self.use_bias, "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gan")
class EqualizedConv2D(keras.layers.Layer):
    """'same'-padded convolution with equalised learning rate (the
    discriminator's layers).

    Args:
        filters: int. Output channels.
        kernel_size: int. Square kernel side.
        activation: None, "linear" or "lrelu". Defaults to None.
        use_bias: bool. Defaults to True.
        seed: int or None. Seed of the kernel initialiser.

    Example:
    >>> import numpy as np
    >>> tuple(EqualizedConv2D(4, 3)(np.ones((1, 8, 8, 2), "float32")).shape)
    (1, 8, 8, 4)
    """

    def __init__(self, filters, kernel_size, activation=None, use_bias=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.activation = _check_activation(activation)
        self.use_bias = use_bias
        self.seed = seed

    def build(self, input_shape):
        channels = int(input_shape[-1])
        k = self.kernel_size
        self.kernel = self.add_weight(shape=(k, k, channels, self.filters), name="kernel",
                                      initializer=_normal(self.seed))
        self.bias = (self.add_weight(shape=(self.filters,), name="bias", initializer="zeros")
                     if self.use_bias else None)
        self.scale = 1.0 / math.sqrt(channels * k * k)

    def call(self, x):
        x = ops.conv(x, self.kernel * self.scale, padding="same")
        if self.bias is not None:
            x = x + self.bias
        return _activate(x, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "activation": self.activation, "use_bias": self.use_bias, "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gan")
class ModulatedConv2D(keras.layers.Layer):
    """StyleGAN2's modulated convolution, with weight demodulation and noise.

    Called as `layer(x, ws)` with `ws` of shape `(batch, num_ws, w_dim)`;
    the layer reads its own style vector `ws[:, w_index]`. An affine map
    (equalised dense, bias initialised to 1, so the style starts as the
    identity scale) turns w into one scale `s` per input channel. The
    convolution is computed in the unfused form of the paper's Appendix B:
    the activations are scaled by `s`, convolved with the shared kernel
    `k`, and scaled by the demodulation coefficient
    `d = 1 / sqrt(sum_{i,kh,kw} (s_i k_{kh,kw,i,o})^2 + 1e-8)` per output
    channel. This equals a convolution with per-sample kernels `s k d` and
    uses only ordinary convolutions, so it exports anywhere.

    With `noise=True`, per-pixel Gaussian noise times a learned per-layer
    strength (initialised to 0) is added after the convolution: fresh noise
    in training, a fixed noise map (`noise_const`, drawn once, saved with
    the weights) in inference, so samples are reproducible.

    Args:
        filters: int. Output channels.
        kernel_size: int. Square kernel side (3, or 1 for toRGB).
        w_index: int. Which of the `num_ws` style vectors this layer uses.
        demodulate: bool. Weight demodulation (False in toRGB). Defaults to True.
        upsample: bool. Upsample the input 2x first (bilinear, i.e. the
            [1, 3, 3, 1] filter). Defaults to False.
        noise: bool. Add per-layer noise. Defaults to True.
        activation: None, "linear" or "lrelu". Defaults to "lrelu".
        seed: int or None. Seeds the initialisers and the training noise.

    Example:
    >>> import numpy as np
    >>> layer = ModulatedConv2D(8, 3, w_index=0)
    >>> x = np.ones((2, 4, 4, 16), "float32")
    >>> tuple(layer(x, np.ones((2, 3, 32), "float32")).shape)
    (2, 4, 4, 8)
    """

    def __init__(self, filters, kernel_size, w_index, demodulate=True, upsample=False,
                 noise=True, activation="lrelu", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.w_index = w_index
        self.demodulate = demodulate
        self.upsample = upsample
        self.noise = noise
        self.activation = _check_activation(activation)
        self.seed = seed
        self.noise_seed = keras.random.SeedGenerator(seed)

    def build(self, x_shape, ws_shape):
        channels = int(x_shape[-1])
        k = self.kernel_size
        self.affine = EqualizedDense(channels, bias_init=1.0, seed=self.seed, name="affine")
        self.affine.build((None, int(ws_shape[-1])))
        self.kernel = self.add_weight(shape=(k, k, channels, self.filters), name="kernel",
                                      initializer=_normal(self.seed))
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros")
        self.scale = 1.0 / math.sqrt(channels * k * k)
        if self.noise:
            size = [int(s) * (2 if self.upsample else 1) for s in x_shape[1:3]]
            self.noise_strength = self.add_weight(shape=(), name="noise_strength",
                                                  initializer="zeros")
            self.noise_const = self.add_weight(shape=(1, *size, 1), name="noise_const",
                                               initializer=_normal(self.seed), trainable=False)

    def call(self, x, ws, training=False):
        styles = self.affine(ws[:, self.w_index])  # (batch, in_channels)
        if self.upsample:
            shape = ops.shape(x)
            x = ops.image.resize(x, (shape[1] * 2, shape[2] * 2), interpolation="bilinear")
        kernel = self.kernel * self.scale
        x = x * styles[:, None, None, :]
        x = ops.conv(x, kernel, padding="same")
        if self.demodulate:
            # sum_{kh,kw,i} (s_i k)^2 = s^2 . sum_{kh,kw} k^2, per sample and output.
            energy = ops.matmul(ops.square(styles), ops.sum(ops.square(kernel), axis=(0, 1)))
            x = x * ops.rsqrt(energy + 1e-8)[:, None, None, :]
        if self.noise:
            if training:
                shape = ops.shape(x)
                noise = keras.random.normal((shape[0], shape[1], shape[2], 1), seed=self.noise_seed,
                                            dtype=x.dtype)
            else:
                noise = ops.cast(self.noise_const, x.dtype)
            x = x + noise * ops.cast(self.noise_strength, x.dtype)
        return _activate(x + self.bias, self.activation)

    def compute_output_shape(self, x_shape, ws_shape):
        f = 2 if self.upsample else 1
        size = [None if s is None else s * f for s in x_shape[1:3]]
        return (x_shape[0], *size, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "w_index": self.w_index, "demodulate": self.demodulate,
                "upsample": self.upsample, "noise": self.noise,
                "activation": self.activation, "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gan")
class ConstantInput(keras.layers.Layer):
    """The synthesis network's learned 4x4 input, repeated for the batch.

    Called on `ws` only to read the batch size.

    Args:
        channels: int. Channels of the constant.
        size: int. Side of the constant. Defaults to 4.
        seed: int or None. Seed of its N(0, 1) initialisation.

    Example:
    >>> import numpy as np
    >>> tuple(ConstantInput(8)(np.zeros((3, 2, 16), "float32")).shape)
    (3, 4, 4, 8)
    """

    def __init__(self, channels, size=4, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.size = size
        self.seed = seed

    def build(self, ws_shape):
        self.constant = self.add_weight(shape=(1, self.size, self.size, self.channels),
                                        name="constant", initializer=_normal(self.seed))

    def call(self, ws):
        return ops.tile(ops.cast(self.constant, ws.dtype), (ops.shape(ws)[0], 1, 1, 1))

    def compute_output_shape(self, ws_shape):
        return (ws_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gan")
class Downsample2D(keras.layers.Layer):
    """Halves the resolution with StyleGAN's [1, 3, 3, 1] low-pass filter.

    A depthwise 4x4 convolution with the fixed separable kernel
    `outer([1, 3, 3, 1], [1, 3, 3, 1]) / 64`, stride 2, one pixel of zero
    padding on each side (NVlabs' `upfirdn2d` with down=2).

    Example:
    >>> import numpy as np
    >>> tuple(Downsample2D()(np.ones((1, 8, 8, 3), "float32")).shape)
    (1, 4, 4, 3)
    """

    def build(self, input_shape):
        taps = np.array([1.0, 3.0, 3.0, 1.0])
        kernel = np.outer(taps, taps) / np.sum(taps) ** 2
        self.channels = int(input_shape[-1])
        self._kernel = np.tile(kernel[:, :, None, None], (1, 1, self.channels, 1)).astype("float32")

    def call(self, x):
        x = ops.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        return ops.depthwise_conv(x, ops.cast(self._kernel, x.dtype), strides=2, padding="valid")

    def compute_output_shape(self, input_shape):
        size = [None if s is None else s // 2 for s in input_shape[1:3]]
        return (input_shape[0], *size, input_shape[-1])
