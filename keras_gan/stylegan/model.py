"""StyleGAN (StyleGAN2 configuration) as a `GAN`: style mixing, w_avg,
truncation, lazy R1 and path-length regularisation, an EMA generator."""

import math

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.models.gan import GAN
from keras_gan.stylegan.networks import StyleGenerator
from keras_gan.stylegan.networks import check_resolution
from keras_gan.stylegan.networks import stylegan_discriminator

__all__ = ["StyleGAN"]


def _check_fraction(name, value, low_open=False):
    ok = (0.0 < value <= 1.0) if low_open else (0.0 <= value <= 1.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"{name} must be a number in {interval}. Received: {name}={value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="keras_gan")
class StyleGAN(GAN):
    """StyleGAN with the StyleGAN2 networks (no progressive growing).

    G is a `StyleGenerator`: a mapping network z -> w (z normalised, dense
    layers with a 0.01 learning-rate multiplier), one w per synthesis
    layer, a learned 4x4 constant, modulated convolutions with weight
    demodulation, per-layer noise with zero-initialised strengths (each
    convolution its own), and skip connections through toRGB layers. D is
    residual with a minibatch-stddev layer. Every layer uses the equalised
    learning rate.

    Each step: style mixing (with probability `style_mixing`, a second z
    takes over the style vectors from a random crossover layer on), a D
    update with the non-saturating logistic loss and lazy R1 (every
    `r1_interval` D steps, scaled up by the interval), a G update with
    optional lazy path-length regularisation, the moving average of w
    (decay `w_avg_decay`) and the EMA generator (half-life `ema_kimg`
    thousand images, ramped up over the first `ema_rampup` of training),
    which makes every sample, preview and export. Adam 2e-3,
    betas (0, 0.99), with the paper's correction of the learning rate and
    beta for lazily regularised networks.

    `generate` and `generate_from` take `truncation_psi` and
    `truncation_cutoff`: `w' = w_avg + psi (w - w_avg)` in the first
    `cutoff` layers (all when None).

    Tracked metrics: those of `GAN` (`d_loss`, `g_loss`, `d_real`, `d_fake`),
    `r1`, and `pl` when path-length regularisation is on.

    Args:
        image_shape: tuple. `(side, side, channels)`, side a power of two
            (32, 64, 128; 8 and 16 for tests). Defaults to `(32, 32, 1)`.
        latent_dim: int. Size of z. Defaults to 128.
        w_dim: int. Size of w. Defaults to 128.
        mapping_layers: int. Dense layers of the mapping network. Defaults
            to 4 (the paper's 8 for large data; StyleGAN2-ADA uses 2 for
            CIFAR-10).
        mapping_lr_multiplier: float. Defaults to 0.01.
        width: int. Channels at the output resolution, doubled at every
            halving, in G and D. Defaults to 32 (small enough for 2 CPU cores).
        max_width: int. Channel cap. Defaults to 128.
        style_mixing: float. Probability of mixing two z in a batch.
            Defaults to 0.9.
        r1_weight: float. gamma of R1. Defaults to 0.01 (StyleGAN2-ADA's
            heuristic 0.0002 * side^2 / batch at 32x32, batch 32, rounded).
        r1_interval: int. D steps between R1 penalties. Defaults to 16.
        pl_weight: float. Weight of path-length regularisation (the paper:
            2; 0 turns it off). Defaults to 0.
        pl_interval: int. G steps between path-length penalties. Defaults to 4.
        pl_decay: float. Decay of the running mean path length. Defaults to 0.01.
        pl_batch_shrink: int. The penalty uses batch / shrink samples.
            Defaults to 2.
        w_avg_decay: float. Decay of the moving average of w. Defaults to 0.995.
        ema_kimg: float. Half-life of the EMA generator in thousands of
            images. Defaults to 10.
        ema_rampup: float or None. The half-life is at most this fraction of
            the images seen so far (None: no ramp-up). Defaults to 0.05.
        mbstd_group_size: int. Group of the minibatch-stddev layer. Defaults to 4.
        seed: int or None. Seeds the initialisers and all noise.
        num_classes: int or None. Class-conditional mode: the label is
            embedded into the mapping network's input and D projects onto
            a label embedding.
        augment: str or None. DiffAugment policy (see `GAN`).

    Example:
    >>> import numpy as np
    >>> gan = StyleGAN(image_shape=(16, 16, 1), latent_dim=8, w_dim=8,
    ...                mapping_layers=2, width=4, max_width=8)
    >>> gan.compile()
    >>> x = np.random.uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    >>> _ = gan.fit(x, batch_size=4, epochs=1, verbose=0)
    >>> gan.generate(2, seed=0, truncation_psi=0.7).shape
    (2, 16, 16, 1)

    Reference:
        Karras, Laine & Aila, "A Style-Based Generator Architecture for
        Generative Adversarial Networks", CVPR 2019; Karras et al.,
        "Analyzing and Improving the Image Quality of StyleGAN", CVPR 2020.
    """

    default_loss = "non_saturating"
    train_options = ("augment",)

    def __init__(
        self,
        image_shape=(32, 32, 1),
        latent_dim=128,
        w_dim=128,
        mapping_layers=4,
        mapping_lr_multiplier=0.01,
        width=32,
        max_width=128,
        style_mixing=0.9,
        r1_weight=0.01,
        r1_interval=16,
        pl_weight=0.0,
        pl_interval=4,
        pl_decay=0.01,
        pl_batch_shrink=2,
        w_avg_decay=0.995,
        ema_kimg=10.0,
        ema_rampup=0.05,
        mbstd_group_size=4,
        seed=None,
        num_classes=None,
        augment=None,
        **kwargs,
    ):
        # The networks follow from these arguments: a config never stores them.
        kwargs.pop("generator", None)
        kwargs.pop("discriminator", None)
        kwargs.pop("ema", None)
        self.image_shape = check_resolution(image_shape)
        self.w_dim = check_positive_int("w_dim", w_dim)
        self.mapping_layers = check_positive_int("mapping_layers", mapping_layers)
        if not mapping_lr_multiplier > 0:
            raise ValueError("mapping_lr_multiplier must be > 0. Received: "
                             f"mapping_lr_multiplier={mapping_lr_multiplier!r}")
        self.mapping_lr_multiplier = float(mapping_lr_multiplier)
        self.width = check_positive_int("width", width)
        self.max_width = check_positive_int("max_width", max_width)
        self.style_mixing = _check_fraction("style_mixing", style_mixing)
        if not pl_weight >= 0:
            raise ValueError(f"pl_weight must be >= 0. Received: pl_weight={pl_weight!r}")
        self.pl_weight = float(pl_weight)
        self.pl_interval = check_positive_int("pl_interval", pl_interval)
        self.pl_decay = _check_fraction("pl_decay", pl_decay, low_open=True)
        self.pl_batch_shrink = check_positive_int("pl_batch_shrink", pl_batch_shrink)
        self.w_avg_decay = _check_fraction("w_avg_decay", w_avg_decay)
        if not ema_kimg > 0:
            raise ValueError(f"ema_kimg must be > 0. Received: ema_kimg={ema_kimg!r}")
        self.ema_kimg = float(ema_kimg)
        if ema_rampup is not None:
            ema_rampup = _check_fraction("ema_rampup", ema_rampup, low_open=True)
        self.ema_rampup = ema_rampup
        self.mbstd_group_size = check_positive_int("mbstd_group_size", mbstd_group_size)
        super().__init__(
            image_shape=self.image_shape, latent_dim=latent_dim, seed=seed,
            num_classes=num_classes, ema=None, augment=augment, r1_weight=r1_weight,
            r1_interval=r1_interval, **kwargs,
        )
        # The sampling generator: same networks, weights a moving average of G's.
        self.ema_generator = self.build_generator()
        self.ema_generator.set_weights(self.generator.get_weights())
        self.ema_generator.trainable = False
        self.pl_mean = self.add_weight(shape=(), name="pl_mean", initializer="zeros",
                                       trainable=False)
        if self.pl_weight:
            self._penalty_trackers["pl"] = keras.metrics.Mean(name="pl")

    # === Networks ===
    def build_generator(self):
        return StyleGenerator(
            self.image_shape, self.latent_dim, self.w_dim, self.mapping_layers,
            self.mapping_lr_multiplier, self.width, self.max_width, self.num_classes,
            seed=self.seed,
        )

    def build_discriminator(self):
        return stylegan_discriminator(
            self.image_shape, self.width, self.max_width, self.num_classes,
            self.mbstd_group_size, seed=None if self.seed is None else self.seed + 7,
        )

    def _check_network(self, role, network):
        if role == "generator" and not isinstance(network, StyleGenerator):
            raise ValueError(f"generator must be a StyleGenerator. Received: {network!r}")
        if role == "discriminator":
            super()._check_network(role, network)

    @property
    def num_ws(self):
        """Style vectors per image: one per synthesis layer."""
        return self.generator.num_ws

    def default_optimizers(self):
        """Adam(2e-3, betas (0, 0.99), eps 1e-8) for both networks, with the
        lazy-regularisation correction `lr * c`, `beta_2 ** c`,
        `c = interval / (interval + 1)` (StyleGAN2, Appendix B)."""

        def adam(interval, lazy):
            c = interval / (interval + 1.0) if lazy and interval > 1 else 1.0
            return keras.optimizers.Adam(2e-3 * c, beta_1=0.0, beta_2=0.99**c, epsilon=1e-8)

        return (adam(self.r1_interval, self.r1_weight > 0),
                adam(self.pl_interval, self.pl_weight > 0))

    # === Styles ===
    def mixed_ws(self, z, labels, training=True):
        """ws of a training batch: the mapping of `z`, and with probability
        `style_mixing` the mapping of a second z from a random crossover
        layer (in [1, num_ws)) on; one coin and one crossover per batch, as
        in the reference implementation."""
        inputs = self._generator_inputs(z, labels)
        ws = self.generator.map(inputs, training=training)
        if not self.style_mixing or self.num_ws < 2:
            return ws
        z2 = self.sample_latent(ops.shape(z)[0])
        ws2 = self.generator.map(self._generator_inputs(z2, labels), training=training)
        draw = self.replica_slice(keras.random.uniform, (1, 2))[0]
        crossover = ops.cast(1 + ops.floor(draw[0] * (self.num_ws - 1)), "int32")
        crossover = ops.where(draw[1] < self.style_mixing, crossover, self.num_ws)
        layer = ops.arange(self.num_ws, dtype="int32")[None, :, None]
        return ops.where(layer >= crossover, ws2, ws)

    def mix_styles(self, z_coarse, z_fine, crossover, labels=None, truncation_psi=1.0,
                   truncation_cutoff=None):
        """ws taking layers `[0, crossover)` from `z_coarse` and the rest from
        `z_fine`, through the sampling generator's mapping and w_avg."""
        generator = self.sampling_generator
        if not 0 < crossover < generator.num_ws:
            raise ValueError(f"crossover must be in [1, {generator.num_ws}). "
                             f"Received: crossover={crossover!r}")
        ws_a = generator.map(self._generator_inputs(z_coarse, labels), truncation_psi,
                             truncation_cutoff)
        ws_b = generator.map(self._generator_inputs(z_fine, labels), truncation_psi,
                             truncation_cutoff)
        return ops.concatenate([ws_a[:, :crossover], ws_b[:, crossover:]], axis=1)

    # === Training ===
    def train_step(self, data):
        real, labels = self._unpack(data)
        real = ops.convert_to_tensor(real)  # numpy batches when run eagerly
        z = self.sample_latent(ops.shape(real)[0])
        with tf.GradientTape() as g_tape:
            # The mapping network runs under G's tape, so it trains with G.
            ws = self.mixed_ws(z, labels)
            fake = self.generator.synthesis(ws, training=True)
            with g_tape.stop_recording():
                self._update_w_avg(ws[:, 0])
                self._discriminator_step(real, labels, z=z, fake=fake)
            objective = self._generator_objective(fake, labels, z)
        self._apply_generator_update(g_tape, *objective)
        self._update_ema(ops.shape(real)[0])
        return self.logs()

    def _update_w_avg(self, w):
        w_avg = self.generator.w_avg
        batch_mean = ops.mean(ops.cast(w, "float32"), axis=0)
        w_avg.assign(batch_mean + (w_avg - batch_mean) * self.w_avg_decay)

    def _update_ema(self, batch_size):
        """EMA generator <- lerp(G, EMA, beta), beta = 0.5 ** (batch / half-life)."""
        half_life = self.ema_kimg * 1000.0
        if self.ema_rampup is not None:
            seen = ops.cast(self.g_optimizer.iterations, "float32") * ops.cast(batch_size, "float32")
            half_life = ops.minimum(half_life, seen * self.ema_rampup)
        beta = ops.power(0.5, ops.cast(batch_size, "float32") / ops.maximum(half_life, 1e-8))
        for average, variable in zip(self.ema_generator.weights, self.generator.weights):
            if variable.trainable:
                average.assign(variable + (average - variable) * ops.cast(beta, average.dtype))
            else:
                average.assign(variable)

    def generator_terms(self, fake, labels, z, fake_outputs):
        if not self.pl_weight:
            return {}
        value = self.lazy_penalty(lambda: self._path_length_penalty(z, labels),
                                  self.pl_interval, self.g_optimizer)
        return {"pl": self.pl_weight * value}

    def _path_length_penalty(self, z, labels):
        """`E[(||J_w^T y||_2 - a)^2]`, y ~ N(0, I) / sqrt(H W), `a` the running
        mean of the lengths (StyleGAN2, sec. 3.2)."""
        batch = ops.maximum(ops.shape(z)[0] // self.pl_batch_shrink, 1)
        z = z[:batch]
        labels = None if labels is None else labels[:batch]
        ws = self.mixed_ws(z, labels)
        with tf.GradientTape() as tape:
            tape.watch(ws)
            images = ops.cast(self.generator.synthesis(ws, training=True), "float32")
            height, width = self.image_shape[0], self.image_shape[1]
            # One noise image per sample, as in the reference code.
            noise = keras.random.normal(ops.shape(images), seed=self.seed_generator)
            noise = noise / math.sqrt(height * width)
            output = ops.sum(images * noise)
        gradients = ops.cast(tape.gradient(output, ws), "float32")
        lengths = ops.sqrt(ops.mean(ops.sum(ops.square(gradients), axis=2), axis=1) + 1e-8)
        mean = self.pl_mean + self.pl_decay * (ops.mean(lengths) - self.pl_mean)
        self.pl_mean.assign(ops.stop_gradient(mean))
        return ops.mean(ops.square(lengths - ops.stop_gradient(mean)))

    # === Sampling ===
    @property
    def sampling_generator(self):
        """The EMA generator (with G's w_avg and noise maps)."""
        return self.ema_generator

    def generate(self, num, seed=None, labels=None, batch_size=256, truncation_psi=1.0,
                 truncation_cutoff=None):
        """Generates `num` images in [-1, 1] (see `GAN.generate`).

        Args:
            truncation_psi: float. 1: no truncation; 0: every z gives the
                image of w_avg. Defaults to 1.
            truncation_cutoff: int or None. Truncate only the first
                `truncation_cutoff` style vectors. Defaults to None (all).
        """
        check_positive_int("num", num)
        return self.generate_from(self.latent_for(num, seed), labels, batch_size,
                                  truncation_psi, truncation_cutoff)

    def generate_from(self, z, labels=None, batch_size=256, truncation_psi=1.0,
                      truncation_cutoff=None):
        """Runs the sampling generator on given `z` (see `generate`)."""
        self._check_truncation(truncation_psi, truncation_cutoff)
        return super().generate_from(z, labels, batch_size, truncation_psi=truncation_psi,
                                     truncation_cutoff=truncation_cutoff)

    def _check_truncation(self, psi, cutoff):
        if isinstance(psi, bool) or not isinstance(psi, (int, float)):
            raise ValueError(f"truncation_psi must be a float. Received: truncation_psi={psi!r}")
        if cutoff is not None and (isinstance(cutoff, bool) or not isinstance(cutoff, int)
                                   or not 0 <= cutoff <= self.num_ws):
            raise ValueError(f"truncation_cutoff must be None or an int in [0, {self.num_ws}]. "
                             f"Received: truncation_cutoff={cutoff!r}")

    def synthesize(self, ws, training=False):
        """Images in [-1, 1] of given ws `(batch, num_ws, w_dim)` from the
        sampling generator."""
        images = self.sampling_generator.synthesis(ws, training=training)
        return ops.clip(images, -1.0, 1.0)

    # === Config ===
    def get_config(self):
        config = super().get_config()
        for key in ("generator", "discriminator", "ema"):
            config.pop(key, None)
        config.update({
            "w_dim": self.w_dim, "mapping_layers": self.mapping_layers,
            "mapping_lr_multiplier": self.mapping_lr_multiplier, "width": self.width,
            "max_width": self.max_width, "style_mixing": self.style_mixing,
            "pl_weight": self.pl_weight, "pl_interval": self.pl_interval,
            "pl_decay": self.pl_decay, "pl_batch_shrink": self.pl_batch_shrink,
            "w_avg_decay": self.w_avg_decay, "ema_kimg": self.ema_kimg,
            "ema_rampup": self.ema_rampup, "mbstd_group_size": self.mbstd_group_size,
        })
        return config
