"""Small reusable layers."""

import keras
from keras import ops

__all__ = ["BatchNormalization", "LatentCodes", "MinibatchStddev", "SpectralConv2D",
           "SpectralDense"]


@keras.saving.register_keras_serializable(package="keras_gan")
class LatentCodes(keras.layers.Layer):
    """Turns a Gaussian latent vector into InfoGAN's noise + codes.

    The input is `z ~ N(0, I)` of size `noise_dim + categories + continuous`.
    The first `noise_dim` entries pass through; the next `categories`
    entries become the one-hot vector of their argmax (the argmax of i.i.d.
    Gaussians is uniform over the categories, so this *is* a uniform
    categorical code); the last `continuous` entries pass through as
    N(0, 1) continuous codes. A client that only knows "z ~ N(0, I)" (the
    exported `generate` signature, TF Serving, TFLite) therefore samples the
    training distribution, and one that wants a given code writes it into z:
    a one-hot vector in the categorical slots, values in the continuous ones.

    Args:
        noise_dim: int. Size of the incompressible noise.
        categories: int. Size of the categorical code (0: none).
        continuous: int. Number of continuous codes.

    Example:
    >>> import numpy as np
    >>> layer = LatentCodes(noise_dim=2, categories=3, continuous=1)
    >>> z = np.array([[0.5, -1.0, 0.1, 2.0, -0.3, 0.7]], "float32")
    >>> [round(float(v), 2) for v in np.asarray(layer(z))[0]]
    [0.5, -1.0, 0.0, 1.0, 0.0, 0.7]
    """

    def __init__(self, noise_dim, categories, continuous, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim = noise_dim
        self.categories = categories
        self.continuous = continuous

    def call(self, z):
        noise = z[:, : self.noise_dim]
        parts = [noise]
        if self.categories:
            slots = z[:, self.noise_dim : self.noise_dim + self.categories]
            # One-hot of the argmax, written as "equals the row maximum":
            # keras.ops.one_hot lowers to ops TFLite does not have.
            top = ops.max(slots, axis=-1, keepdims=True)
            parts.append(ops.cast(ops.equal(slots, top), z.dtype))
        if self.continuous:
            parts.append(z[:, self.noise_dim + self.categories :])
        return ops.concatenate(parts, axis=-1) if len(parts) > 1 else noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "noise_dim": self.noise_dim,
            "categories": self.categories,
            "continuous": self.continuous,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchStddev(keras.layers.Layer):
    """Appends the minibatch standard deviation as extra feature maps.

    The batch is split into groups of `group_size` samples; within each
    group the standard deviation of every feature is taken over the group,
    averaged over the features (and pixels) of each of `num_channels`
    channel groups, and appended as constant maps. A discriminator that
    sees this statistic can tell a batch with too little variety from a
    real one, which counters mode collapse. When the batch does not divide
    by `group_size`, the largest of `group_size`, ..., 2, 1 that divides it
    is used.

    Args:
        group_size: int. Samples per group. Defaults to 4.
        num_channels: int. Feature groups, each giving one appended map.
            Defaults to 1.

    Example:
    >>> import numpy as np
    >>> layer = MinibatchStddev(group_size=2)
    >>> tuple(layer(np.zeros((4, 4, 4, 8), "float32")).shape)
    (4, 4, 4, 9)

    Reference:
        Karras et al., "Progressive Growing of GANs for Improved Quality,
        Stability, and Variation", ICLR 2018, sec. 3.
    """

    def __init__(self, group_size=4, num_channels=1, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("group_size", group_size), ("num_channels", num_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int. Received: {name}={value!r}")
        self.group_size = group_size
        self.num_channels = num_channels

    def call(self, x):
        shape = ops.shape(x)
        n, h, w, c = shape[0], shape[1], shape[2], shape[3]
        if isinstance(c, int) and c % self.num_channels:
            raise ValueError(
                f"The input's {c} channels do not divide into num_channels="
                f"{self.num_channels} groups."
            )
        group = 1
        for size in range(self.group_size, 1, -1):
            group = ops.where(ops.logical_and(ops.equal(n % size, 0), group == 1), size, group)
        group = ops.minimum(group, n)
        f = self.num_channels
        y = ops.reshape(ops.cast(x, "float32"), (group, -1, h, w, f, c // f))
        y = y - ops.mean(y, axis=0)
        y = ops.sqrt(ops.mean(ops.square(y), axis=0) + 1e-8)  # (n/G, h, w, f, c/f)
        y = ops.mean(y, axis=(1, 2, 4))  # (n/G, f)
        y = ops.tile(y, (group, 1))  # sample i of every group gets its group's value
        y = ops.reshape(y, (-1, 1, 1, f))
        y = ops.tile(ops.cast(y, x.dtype), (1, h, w, 1))
        return ops.concatenate([x, y], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_channels)

    def get_config(self):
        return {
            **super().get_config(),
            "group_size": self.group_size,
            "num_channels": self.num_channels,
        }


class _SpectralKernel:
    """The kernel divided by its largest singular value, estimated by power
    iteration, as a function of the kernel (Miyato et al. 2018, Algorithm 1):
    the gradient flows through sigma, so the optimizer trains the free kernel
    W and the layer always applies W / sigma(W).

    `keras.layers.SpectralNormalization` instead writes W / sigma back into
    the kernel before each training call, and the gradient does not see the
    division. The top singular direction can then grow at every step and the
    rescaling shrinks the others: in a width-32 DCGAN critic trained for
    120 s (4,461 steps) its 3x3 layers ended with a stable rank of 1.03 and 1.25
    out of 64 (a rank-one bottleneck; the same layers of DCGAN's D: 26 and
    37), and D could barely tell real from fake (hinge loss near 2).
    Through sigma, the gradient of W / sigma(W) is orthogonal to W and has
    the top singular direction's growth removed (the paper's section 2.2).
    """

    def __init__(self, *args, power_iterations=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.power_u = self.add_weight(
            shape=(1, self.kernel.shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            name="power_u",
        )

    def normalized_kernel(self, training=False):
        kernel = self.kernel
        # The power iteration in float32, also under mixed precision.
        matrix = ops.cast(ops.reshape(kernel, (-1, kernel.shape[-1])), "float32")
        u = _unit(self.power_u)
        steps = self.power_iterations if training else 0
        v = _unit(ops.matmul(u, ops.transpose(matrix)))
        for _ in range(steps):
            u = _unit(ops.matmul(v, matrix))
            v = _unit(ops.matmul(u, ops.transpose(matrix)))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        if training:
            self.power_u.assign(ops.cast(u, self.power_u.dtype))
        sigma = ops.sum(ops.matmul(v, matrix) * u)
        return kernel / ops.cast(sigma, kernel.dtype)

    def _bias_and_activation(self, outputs):
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return outputs if self.activation is None else self.activation(outputs)

    # Dense and Conv2D save a fixed list of their own (kernel, bias); the
    # power-iteration vector is saved with them, as any layer's weights are.
    def save_own_variables(self, store):
        keras.layers.Layer.save_own_variables(self, store)

    def load_own_variables(self, store):
        keras.layers.Layer.load_own_variables(self, store)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _unit(x):
    x = ops.cast(x, "float32")
    return x / (ops.sqrt(ops.sum(ops.square(x))) + 1e-12)


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralConv2D(_SpectralKernel, keras.layers.Conv2D):
    """`keras.layers.Conv2D` (channels last) whose kernel is spectrally
    normalized, with the gradient taken through the normalization as in the
    paper.

    Args:
        power_iterations: int. Power iterations per training call.
            Defaults to 1 (the paper's).
        **kwargs: `keras.layers.Conv2D` arguments.

    Example:
    >>> import numpy as np
    >>> layer = SpectralConv2D(4, 3, padding="same")
    >>> tuple(layer(np.zeros((1, 8, 8, 2), "float32")).shape)
    (1, 8, 8, 4)
    """

    def call(self, inputs, training=False):
        kernel = ops.cast(self.normalized_kernel(training), inputs.dtype)
        return self._bias_and_activation(self.convolution_op(inputs, kernel))


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralDense(_SpectralKernel, keras.layers.Dense):
    """`keras.layers.Dense` whose kernel is spectrally normalized, with the
    gradient taken through the normalization as in the paper.

    Args:
        power_iterations: int. Power iterations per training call.
            Defaults to 1 (the paper's).
        **kwargs: `keras.layers.Dense` arguments.

    Example:
    >>> import numpy as np
    >>> tuple(SpectralDense(3)(np.zeros((2, 5), "float32")).shape)
    (2, 3)
    """

    def call(self, inputs, training=False):
        kernel = ops.cast(self.normalized_kernel(training), inputs.dtype)
        return self._bias_and_activation(ops.matmul(inputs, kernel))


@keras.saving.register_keras_serializable(package="keras_gan")
class BatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` that trains through TensorFlow's fused kernel.

    Keras 3 computes a training step's batch statistics and normalisation as a
    chain of casts, reductions and elementwise ops, each a kernel of its own
    (and, with `synchronized=True`, sums of `x` and `x**2` with an all-reduce
    even on one device). On the TensorFlow backend this layer runs the same
    step as one `FusedBatchNormV3` kernel (oneDNN's on x86 CPUs), forward and
    backward, on bfloat16 inputs directly. The weights, the config, the
    moving-statistics update (biased batch variance, as Keras's) and the
    outputs are the parent's up to float rounding. It carries the parent's
    class name because weights files and checkpoints key a layer's variables
    by it (`layers/batch_normalization/vars`): files written with either
    class load into a network built with the other.

    Inference, and whatever the fused kernel does not cover, run the parent's
    code: another backend, inputs that are not 4-D channels-last, a mask,
    `renorm`, an epsilon below the kernel's 1.001e-5, and `synchronized=True`
    under a strategy with more than one replica (where the statistics must be
    summed across replicas).

    Example:
    >>> import numpy as np
    >>> bn = BatchNormalization()
    >>> y = bn(np.random.normal(size=(8, 4, 4, 3)).astype("float32"), training=True)
    >>> tuple(y.shape)
    (8, 4, 4, 3)
    >>> bn.name.startswith("batch_normalization")
    True
    """

    def _fused_applies(self, inputs, mask):
        if keras.backend.backend() != "tensorflow" or mask is not None or self.renorm:
            return False
        if len(inputs.shape) != 4 or self.axis not in (-1, 3) or self.epsilon < 1.001e-5:
            return False
        import tensorflow as tf

        if self.synchronized and tf.distribute.get_strategy().num_replicas_in_sync > 1:
            return False
        return keras.backend.standardize_dtype(inputs.dtype) in ("float32", "bfloat16", "float16")

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable) or not self._fused_applies(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        channels = inputs.shape[-1]
        gamma = (tf.convert_to_tensor(self.gamma) if self.scale
                 else tf.ones((channels,), tf.float32))
        beta = (tf.convert_to_tensor(self.beta) if self.center
                else tf.zeros((channels,), tf.float32))
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, gamma, beta, epsilon=self.epsilon, data_format="NHWC", is_training=True
        )
        # The kernel returns the unbiased (n / (n - 1)) batch variance;
        # Keras's layer keeps the biased one in its moving average.
        shape = tf.shape(inputs)
        count = tf.cast(shape[0] * shape[1] * shape[2], tf.float32)
        variance = variance * (count - 1.0) / tf.maximum(count, 1.0)
        momentum = self.momentum
        self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
        self.moving_variance.assign(
            self.moving_variance * momentum + variance * (1.0 - momentum)
        )
        return tf.cast(outputs, self.compute_dtype)
