"""Small reusable layers."""

import keras
from keras import ops

__all__ = ["LatentCodes"]


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
    >>> np.asarray(layer(z)).round(2).tolist()
    [[0.5, -1.0, 0.0, 1.0, 0.0, 0.7]]
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
