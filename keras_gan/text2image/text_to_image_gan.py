"""GAN-INT-CLS: a GAN whose generator and discriminator read a caption."""

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.gan import GAN
from keras_gan.text2image import architectures
from keras_gan.text2image import losses as text_losses
from keras_gan.text2image import text_encoder as text_lib

__all__ = ["TextToImageGAN", "DEFAULT_CAPTIONS"]

# What `generate` draws when given no captions (one per grid column).
DEFAULT_CAPTIONS = (
    "a large white sneaker in the center",
    "a small red bag in the top left",
    "a large blue dress in the bottom right",
    "a small yellow trousers in the top right",
    "a large green coat in the bottom left",
    "a small purple ankle boot in the center",
    "a large white t-shirt in the top left",
    "a small blue sandal in the bottom right",
)


@keras.saving.register_keras_serializable(package="keras_gan")
class TextToImageGAN(GAN):
    """GAN-INT-CLS: text-to-image synthesis trained from raw captions.

    A frozen text encoder (strings -> vectors) embeds each caption. G takes
    `[z, embedding]` (the embedding compressed and concatenated with z);
    D takes `[image, embedding]` (the compressed embedding replicated over
    D's 4x4 grid before its last convolutions). Each step:

    1. D, matching-aware (GAN-CLS): real image + its caption is real; real
       image + another caption of the batch and G(z, h) + h are fake
       (`text2image.losses.matching_aware_discriminator_loss`).
    2. G: make D call G(z, h) with h real, plus `int_weight` times the same
       term on interpolated embeddings `beta h1 + (1 - beta) h2` of two
       captions of the batch (GAN-INT), which need no image.

    Train on `(images, captions)` batches (`text2image.data.load`). Tracked:
    `d_loss`, `g_loss`, `d_real`, `d_fake`, `d_wrong` (mean D(real, wrong
    caption)) and `g_int`.

    Args:
        text_encoder: keras.Model or None. Maps a batch of strings to
            vectors; frozen here. Defaults to an untrained
            `text_encoder.text_encoder()` (train one with
            `text_encoder.JointEmbedding` first, as the family does).
        generator: keras.Model or None. `[z, embedding] -> images`.
        discriminator: keras.Model or None. `[images, embedding] -> logit`.
        image_shape: tuple. Defaults to `(32, 32, 3)`.
        latent_dim: int. Defaults to 100.
        projection_dim: int. Size of the compressed embedding. Defaults to 128.
        width: int. Channel width of the default networks. Defaults to 32.
        int_weight: float. Weight of the GAN-INT term (0 turns it off).
            Defaults to 1.0.
        int_beta: float. Interpolation weight beta. Defaults to 0.5 (Reed
            et al.).
        seed: int or None. Seeds the model's noise.
        **kwargs: `GAN` arguments (`ema`, `name`).

    Example:
    >>> gan = TextToImageGAN(text_encoder=text_lib.text_encoder(embedding_dim=16, width=16),
    ...                      image_shape=(16, 16, 3), latent_dim=8, width=8)
    >>> gan.compile()
    >>> gan.generate(2, seed=0, captions=["a small red bag in the center"] * 2).shape
    (2, 16, 16, 3)

    Reference:
        Reed et al., "Generative Adversarial Text to Image Synthesis", ICML 2016.
    """

    # What keras_gan.generate tells a user who passes this model without its inputs.
    generate_command = "python -m keras_gan.generate --model=PATH --text=\"a large blue bag in the center\""

    # No train.py option reaches it through the family: EMA sampling (`ema=`)
    # does not yet build the averaged copy of a generator with named inputs.
    train_options = ()
    needs_labels = False
    needs_captions = True

    def __init__(self, text_encoder=None, generator=None, discriminator=None,
                 image_shape=(32, 32, 3), latent_dim=100, projection_dim=128, width=32,
                 int_weight=1.0, int_beta=0.5, seed=None, **kwargs):
        for unsupported in ("num_classes", "augment", "r1_weight"):
            if kwargs.get(unsupported):
                raise ValueError(
                    f"{type(self).__name__} does not take {unsupported}; the caption is its "
                    f"condition. Received: {unsupported}={kwargs[unsupported]!r}"
                )
            kwargs.pop(unsupported, None)
        if not int_weight >= 0:
            raise ValueError(f"int_weight must be >= 0. Received: int_weight={int_weight!r}")
        if not 0.0 <= int_beta <= 1.0:
            raise ValueError(f"int_beta must lie in [0, 1]. Received: int_beta={int_beta!r}")
        text_encoder = text_encoder or text_lib.text_encoder()
        embedding_dim = text_lib.check_text_encoder(text_encoder)
        check_positive_int("projection_dim", projection_dim)
        check_positive_int("width", width)
        generator, discriminator = self._default_networks(
            generator, discriminator, tuple(image_shape), latent_dim, embedding_dim,
            projection_dim, width,
        )
        super().__init__(generator=generator, discriminator=discriminator, seed=seed, **kwargs)
        for role, network in (("generator", self.generator),
                              ("discriminator", self.discriminator)):
            self._check_embedding_input(role, network, embedding_dim)
        text_encoder.trainable = False
        self.text_encoder = text_encoder
        self.embedding_dim = embedding_dim
        self.projection_dim = projection_dim
        self.width = width
        self.int_weight = float(int_weight)
        self.int_beta = float(int_beta)
        self._penalty_trackers["d_wrong"] = keras.metrics.Mean(name="d_wrong")
        if self.int_weight:
            self._penalty_trackers["g_int"] = keras.metrics.Mean(name="g_int")

    def _default_networks(self, generator, discriminator, image_shape, latent_dim,
                          embedding_dim, projection_dim, width):
        generator = generator or architectures.text_generator(
            image_shape, latent_dim, embedding_dim, projection_dim, width)
        shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
        discriminator = discriminator or architectures.text_discriminator(
            shape, embedding_dim, projection_dim, width)
        return generator, discriminator

    # === Networks ===
    def _check_network(self, role, network):
        if not isinstance(network, keras.Model):
            raise ValueError(f"{role} must be a keras.Model. Received: {role}={network!r}")
        if len(network.inputs) < 2:
            want = "[z, embedding]" if role == "generator" else "[images, embedding]"
            raise ValueError(
                f"{type(self).__name__} needs a {role} taking {want}; the given one has "
                f"{len(network.inputs)} input. Received: {role}={network.name!r}"
            )

    @staticmethod
    def _check_embedding_input(role, network, embedding_dim):
        size = int(network.inputs[1].shape[-1])
        if size != embedding_dim:
            raise ValueError(
                f"The {role}'s embedding input has size {size} but the text encoder gives "
                f"{embedding_dim}; build them for the same size."
            )

    # === Text ===
    def embed(self, captions):
        """The frozen text encoder's vectors for a batch of strings."""
        if isinstance(captions, (list, tuple, np.ndarray)):
            captions = tf.constant([str(c) if not isinstance(c, bytes) else c for c in captions])
        return ops.stop_gradient(self.text_encoder(captions, training=False))

    def _unpack_text(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                f"{type(self).__name__} trains on (images, captions) batches; load the data "
                "with keras_gan.text2image.data.load or load_folder."
            )
        images, captions = data[0], data[1]
        if captions.dtype != tf.string:
            raise ValueError(
                f"The second element of each batch must be the captions as strings. "
                f"Received dtype {captions.dtype}."
            )
        self.check_batch_shape(images)
        return images, captions

    @staticmethod
    def wrong_captions(embeddings):
        """Another caption's embedding for each sample: the batch shifted by one."""
        return ops.roll(embeddings, 1, axis=0)

    def interpolated(self, embeddings):
        """GAN-INT's `beta h_i + (1 - beta) h_(i+1)`."""
        return self.int_beta * embeddings + (1.0 - self.int_beta) * ops.roll(embeddings, 1, axis=0)

    # === Training ===
    def _matching_step(self, discriminator, optimizer, real, fake, embeddings):
        """One matching-aware D update; `fake` is a constant for D's tape."""
        wrong = self.wrong_captions(embeddings)
        fake = ops.stop_gradient(fake)
        with tf.GradientTape() as tape:
            real_right = discriminator([real, embeddings], training=True)
            real_wrong = discriminator([real, wrong], training=True)
            fake_right = discriminator([fake, embeddings], training=True)
            d_loss = text_losses.matching_aware_discriminator_loss(
                self.discriminator_loss, real_right, real_wrong, fake_right)
            scaled = scale_loss_for_distribution(d_loss)
        variables = discriminator.trainable_variables
        optimizer.apply(tape.gradient(scaled, variables), variables)
        self.d_loss_tracker.update_state(d_loss)
        self.d_real_tracker.update_state(ops.mean(self._scores(real_right)))
        self.d_fake_tracker.update_state(ops.mean(self._scores(fake_right)))
        self._penalty_trackers["d_wrong"].update_state(ops.mean(self._scores(real_wrong)))

    def train_step(self, data):
        real, captions = self._unpack_text(data)
        embeddings = self.embed(captions)
        batch = ops.shape(real)[0]
        z = self.sample_latent(batch)
        z_int = self.sample_latent(batch) if self.int_weight else None
        with tf.GradientTape() as g_tape:
            fake = self.generator([z, embeddings], training=True)
            with g_tape.stop_recording():
                self._matching_step(self.discriminator, self.d_optimizer, real, fake, embeddings)
            g_loss = self.generator_loss(self.discriminator([fake, embeddings], training=True))
            total = g_loss
            if self.int_weight:
                mixed = self.interpolated(embeddings)
                fake_int = self.generator([z_int, mixed], training=True)
                g_int = self.generator_loss(self.discriminator([fake_int, mixed], training=True))
                total = total + self.int_weight * g_int
            scaled = scale_loss_for_distribution(total)
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(g_tape.gradient(scaled, variables), variables)
        self.g_loss_tracker.update_state(g_loss)
        if self.int_weight:
            self._penalty_trackers["g_int"].update_state(g_int)
        return self.logs()

    # === Sampling ===
    def check_captions(self, captions, num):
        if captions is None:
            return [DEFAULT_CAPTIONS[i % len(DEFAULT_CAPTIONS)] for i in range(num)]
        if isinstance(captions, str):
            captions = [captions] * num
        captions = [c.decode() if isinstance(c, bytes) else c for c in list(captions)]
        if len(captions) != num or not all(isinstance(c, str) for c in captions):
            raise ValueError(
                f"captions must be {num} strings (or one string for all). Received: "
                f"{len(captions)} items"
            )
        return captions

    def generate(self, num, seed=None, captions=None, batch_size=256, labels=None):
        """Generates `num` images in [-1, 1] for `captions`.

        Args:
            num: int. Number of images.
            seed: int or None. With an int, z is drawn with stateless random
                ops: the same seed, captions and weights give the same images,
                also in the exported SavedModel.
            captions: list of str, one str, or None (`DEFAULT_CAPTIONS`
                cycling).
            batch_size: int. Images per generator call.
        """
        check_positive_int("num", num)
        if labels is not None:
            raise ValueError(f"{type(self).__name__} takes captions, not labels; pass captions=[...].")
        captions = self.check_captions(captions, num)
        return self.generate_from(self.latent_for(num, seed), captions, batch_size)

    def generate_from(self, z, captions=None, batch_size=256):
        """Runs the sampling path on given latent vectors `z` and captions."""
        z = ops.convert_to_tensor(z, "float32")
        num = int(z.shape[0])
        captions = self.check_captions(captions, num)
        outputs = []
        for start in range(0, num, batch_size):
            stop = min(start + batch_size, num)
            embeddings = self.embed(captions[start:stop])
            outputs.append(ops.convert_to_numpy(self.images_from(z[start:stop], embeddings)))
        return np.concatenate(outputs).astype("float32")

    def images_from(self, z, embeddings, generator=None):
        """The final images for latent vectors and text embeddings (a
        traceable function; the export serves it with `generator`, the
        sampling generator resolved beforehand)."""
        generator = generator or self.sampling_generator
        return generator([z, embeddings], training=False)

    # === Config ===
    def get_config(self):
        config = super().get_config()
        for key in ("num_classes", "augment", "r1_weight", "r1_interval"):
            config.pop(key, None)
        config.update({
            "text_encoder": keras.saving.serialize_keras_object(self.text_encoder),
            "projection_dim": self.projection_dim,
            "width": self.width,
            "int_weight": self.int_weight,
            "int_beta": self.int_beta,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, value in list(config.items()):
            if key in ("text_encoder", "generator", "discriminator", "stage2_generator",
                       "stage2_discriminator") and isinstance(value, dict):
                config[key] = keras.saving.deserialize_keras_object(value)
        return cls(**config)
