"""Context Encoder: inpainting a masked region with reconstruction and
adversarial losses."""

import keras
from keras import ops
import tensorflow as tf

from keras_gan import tasks
from keras_gan.architectures.context_encoder import context_encoder_generator
from keras_gan.architectures.dcgan import dcgan_discriminator
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.image_to_image import ImageToImageGAN

MASKS = ("center", "random")


@keras.saving.register_keras_serializable(package="keras_gan")
class ContextEncoder(ImageToImageGAN):
    """Context Encoder: fills the missing region of an image.

    Each step masks the batch (the central block of half the side,
    `mask="center"`, or a few random blocks, `mask="random"`), lets the
    encoder-decoder fill the hole from the context, and pastes its
    prediction into the hole. D (a DCGAN discriminator) learns to tell real
    images from these composites; G minimises `rec_weight` times the L2
    reconstruction error on the masked region plus `adv_weight` times the
    adversarial loss (0.999 and 0.001 in the paper). Trains on image
    batches, or `(images, images)` (`keras_gan.tasks.load("inpainting", ...)`).

    `translate(images)` (and the export) fills the center block;
    `inpaint(images, masks)` fills any mask (1 = missing).

    Tracked metrics: `d_loss`, `g_loss`, `g_adv`, `rec` (masked L2),
    `masked_l1` (mean |error| over the missing pixels), `d_real`, `d_fake`.

    Args:
        generator: keras.Model or None. `(h, w, c + 1)` masked image and mask
            channel -> `(h, w, c)`. Defaults to the paper's encoder-decoder
            with a channel-wise fully connected bottleneck.
        discriminator: keras.Model or None. Images -> `(batch, 1)` logits.
            Defaults to the DCGAN discriminator.
        image_shape: tuple. `(height, width, channels)`.
        mask: str. "center" or "random". Defaults to "center".
        rec_weight: float. Defaults to 0.999.
        adv_weight: float. Defaults to 0.001.
        **kwargs: `ImageToImageGAN` arguments (`width`, `dataset`, `seed`).

    Example:
    >>> import numpy as np
    >>> model = ContextEncoder(image_shape=(28, 28, 1), width=8)
    >>> model.compile()
    >>> x = np.random.uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    >>> logs = model.train_on_batch(x, return_dict=True)
    >>> model.translate(x).shape
    (4, 28, 28, 1)

    Reference:
        Pathak, Krähenbühl, Donahue, Darrell & Efros, "Context Encoders:
        Feature Learning by Inpainting", CVPR 2016.
    """

    task = "inpainting"
    train_options = ("width", "dataset", "mask")
    metric_names = ("d_loss", "g_loss", "g_adv", "rec", "masked_l1", "d_real", "d_fake")

    def __init__(self, generator=None, discriminator=None, image_shape=(28, 28, 1),
                 mask="center", rec_weight=0.999, adv_weight=0.001, **kwargs):
        if generator is not None:
            self._check_network("generator", generator)
            image_shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
        super().__init__(image_shape=image_shape, **kwargs)
        if mask not in MASKS:
            raise ValueError(f"mask must be one of {MASKS}. Received: mask={mask!r}")
        self.mask = mask
        self.rec_weight = float(rec_weight)
        self.adv_weight = float(adv_weight)
        self.generator = generator or context_encoder_generator(
            self.image_shape, self.width, name="generator")
        self._check_network("generator", self.generator,
                            (*self.image_shape[:2], self.image_shape[-1] + 1))
        self.discriminator = self._check_network(
            "discriminator",
            discriminator or dcgan_discriminator(self.image_shape, self.width),
            self.image_shape)

    def masks(self, batch_size):
        """Training masks `(batch, h, w, 1)`, 1 where the image is missing."""
        h, w = self.image_shape[:2]
        if self.mask == "center":
            return ops.broadcast_to(tasks.center_mask(h, w), (batch_size, h, w, 1))
        return tasks.random_block_masks(batch_size, h, w, seed=self.seed_generator)

    def fill(self, images, masks, training=False, generator=None):
        """The generator's output and the composite (context kept, hole filled)."""
        generator = generator or self.generator
        images = ops.cast(images, "float32")
        masks = ops.cast(masks, "float32")
        masked = images * (1.0 - masks)
        predicted = ops.cast(generator(ops.concatenate([masked, masks], axis=-1),
                                       training=training), "float32")
        return predicted, masked + masks * predicted

    def train_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        masks = self.masks(ops.shape(images)[0])
        area = ops.maximum(ops.sum(masks), 1.0) * self.image_shape[-1]
        # 1) D: real images 1, inpainted composites 0.
        _, composite = self.fill(images, masks, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(images, training=True)
            fake_logits = self.discriminator(composite, training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = scale_loss_for_distribution(d_loss)
        self.apply_gradients(self.d_optimizer, tape, scaled, self.discriminator_variables())
        # 2) G: L2 on the missing region + adversarial loss on the composite.
        with tf.GradientTape() as tape:
            predicted, composite = self.fill(images, masks, training=True)
            error = (predicted - ops.cast(images, "float32")) * masks
            rec = ops.sum(ops.square(error)) / area
            g_adv = self.generator_loss(self.discriminator(composite, training=True))
            g_loss = self.rec_weight * rec + self.adv_weight * g_adv
            scaled = scale_loss_for_distribution(g_loss)
        self.apply_gradients(self.g_optimizer, tape, scaled, self.generator_variables())
        self.track(d_loss=d_loss, g_loss=g_loss, g_adv=g_adv, rec=rec,
                   masked_l1=ops.sum(ops.abs(error)) / area,
                   d_real=self.scores(real_logits), d_fake=self.scores(fake_logits))
        return self.logs()

    def inpaint(self, images, masks, batch_size=256):
        """Fills `masks` (1 = missing, `(n, h, w, 1)`) of `images`; numpy out."""
        import numpy as np

        images = np.asarray(images, "float32")
        masks = np.broadcast_to(np.asarray(masks, "float32"), (*images.shape[:3], 1))
        return np.concatenate([
            ops.convert_to_numpy(self.fill(images[i:i + batch_size], masks[i:i + batch_size])[1])
            for i in range(0, len(images), batch_size)
        ]).astype("float32")

    def translate_tensor(self, images, generator=None):
        h, w = self.image_shape[:2]
        masks = ops.broadcast_to(tasks.center_mask(h, w), (ops.shape(images)[0], h, w, 1))
        return self.fill(images, masks, generator=generator)[1]

    @property
    def input_shape_for_export(self):
        return tuple(self.image_shape)

    def display_triplets(self, inputs, targets):
        h, w = self.image_shape[:2]
        hole = ops.convert_to_numpy(tasks.center_mask(h, w))
        # The masked input shows its hole in mid grey (0).
        return inputs * (1.0 - hole), self.translate(inputs), targets

    def get_config(self):
        return {**super().get_config(), "mask": self.mask, "rec_weight": self.rec_weight,
                "adv_weight": self.adv_weight}
