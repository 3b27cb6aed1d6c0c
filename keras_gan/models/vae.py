"""Variational autoencoder with the same surface as the GANs."""

import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures import dcgan_generator
from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.architectures.vae import vae_encoder
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.base import GenerativeModel

_EPSILON = 1e-6


@keras.saving.register_keras_serializable(package="keras_gan")
class VAE(GenerativeModel):
    """Variational autoencoder trained with `fit`, sampled like a GAN.

    The encoder gives q(z | x) = N(mean, diag(exp(log_variance))); a sample
    z = mean + sigma * eps (the reparameterisation trick) is decoded by the
    generator, and training maximises the evidence lower bound:
    `loss = reconstruction + beta * KL(q(z | x) || N(0, I))`, where the
    reconstruction is the Bernoulli negative log-likelihood of the pixels
    (mapped from [-1, 1] to [0, 1]) summed over each image. Samples are
    decoded from z ~ N(0, I), so `generate`, the sample callbacks, FID and
    the export path work exactly as for the GANs (the decoder is exported
    as the generator). Tracked: `loss`, `reconstruction`, `kl`.

    Args:
        encoder: keras.Model or None. images -> [mean, log_variance].
        decoder: keras.Model or None. z -> images in [-1, 1] (the DCGAN
            generator by default).
        image_shape: tuple. Defaults to (28, 28, 1).
        latent_dim: int. Defaults to 16.
        width: int. Base filters of the default networks. Defaults to 64.
        beta: float. Weight of the KL term (1: the ELBO). Defaults to 1.
        seed: int or None. Seeds the reparameterisation noise.

    Example:
    >>> vae = VAE(latent_dim=4, width=8)
    >>> vae.compile()
    >>> vae.generate(2, seed=0).shape
    (2, 28, 28, 1)

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    """

    train_options = ("width",)
    loss_name = "elbo"

    def __init__(
        self,
        encoder=None,
        decoder=None,
        image_shape=(28, 28, 1),
        latent_dim=16,
        width=64,
        beta=1.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0. Received: beta={beta!r}")
        self.width = width
        self.beta = float(beta)
        if decoder is None:
            self.image_shape = check_image_shape(image_shape)
            self.latent_dim = check_positive_int("latent_dim", latent_dim)
            decoder = dcgan_generator(self.image_shape, self.latent_dim, width, name="decoder")
        else:
            self.latent_dim = int(decoder.inputs[0].shape[-1])
            self.image_shape = tuple(int(s) for s in decoder.outputs[0].shape[1:])
        if encoder is None:
            encoder = vae_encoder(self.image_shape, self.latent_dim, width)
        shapes = [tuple(o.shape[1:]) for o in encoder.outputs]
        if shapes != [(self.latent_dim,)] * 2:
            raise ValueError(
                f"The encoder must return [mean, log_variance], each (batch, {self.latent_dim}) "
                f"to match the decoder's z. Received output shapes {shapes}."
            )
        self.encoder = encoder
        self.generator = decoder
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.built = True

    @property
    def decoder(self):
        return self.generator

    def default_optimizers(self):
        """`(None, Adam(1e-3))`: a VAE has one optimizer (in the generator's
        slot, so `train.py --g_learning_rate` sets it)."""
        return None, keras.optimizers.Adam(1e-3)

    # === Compile ===
    def compile(self, optimizer=None, d_optimizer=None, g_optimizer=None, loss=None, **kwargs):
        """Configures training.

        Args:
            optimizer: keras.optimizers.Optimizer or None. Defaults to
                Adam(1e-3); `g_optimizer` is accepted as a synonym.
            d_optimizer, loss: must be None (a VAE has no discriminator and
                one loss, the negative ELBO).
            **kwargs: `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, `run_eagerly`).
        """
        if d_optimizer is not None or loss not in (None, "elbo"):
            raise ValueError(
                "A VAE has no discriminator and trains on the ELBO; pass only "
                "optimizer= (or g_optimizer=)."
            )
        super().compile(optimizer=None, **kwargs)
        self.vae_optimizer = keras.optimizers.get(
            optimizer or g_optimizer or self.default_optimizers()[1]
        )
        self._compile_kwargs = {
            k: v for k, v in kwargs.items() if k in ("jit_compile", "steps_per_execution", "run_eagerly")
        }
        self.vae_optimizer.build(self.trainable_variables)

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {
            "optimizer": keras.saving.serialize_keras_object(self.vae_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        config["optimizer"] = keras.saving.deserialize_keras_object(config["optimizer"])
        self.compile(**config)

    @property
    def optimizers(self):
        return [self.vae_optimizer]

    @property
    def train_steps(self):
        return int(self.vae_optimizer.iterations.numpy())

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    # === Training ===
    def _unpack(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        self.check_batch_shape(images)
        return images

    def losses_of(self, images, training=False):
        """`(reconstruction, kl)` per-batch means for a batch of images."""
        mean, log_variance = self.encoder(images, training=training)
        eps = self.replica_slice(keras.random.normal, tuple(ops.shape(mean)))
        z = mean + ops.exp(0.5 * log_variance) * eps
        decoded = ops.cast(self.generator(z, training=training), "float32")
        target = (ops.cast(images, "float32") + 1.0) / 2.0
        probability = ops.clip((decoded + 1.0) / 2.0, _EPSILON, 1.0 - _EPSILON)
        nll = -(target * ops.log(probability) + (1.0 - target) * ops.log(1.0 - probability))
        reconstruction = ops.mean(ops.sum(ops.reshape(nll, (ops.shape(nll)[0], -1)), axis=1))
        kl = -0.5 * ops.mean(
            ops.sum(1.0 + log_variance - ops.square(mean) - ops.exp(log_variance), axis=1)
        )
        return reconstruction, kl

    def train_step(self, data):
        images = self._unpack(data)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.losses_of(images, training=True)
            loss = reconstruction + self.beta * kl
            scaled = scale_loss_for_distribution(loss)
        variables = self.encoder.trainable_variables + self.generator.trainable_variables
        self.vae_optimizer.apply(tape.gradient(scaled, variables), variables)
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return self.logs()

    # === Config ===
    def get_config(self):
        config = super().get_config()
        config.pop("num_classes")
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.generator),
                "image_shape": tuple(self.image_shape),
                "latent_dim": self.latent_dim,
                "width": self.width,
                "beta": self.beta,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "decoder"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
