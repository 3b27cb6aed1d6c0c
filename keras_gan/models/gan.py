"""The GAN base class: the adversarial game as a `keras.Model`."""

import tensorflow as tf
import keras
from keras import ops

from keras_gan import augment as augment_lib
from keras_gan import losses as losses_lib
from keras_gan.architectures import mlp_discriminator
from keras_gan.architectures import mlp_generator
from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.base import GenerativeModel
from keras_gan.models.ema import EMASampling
from keras_gan.models.network_checks import NetworkChecks
from keras_gan.models.two_player import TwoPlayer


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(EMASampling, TwoPlayer, NetworkChecks, GenerativeModel):
    """Generative adversarial network trained with `fit`.

    Each `train_step` first updates the discriminator D on a real batch
    (label 1) and a generated batch (label 0), then updates the generator G
    to make the updated D call that same generated batch real, each with
    its own `tf.GradientTape` (G's forward pass is computed once per step).
    With no networks given, builds the multilayer perceptrons of the original
    paper; subclasses change the default networks, losses and optimizers.

    Tracked metrics: `d_loss`, `g_loss`, and `d_real` / `d_fake`, the mean
    of D(x) and D(G(z)) (probabilities for the minimax losses, so the game's
    equilibrium D = 1/2 can be watched; raw scores for the other losses).

    Args:
        generator: keras.Model or None. Maps z of shape `(batch, latent_dim)`
            (and int labels for conditional models) to images in [-1, 1].
            Defaults to the class's default architecture.
        discriminator: keras.Model or None. Maps images (and labels) to one
            logit per sample. Defaults to the class's default architecture.
        image_shape: tuple. `(height, width, channels)` for the default
            networks; read from `generator` when one is given. Defaults to
            `(28, 28, 1)`.
        latent_dim: int. Size of z; read from `generator` when one is given.
            Defaults to 100.
        seed: int or None. Seeds the model's noise generator, so two models
            built and trained with the same seed draw the same noise.
        ema: float or None. Keep an exponential moving average of G's
            weights with this decay (e.g. 0.999) and sample from it
            (`generate`, callbacks, export); training still uses G itself.
            The average lives in G's optimizer (`use_ema`). Defaults to None.
        augment: str or None. DiffAugment policy applied to every image D
            sees, real or generated, in both updates: a comma-separated list
            of "color", "translation", "cutout". Defaults to None.
        r1_weight: float. gamma of the R1 penalty `gamma / 2 * E||grad
            D(x_real)||^2` added to D's loss (tracked as `r1`). Defaults to 0.
        r1_interval: int. Lazy R1 (Karras et al., StyleGAN2): take the
            penalty only every `r1_interval` D updates, scaled by
            `r1_interval` so its average is unchanged. Defaults to 1.
        batch_norm: bool. Batch normalization before each hidden ReLU of
            the default MLP generator (`mlp_generator(batch_norm=True)`), as
            DCGAN's G has it; the paper predates it. A given generator keeps
            its own layers; subclasses with other networks refuse it.
            Defaults to False.

    Example:
    >>> import numpy as np
    >>> gan = GAN(image_shape=(28, 28, 1), latent_dim=8)
    >>> gan.compile()
    >>> x = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    >>> history = gan.fit(x, batch_size=32, epochs=1, verbose=0)
    >>> gan.generate(4, seed=0).shape
    (4, 28, 28, 1)

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """

    # The options every GAN takes; `train_options` adds a class's own.
    shared_train_options = ("ema", "augment", "r1_weight", "r1_interval")
    train_options = shared_train_options + ("batch_norm",)
    collapse_advice = ("Try a Wasserstein or unrolled GAN, a lower generator learning rate, "
                       "or an earlier checkpoint.")
    compile_objects = TwoPlayer.compile_objects + ("discriminator_loss", "generator_loss")
    # Whether a conditional D takes the labels as an input (cGAN) or
    # predicts them (ACGAN).
    discriminator_takes_labels = True

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        latent_dim=100,
        seed=None,
        num_classes=None,
        ema=None,
        augment=None,
        r1_weight=0.0,
        r1_interval=1,
        batch_norm=False,
        **kwargs,
    ):
        super().__init__(seed=seed, num_classes=num_classes, **kwargs)
        if batch_norm and type(self).build_generator is not GAN.build_generator:
            raise ValueError(
                f"batch_norm shapes GAN's default MLP generator; {type(self).__name__}'s "
                "networks set their own normalization. Leave batch_norm out.")
        if ema is not None and not 0.0 < ema < 1.0:
            raise ValueError(f"ema must be a decay in (0, 1) or None. Received: ema={ema!r}")
        if augment:
            augment_lib.check_policy(augment)
        if not r1_weight >= 0:
            raise ValueError(f"r1_weight must be >= 0. Received: r1_weight={r1_weight!r}")
        self.ema = ema
        self.augment = augment or None
        self.r1_weight = float(r1_weight)
        self.r1_interval = check_positive_int("r1_interval", r1_interval)
        self.batch_norm = bool(batch_norm)
        if generator is None:
            self.image_shape = check_image_shape(image_shape)
            self.latent_dim = check_positive_int("latent_dim", latent_dim)
            generator = self.build_generator()
        else:
            self._check_network("generator", generator)
            self.latent_dim = int(generator.inputs[0].shape[-1])
            self.image_shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
        if discriminator is None:
            discriminator = self.build_discriminator()
        else:
            self._check_network("discriminator", discriminator)
        self._check_pair(generator, discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.ema_generator = None
        if ema is not None:
            # Same architecture, weights filled from the optimizer's moving
            # average whenever samples are drawn.
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.trainable = False
        # === Metric trackers ===
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self._penalty_trackers = {}
        if self.r1_weight:
            self._penalty_trackers["r1"] = keras.metrics.Mean(name="r1")
        self.built = True

    # === Default networks (overridden by subclasses) ===
    def build_generator(self):
        return mlp_generator(self.image_shape, self.latent_dim, num_classes=self.num_classes,
                             batch_norm=self.batch_norm)

    def build_discriminator(self):
        return mlp_discriminator(self.image_shape, num_classes=self.num_classes)

    # === Compile ===
    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss=None,
        discriminator_loss=None,
        generator_loss=None,
        **kwargs,
    ):
        """Configures training.

        Args:
            d_optimizer: keras.optimizers.Optimizer or None. Defaults to the
                class's paper setting (`default_optimizers()`).
            g_optimizer: keras.optimizers.Optimizer or None. Same default.
            loss: str or None. A loss family of `keras_gan.losses`:
                "non_saturating", "saturating", "wasserstein", "hinge",
                "least_squares". Defaults to the class's `default_loss`.
            discriminator_loss: callable or None. `fn(real_logits,
                fake_logits) -> scalar`; overrides the family's.
            generator_loss: callable or None. `fn(fake_logits) -> scalar`;
                overrides the family's.
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`).
        """
        self._custom_losses = (discriminator_loss, generator_loss)
        super().compile(d_optimizer, g_optimizer, loss, **kwargs)
        self.discriminator_loss = discriminator_loss or self.discriminator_loss
        self.generator_loss = generator_loss or self.generator_loss

    def extra_compile_config(self):
        d_loss, g_loss = self._custom_losses
        ser = keras.saving.serialize_keras_object
        return {
            "discriminator_loss": ser(d_loss) if d_loss else None,
            "generator_loss": ser(g_loss) if g_loss else None,
        }

    # === Training ===
    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
            *self._penalty_trackers.values(),
        ]

    def _discriminator_inputs(self, images, labels, training=True):
        """What D is given for `images`: DiffAugment-ed while training when
        asked, with the labels if D takes them."""
        if self.augment and training:
            images = augment_lib.diff_augment(images, self.augment, self.replica_slice)
        if self.num_classes is None or not self.discriminator_takes_labels:
            return images
        return [images, labels]

    def _discriminate(self, images, labels, training=True):
        """D's output on `images` (see `_discriminator_inputs`)."""
        return self.discriminator(self._discriminator_inputs(images, labels, training),
                                  training=training)

    @staticmethod
    def adversarial_logits(outputs):
        """The real/fake score among D's outputs (the first, if several)."""
        return outputs[0] if isinstance(outputs, (list, tuple)) else outputs

    def _unpack(self, data):
        if isinstance(data, (tuple, list)):
            images = data[0]
            labels = data[1] if len(data) > 1 else None
        else:
            images, labels = data, None
        if self.num_classes is not None and labels is None:
            raise ValueError(
                f"{type(self).__name__} is conditional and needs (images, "
                "labels) batches; load the data with with_labels=True."
            )
        self.check_batch_shape(images)
        if labels is not None:
            labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
            if self.num_classes is not None:
                # Without this, an out-of-range label fails deep inside the
                # embedding lookup with an index error.
                message = f"labels must lie in [0, {self.num_classes}) for this model."
                checks = [
                    tf.debugging.assert_non_negative(labels, message=message),
                    tf.debugging.assert_less(labels, self.num_classes, message=message),
                ]
                with tf.control_dependencies(checks):
                    labels = tf.identity(labels)
        return images, labels

    def discriminator_terms(self, real, fake, labels, z, real_outputs, fake_outputs):
        """Extra terms of D's loss as `{metric_name: value}`; each is added
        to the loss and tracked. Subclasses add theirs to `super()`'s."""
        if not self.r1_weight:
            return {}

        def penalty():
            return losses_lib.r1_penalty(
                lambda x: self.adversarial_logits(self._discriminate(x, labels)), real
            )

        return {"r1": 0.5 * self.r1_weight * self.lazy_penalty(penalty, self.r1_interval)}

    def lazy_penalty(self, penalty, interval, optimizer=None):
        """Lazy regularization (Karras et al., StyleGAN2): `penalty()` scaled
        by `interval` on every `interval`-th update of `optimizer` (D's by
        default) and zero, not computed, on the others, so its average is
        unchanged; `penalty()` itself when `interval` is 1."""
        if interval == 1:
            return penalty()
        optimizer = optimizer or self.d_optimizer
        due = ops.equal(optimizer.iterations % interval, 0)
        return tf.cond(due, lambda: penalty() * float(interval), lambda: tf.zeros((), "float32"))

    def generator_terms(self, fake, labels, z, fake_outputs):
        """Extra terms of G's loss as `{metric_name: value}`, as above."""
        return {}

    def train_step(self, data):
        real, labels = self._unpack(data)
        # One generated batch serves both updates, as in the DCGAN reference
        # training loops: G's tape records G's forward pass, pauses while D
        # takes its own update on that batch, then records the updated D's
        # judgement of it. This saves a second G forward pass per step.
        z = self.sample_latent(ops.shape(real)[0])
        with tf.GradientTape() as g_tape:
            fake = self.generator(self._generator_inputs(z, labels), training=True)
            # 1) Discriminator: real batch labelled 1, generated batch labelled 0.
            with g_tape.stop_recording():
                self._discriminator_step(real, labels, z=z, fake=fake)
            # 2) Generator: make the updated D call the same batch real.
            objective = self._generator_objective(fake, labels, z)
        self._apply_generator_update(g_tape, *objective)
        return self.logs()

    def _discriminator_step(self, real, labels, z=None, fake=None):
        """One D update. Draws z and G(z) unless given (`fake` is then
        taken as a constant: D's tape does not reach G)."""
        if z is None:
            z = self.sample_latent(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            if fake is None:
                fake = self.generator(self._generator_inputs(z, labels), training=True)
            real_outputs = self._discriminate(real, labels)
            fake_outputs = self._discriminate(fake, labels)
            real_logits = self.adversarial_logits(real_outputs)
            fake_logits = self.adversarial_logits(fake_outputs)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            penalties = self.discriminator_terms(
                real, fake, labels, z, real_outputs, fake_outputs
            )
            total = d_loss + sum(penalties.values()) if penalties else d_loss
            # Gradients are summed over replicas: scale by 1 / replicas.
            total = scale_loss_for_distribution(total)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(total, d_vars), d_vars)
        self.d_loss_tracker.update_state(d_loss)
        self.d_real_tracker.update_state(ops.mean(self._scores(real_logits)))
        self.d_fake_tracker.update_state(ops.mean(self._scores(fake_logits)))
        for name, value in penalties.items():
            self._penalty_trackers[name].update_state(value)

    def _generator_objective(self, fake, labels, z):
        """G's loss on `fake` (recorded on the caller's tape):
        `(g_loss, extra terms, total scaled for distribution)`."""
        fake_outputs = self._discriminate(fake, labels)
        g_loss = self.generator_loss(self.adversarial_logits(fake_outputs))
        terms = self.generator_terms(fake, labels, z, fake_outputs)
        total = g_loss + sum(terms.values()) if terms else g_loss
        return g_loss, terms, scale_loss_for_distribution(total)

    def _apply_generator_update(self, tape, g_loss, terms, scaled):
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(scaled, g_vars), g_vars)
        self.g_loss_tracker.update_state(g_loss)
        for name, value in terms.items():
            self._penalty_trackers[name].update_state(value)

    def _generator_step(self, batch_size, labels):
        """One G update on a fresh batch (the Wasserstein models' step,
        whose critic updates use batches of their own)."""
        z = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake = self.generator(self._generator_inputs(z, labels), training=True)
            objective = self._generator_objective(fake, labels, z)
        self._apply_generator_update(tape, *objective)

    # === Config ===
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(
                    self.discriminator
                ),
                "image_shape": tuple(self.image_shape),
                "latent_dim": self.latent_dim,
                "ema": self.ema,
                "augment": self.augment,
                "r1_weight": self.r1_weight,
                "r1_interval": self.r1_interval,
                "batch_norm": self.batch_norm,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
