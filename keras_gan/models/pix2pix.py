"""pix2pix: paired image-to-image translation with a conditional GAN."""

import keras
from keras import ops
import tensorflow as tf

from keras_gan.architectures.patchgan import patchgan_discriminator
from keras_gan.architectures.unet import unet_generator
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.image_to_image import ImageToImageGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class Pix2Pix(ImageToImageGAN):
    """pix2pix: a U-Net generator G(x) and a conditional PatchGAN D(x, y).

    D learns to tell real pairs (x, y) from generated pairs (x, G(x)), one
    logit per patch; G minimises the adversarial loss plus `l1_weight` times
    the L1 distance to the target, `L_G = L_adv + lambda * |y - G(x)|_1`
    (lambda = 100 in the paper). Trains on `(inputs, targets)` batches
    (`keras_gan.tasks.load("pix2pix", ...)`).

    Tracked metrics: `d_loss`, `g_loss` (total), `g_adv`, `l1`, and `d_real`
    / `d_fake` (mean patch probabilities of "real").

    Args:
        generator: keras.Model or None. Inputs `(h, w, c_in)` -> outputs
            `image_shape` in [-1, 1]. Defaults to the paper's U-Net.
        discriminator: keras.Model or None. Takes `[inputs, images]` and
            returns logits (any shape, e.g. one per patch). Defaults to the
            70x70 PatchGAN (fewer layers for small images).
        image_shape: tuple. Output `(height, width, channels)`; read from
            `generator` when one is given. Defaults to `(28, 28, 1)`.
        input_channels: int or None. Channels of the inputs; defaults to
            the output's.
        l1_weight: float. Weight lambda of the L1 term. Defaults to 100.
        **kwargs: `ImageToImageGAN` arguments (`width`, `dataset`, `seed`).

    Example:
    >>> import numpy as np
    >>> model = Pix2Pix(image_shape=(28, 28, 1), width=8)
    >>> model.compile()
    >>> x = np.random.uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    >>> history = model.fit(x, x, batch_size=4, epochs=1, verbose=0)
    >>> model.translate(x[:2]).shape
    (2, 28, 28, 1)

    Reference:
        Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional
        Adversarial Networks", CVPR 2017.
    """

    task = "pix2pix"
    train_options = ("width", "dataset", "l1_weight")
    metric_names = ("d_loss", "g_loss", "g_adv", "l1", "d_real", "d_fake")

    def __init__(self, generator=None, discriminator=None, image_shape=(28, 28, 1),
                 input_channels=None, l1_weight=100.0, **kwargs):
        if generator is not None:
            self._check_network("generator", generator)
            image_shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
            input_channels = int(generator.inputs[0].shape[-1])
        super().__init__(image_shape=image_shape, **kwargs)
        self.input_channels = input_channels or self.image_shape[-1]
        if float(l1_weight) < 0:
            raise ValueError(f"l1_weight must be >= 0. Received: l1_weight={l1_weight}")
        self.l1_weight = float(l1_weight)
        self.generator = generator or unet_generator(
            (*self.image_shape[:2], self.input_channels), self.image_shape[-1], self.width,
            name="generator")
        self.discriminator = self._check_network(
            "discriminator",
            discriminator or patchgan_discriminator(
                self.image_shape, self.input_channels, self.width, name="discriminator"),
            self.image_shape)
        if len(self.discriminator.inputs) != 2:
            raise ValueError(
                "The pix2pix discriminator is conditional: it must take [inputs, images]. "
                f"The given one has {len(self.discriminator.inputs)} input(s)."
            )

    def train_step(self, data):
        inputs, targets = self.unpack_pair(data)
        # 1) D: real pairs (x, y) labelled 1, generated pairs (x, G(x)) 0.
        fake = self.generator(inputs, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([inputs, targets], training=True)
            fake_logits = self.discriminator([inputs, fake], training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = scale_loss_for_distribution(d_loss)
        self.apply_gradients(self.d_optimizer, tape, scaled, self.discriminator_variables())
        # 2) G: fool D and stay close to the target in L1.
        with tf.GradientTape() as tape:
            fake = self.generator(inputs, training=True)
            g_adv = self.generator_loss(self.discriminator([inputs, fake], training=True))
            l1 = ops.mean(ops.abs(ops.cast(targets, "float32") - ops.cast(fake, "float32")))
            g_loss = g_adv + self.l1_weight * l1
            scaled = scale_loss_for_distribution(g_loss)
        self.apply_gradients(self.g_optimizer, tape, scaled, self.generator_variables())
        self.track(d_loss=d_loss, g_loss=g_loss, g_adv=g_adv, l1=l1,
                   d_real=self.scores(real_logits), d_fake=self.scores(fake_logits))
        return self.logs()

    def get_config(self):
        return {**super().get_config(), "input_channels": self.input_channels,
                "l1_weight": self.l1_weight}
