"""InfoGAN: a GAN that learns interpretable latent codes."""

import numpy as np
import keras
from keras import ops

from keras_gan.architectures import dcgan_discriminator
from keras_gan.architectures import dcgan_generator
from keras_gan.architectures.common import check_positive_int
from keras_gan.layers import LatentCodes
from keras_gan.models.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class InfoGAN(DCGAN):
    """GAN that maximises the mutual information between codes and samples.

    G's input is noise plus latent codes c: one categorical code (uniform
    over `categories` values) and `continuous` Gaussian codes. A Q head that
    shares D's convolutional body predicts c from G(z, c); both D (body and
    Q head) and G minimise the variational lower bound of -I(c; G(z, c)):
    the cross-entropy of the categorical code plus, for the continuous codes,
    the negative log-likelihood of a unit-variance Gaussian (half the squared
    error), weighted by `continuous_weight`. Without labels, the categorical
    code tends to pick up the data's classes and the continuous ones smooth
    factors such as width or slant. The information loss is tracked as
    `d_info` (D update) and `g_info` (G update).

    The codes live inside z (see `keras_gan.layers.LatentCodes`): the
    generator takes one Gaussian vector of size `latent_dim + categories +
    continuous` and turns the code slots into codes itself, so the exported
    generator and its `generate` signature work unchanged. The paper draws
    the continuous codes from U(-1, 1); they are N(0, 1) here for that
    reason.

    Args:
        categories: int. Values of the categorical code. Defaults to 10.
        continuous: int. Number of continuous codes. Defaults to 2.
        info_weight: float. Weight lambda of the information loss. Defaults to 1.
        continuous_weight: float. Weight of the continuous codes' term inside
            it. Defaults to 0.5.
        latent_dim: int. Size of the noise part of z. Defaults to 62, as in
            the paper's MNIST model.
        code_embedding: bool. Map the codes through a dense layer to as many
            units as the noise before G's body, as a conditional G embeds its
            label. Without it (the paper's plain concatenation) the 10 code
            units drown among the noise units: on Fashion-MNIST the
            categorical code then followed the classes far less (NMI 0.14 vs
            0.62 after 4 epochs, `bench/infogan_sweep.py`). Defaults to True.
        **kwargs: `DCGAN` arguments.

    Example:
    >>> gan = InfoGAN(latent_dim=8, width=8, categories=4, continuous=1)
    >>> gan.compile()
    >>> gan.generate(4, seed=0, codes={"category": [0, 1, 2, 3]}).shape
    (4, 28, 28, 1)

    Reference:
        Chen et al., "InfoGAN: Interpretable Representation Learning by
        Information Maximizing Generative Adversarial Nets", NeurIPS 2016.
    """

    train_options = DCGAN.train_options + ("categories", "continuous", "info_weight", "code_embedding")
    previews = ("grid", "code_sweep")

    def __init__(
        self,
        categories=10,
        continuous=2,
        info_weight=1.0,
        continuous_weight=0.5,
        latent_dim=62,
        code_embedding=True,
        **kwargs,
    ):
        if isinstance(categories, bool) or not isinstance(categories, int) or categories < 0:
            raise ValueError(f"categories must be an int >= 0. Received: categories={categories!r}")
        if isinstance(continuous, bool) or not isinstance(continuous, int) or continuous < 0:
            raise ValueError(f"continuous must be an int >= 0. Received: continuous={continuous!r}")
        if categories == 1 or categories + continuous == 0:
            raise ValueError(
                "InfoGAN needs a categorical code of at least 2 values or a continuous "
                f"code. Received: categories={categories}, continuous={continuous}"
            )
        if kwargs.get("num_classes") is not None:
            raise ValueError("InfoGAN is unconditional; drop num_classes.")
        self.categories = categories
        self.continuous = continuous
        self.info_weight = float(info_weight)
        self.code_embedding = bool(code_embedding)
        self.continuous_weight = float(continuous_weight)
        self.noise_dim = check_positive_int("latent_dim", latent_dim)
        super().__init__(latent_dim=latent_dim + categories + continuous, **kwargs)
        self.noise_dim = self.latent_dim - categories - continuous
        self._penalty_trackers["d_info"] = keras.metrics.Mean(name="d_info")
        self._penalty_trackers["g_info"] = keras.metrics.Mean(name="g_info")

    def build_generator(self):
        z = keras.Input((self.latent_dim,), name="z")
        codes = LatentCodes(self.noise_dim, self.categories, self.continuous)(z)
        if self.code_embedding:
            # The codes get as many input units as the noise (like a
            # conditional G's label embedding), so they are not drowned.
            body_input = self.noise_dim * 2
            embedded = keras.layers.Dense(self.noise_dim, use_bias=False, name="code_embedding")(
                codes[:, self.noise_dim :]
            )
            codes = keras.layers.Concatenate()([codes[:, : self.noise_dim], embedded])
        else:
            body_input = self.latent_dim
        body = dcgan_generator(
            self.image_shape, body_input, self.width, name="body", extra_layers=self.extra_layers
        )
        return keras.Model(z, body(codes), name="generator")

    def build_discriminator(self):
        # The paper's Q: one hidden layer (128) on D's last features.
        return dcgan_discriminator(
            self.image_shape,
            self.width,
            normalization=self.critic_normalization,
            extra_outputs=self.categories + self.continuous,
            extra_hidden=128,
            extra_layers=self.extra_layers,
        )

    def default_optimizers(self):
        # The paper's settings: a faster generator (1e-3) than D (2e-4).
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(1e-3, beta_1=0.5),
        )

    # === Information loss ===
    def information_loss(self, z, outputs):
        """-(lower bound of I(c; G(z, c))) from z and D's [logits, Q] outputs."""
        q = ops.cast(outputs[1], "float32")
        z = ops.cast(z, "float32")
        start, total = self.noise_dim, 0.0
        if self.categories:
            target = ops.argmax(z[:, start : start + self.categories], axis=-1)
            total += ops.mean(
                keras.losses.sparse_categorical_crossentropy(
                    target, q[:, : self.categories], from_logits=True
                )
            )
        if self.continuous:
            error = q[:, self.categories :] - z[:, start + self.categories :]
            total += self.continuous_weight * 0.5 * ops.mean(ops.sum(ops.square(error), axis=-1))
        return self.info_weight * total

    def discriminator_terms(self, real, fake, labels, z, real_outputs, fake_outputs):
        return {
            **super().discriminator_terms(real, fake, labels, z, real_outputs, fake_outputs),
            "d_info": self.information_loss(z, fake_outputs),
        }

    def generator_terms(self, fake, labels, z, fake_outputs):
        return {
            **super().generator_terms(fake, labels, z, fake_outputs),
            "g_info": self.information_loss(z, fake_outputs),
        }

    # === Sampling with chosen codes ===
    def latent_with_codes(self, num, seed=None, codes=None):
        """z for `num` samples with the given codes written into their slots.

        Args:
            codes: dict or None. "category": an int or `(num,)` ints;
                "continuous": a float, `(continuous,)` or `(num, continuous)`
                floats. Codes not given are drawn.
        """
        z = np.array(self.latent_for(num, seed), "float32")
        codes = dict(codes or {})
        unknown = set(codes) - {"category", "continuous"}
        if unknown:
            raise ValueError(
                f'codes takes "category" and "continuous". Received: {sorted(unknown)}'
            )
        start = self.noise_dim
        if "category" in codes:
            if not self.categories:
                raise ValueError("This InfoGAN has no categorical code (categories=0).")
            category = np.broadcast_to(np.asarray(codes["category"]), (num,))
            if not np.issubdtype(category.dtype, np.integer) or category.min() < 0 or category.max() >= self.categories:
                raise ValueError(
                    f"codes['category'] must be ints in [0, {self.categories}). "
                    f"Received: {codes['category']!r}"
                )
            z[:, start : start + self.categories] = np.eye(self.categories)[category]
        if "continuous" in codes:
            if not self.continuous:
                raise ValueError("This InfoGAN has no continuous code (continuous=0).")
            try:
                values = np.broadcast_to(np.asarray(codes["continuous"], "float32"), (num, self.continuous))
            except ValueError:
                raise ValueError(
                    f"codes['continuous'] must broadcast to ({num}, {self.continuous}). "
                    f"Received shape {np.shape(codes['continuous'])}"
                ) from None
            z[:, start + self.categories :] = values
        return z

    def generate(self, num, seed=None, labels=None, batch_size=256, codes=None):
        """`GAN.generate`, plus `codes` (see `latent_with_codes`) to fix codes."""
        check_positive_int("num", num)
        return self.generate_from(self.latent_with_codes(num, seed, codes), labels, batch_size)

    def sweep(self, code="category", values=None, rows=8, seed=0):
        """Samples that vary one code along the columns, noise along the rows.

        Args:
            code: "category", or an int `i` for continuous code `i`.
            values: the code values, one per column. Defaults to every
                category, or 8 steps from -2 to 2 for a continuous code.
            rows: int. Noise vectors (rows). Defaults to 8.
            seed: int. Seed of the noise (and of the codes held fixed).

        Returns:
            `(images, columns)`: `rows * len(values)` images, row-major.
        """
        if code == "category":
            values = np.arange(self.categories) if values is None else np.asarray(values)
        elif isinstance(code, int) and 0 <= code < self.continuous:
            values = np.linspace(-2.0, 2.0, 8) if values is None else np.asarray(values, "float32")
        else:
            raise ValueError(
                'code must be "category" or the index of a continuous code in '
                f"[0, {self.continuous}). Received: code={code!r}"
            )
        columns = len(values)
        base = self.latent_with_codes(rows, seed)
        z = np.repeat(base, columns, axis=0)
        start = self.noise_dim
        if code == "category":
            z[:, start : start + self.categories] = np.eye(self.categories)[np.tile(values, rows)]
        else:
            z[:, start + self.categories + code] = np.tile(values, rows)
        return self.generate_from(z), columns

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.noise_dim,
                "categories": self.categories,
                "continuous": self.continuous,
                "info_weight": self.info_weight,
                "continuous_weight": self.continuous_weight,
                "code_embedding": self.code_embedding,
            }
        )
        return config
