"""StackGAN: Stage-I sketches from text at low resolution, Stage-II refines
it with the text again at twice the resolution."""

import tensorflow as tf
import keras
from keras import ops

from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.text2image import architectures
from keras_gan.text2image import losses as text_losses
from keras_gan.text2image.text_to_image_gan import TextToImageGAN

__all__ = ["StackGAN"]


@keras.saving.register_keras_serializable(package="keras_gan")
class StackGAN(TextToImageGAN):
    """StackGAN with conditioning augmentation, trained stage by stage.

    Stage-I G `[z, h, eps] -> [image/2, kl]` and D judge half-resolution
    images (real ones are 2x2 average-pooled); Stage-II G `[Stage-I image,
    h, eps] -> [image, kl]` refines Stage-I's output with the text again,
    and its own D judges full-resolution images. Each generator draws its
    condition `c = mu(h) + sigma(h) * eps` (conditioning augmentation) with
    `eps ~ N(0, I)` while training and `eps = 0` (c = mu) when sampling;
    `kl_weight` times KL(N(mu, sigma^2) || N(0, I)) joins its loss. Both
    discriminators use the matching-aware loss.

    `stage` says which stage `fit` trains (and which output `generate`
    returns; Stage-I images are bilinearly resized to `image_shape`):
    train Stage-I, then `set_stage(2)` and train Stage-II with Stage-I
    frozen, as Zhang et al. do. Tracked: `d_loss`, `g_loss`, `d_real`,
    `d_fake`, `d_wrong`, `kl` of the stage being trained.

    Args:
        text_encoder: keras.Model or None. Strings -> vectors (frozen).
        generator: keras.Model or None. Stage-I generator.
        discriminator: keras.Model or None. Stage-I discriminator.
        stage2_generator: keras.Model or None. Stage-II generator.
        stage2_discriminator: keras.Model or None. Stage-II discriminator.
        image_shape: tuple. Stage-II's output shape; Stage-I makes half the
            side. Defaults to `(32, 32, 3)`.
        latent_dim: int. Defaults to 100.
        condition_dim: int. Size of c. Defaults to 128.
        width: int. Channel width of the default networks. Defaults to 32.
        kl_weight: float. Defaults to 1.0.
        stage: int. 1 or 2. Defaults to 1.
        seed: int or None. Seeds the model's noise.

    Example:
    >>> from keras_gan.text2image import text_encoder as text_lib
    >>> gan = StackGAN(text_encoder=text_lib.text_encoder(embedding_dim=16, width=16),
    ...                image_shape=(16, 16, 3), latent_dim=8, width=8)
    >>> gan.compile()
    >>> gan.set_stage(2)
    >>> gan.generate(2, seed=0, captions="a big blue coat in the middle").shape
    (2, 16, 16, 3)

    Reference:
        Zhang et al., "StackGAN: Text to Photo-realistic Image Synthesis with
        Stacked Generative Adversarial Networks", ICCV 2017.
    """

    train_options = ()

    def __init__(self, text_encoder=None, generator=None, discriminator=None,
                 stage2_generator=None, stage2_discriminator=None, image_shape=(32, 32, 3),
                 latent_dim=100, condition_dim=128, width=32, kl_weight=1.0, stage=1,
                 seed=None, **kwargs):
        if kwargs.get("ema"):
            raise ValueError(f"StackGAN does not take ema. Received: ema={kwargs['ema']!r}")
        kwargs.pop("ema", None)
        kwargs.pop("projection_dim", None)
        kwargs.setdefault("int_weight", 0.0)
        if not kl_weight >= 0:
            raise ValueError(f"kl_weight must be >= 0. Received: kl_weight={kl_weight!r}")
        self._check_stage(stage)
        image_shape = tuple(int(s) for s in image_shape)
        if image_shape[0] % 2 or image_shape[0] < 16:
            raise ValueError(
                "image_shape must have an even side of at least 16 (Stage-I makes half of it). "
                f"Received: image_shape={image_shape}"
            )
        super().__init__(text_encoder=text_encoder, generator=generator,
                         discriminator=discriminator, image_shape=image_shape,
                         latent_dim=latent_dim, projection_dim=condition_dim, width=width,
                         seed=seed, **kwargs)
        self.condition_dim = condition_dim
        self.kl_weight = float(kl_weight)
        self.stage = stage
        self.low_shape = tuple(int(s) for s in self.generator.outputs[0].shape[1:])
        g2 = stage2_generator or architectures.stage2_generator(
            self.low_shape, self.embedding_dim, condition_dim, width)
        self.image_shape = tuple(int(s) for s in g2.outputs[0].shape[1:])
        d2 = stage2_discriminator or architectures.text_discriminator(
            self.image_shape, self.embedding_dim, condition_dim, width, name="stage2_discriminator")
        for role, network in (("stage2_generator", g2), ("stage2_discriminator", d2)):
            self._check_network(role, network)
            self._check_embedding_input(role, network, self.embedding_dim)
        self.stage2_generator = g2
        self.stage2_discriminator = d2
        self._penalty_trackers["kl"] = keras.metrics.Mean(name="kl")

    @staticmethod
    def _check_stage(stage):
        if stage not in (1, 2) or isinstance(stage, bool):
            raise ValueError(f"stage must be 1 or 2. Received: stage={stage!r}")

    def _default_networks(self, generator, discriminator, image_shape, latent_dim,
                          embedding_dim, projection_dim, width):
        low = (image_shape[0] // 2, image_shape[1] // 2, image_shape[2])
        generator = generator or architectures.stage1_generator(
            low, latent_dim, embedding_dim, projection_dim, width)
        shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
        discriminator = discriminator or architectures.text_discriminator(
            shape, embedding_dim, projection_dim, width, name="stage1_discriminator")
        return generator, discriminator

    def set_stage(self, stage):
        """Chooses the stage that `fit` trains and `generate` returns."""
        self._check_stage(stage)
        self.stage = stage
        # fit() traced train_step for the old stage; trace it again.
        self.train_function = None
        self.make_train_function(force=True) if getattr(self, "compiled", False) else None

    # === Compile ===
    def compile(self, d_optimizer=None, g_optimizer=None, d2_optimizer=None,
                g2_optimizer=None, **kwargs):
        """As `GAN.compile`, with the Stage-II optimizers `d2_optimizer` and
        `g2_optimizer` (default: the same settings as Stage-I's)."""
        super().compile(d_optimizer, g_optimizer, **kwargs)
        defaults = self.default_optimizers()
        self.d2_optimizer = keras.optimizers.get(d2_optimizer or defaults[0])
        self.g2_optimizer = keras.optimizers.get(g2_optimizer or defaults[1])
        if len({id(o) for o in self.optimizers}) != 4:
            raise ValueError("StackGAN needs four distinct optimizer objects, one per network.")
        self.d2_optimizer.build(self.stage2_discriminator.trainable_variables)
        self.g2_optimizer.build(self.stage2_generator.trainable_variables)

    def get_compile_config(self):
        config = super().get_compile_config()
        if config is not None:
            config["d2_optimizer"] = keras.saving.serialize_keras_object(self.d2_optimizer)
            config["g2_optimizer"] = keras.saving.serialize_keras_object(self.g2_optimizer)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d2_optimizer", "g2_optimizer"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        super().compile_from_config(config)

    @property
    def optimizers(self):
        return [self.d_optimizer, self.g_optimizer, self.d2_optimizer, self.g2_optimizer]

    @property
    def train_steps(self):
        """Steps of both stages: each step updates one stage's G once."""
        return int(self.g_optimizer.iterations.numpy()) + int(self.g2_optimizer.iterations.numpy())

    # === Training ===
    def _eps(self, batch):
        return self.replica_slice(keras.random.normal, (batch, self.condition_dim))

    def train_step(self, data):
        real, captions = self._unpack_text(data)
        embeddings = self.embed(captions)
        batch = ops.shape(real)[0]
        z = self.sample_latent(batch)
        eps = self._eps(batch)
        if self.stage == 1:
            generator, discriminator = self.generator, self.discriminator
            d_opt, g_opt = self.d_optimizer, self.g_optimizer
            real = ops.average_pool(real, 2, 2)
            inputs = [z, embeddings, eps]
        else:
            generator, discriminator = self.stage2_generator, self.stage2_discriminator
            d_opt, g_opt = self.d2_optimizer, self.g2_optimizer
            # Stage-I is frozen: its sketch (with its own augmented condition) is an input.
            low, _ = self.generator([z, embeddings, self._eps(batch)], training=False)
            inputs = [ops.stop_gradient(low), embeddings, eps]
        with tf.GradientTape() as g_tape:
            fake, kl = generator(inputs, training=True)
            with g_tape.stop_recording():
                self._matching_step(discriminator, d_opt, real, fake, embeddings)
            g_loss = self.generator_loss(discriminator([fake, embeddings], training=True))
            kl = text_losses.kl_loss(kl)
            scaled = scale_loss_for_distribution(g_loss + self.kl_weight * kl)
        variables = generator.trainable_variables
        g_opt.apply(g_tape.gradient(scaled, variables), variables)
        self.g_loss_tracker.update_state(g_loss)
        self._penalty_trackers["kl"].update_state(kl)
        return self.logs()

    # === Sampling ===
    def images_from(self, z, embeddings, generator=None, stage=None):
        """Final images (`stage` defaults to `self.stage`) with c = mu."""
        zeros = ops.zeros((ops.shape(z)[0], self.condition_dim))
        low, _ = self.generator([z, embeddings, zeros], training=False)
        if (stage or self.stage) == 1:
            return ops.image.resize(low, self.image_shape[:2], interpolation="bilinear")
        return self.stage2_generator([low, embeddings, zeros], training=False)[0]

    def generate_stages(self, num, seed=None, captions=None):
        """`(stage1_images, stage2_images)` for the same z and captions."""
        captions = self.check_captions(captions, num)
        z = self.latent_for(num, seed)
        embeddings = self.embed(captions)
        zeros = ops.zeros((num, self.condition_dim))
        low, _ = self.generator([z, embeddings, zeros], training=False)
        high = self.stage2_generator([low, embeddings, zeros], training=False)[0]
        return ops.convert_to_numpy(low), ops.convert_to_numpy(high)

    # === Config ===
    def get_config(self):
        config = super().get_config()
        for key in ("projection_dim", "int_weight", "int_beta", "ema"):
            config.pop(key, None)
        config.update({
            "stage2_generator": keras.saving.serialize_keras_object(self.stage2_generator),
            "stage2_discriminator": keras.saving.serialize_keras_object(self.stage2_discriminator),
            "image_shape": tuple(self.image_shape),
            "condition_dim": self.condition_dim,
            "kl_weight": self.kl_weight,
            "stage": self.stage,
        })
        return config
