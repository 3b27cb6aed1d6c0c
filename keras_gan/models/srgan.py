"""SRGAN: single-image super-resolution with a GAN."""

import warnings

import keras
from keras import ops
import tensorflow as tf

from keras_gan.architectures.resnet import srgan_discriminator
from keras_gan.architectures.resnet import srgan_generator
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.image_to_image import ImageToImageGAN

CONTENT_LOSSES = ("pixel", "fashion_mnist", "vgg19")


class _Frozen:
    """Holds the content network outside Keras's tracking: it is rebuilt from
    `content_loss`, never trained, and not part of the saved weights."""

    def __init__(self, model):
        self.model = model


def content_network(name, image_shape):
    """The feature network of a content loss, or None for the pixel loss.

    "fashion_mnist": the shipped Fashion-MNIST classifier up to its last
    convolution block (28x28x1 images, offline). "vgg19": VGG19's block5
    conv4 features before activation (the paper's VGG54), ImageNet weights
    from Keras's download; without them, warns and returns None (pixel loss).
    """
    if name == "pixel":
        return None
    if name == "fashion_mnist":
        from keras_gan import features

        if tuple(image_shape) != (28, 28, 1):
            raise ValueError(
                "content_loss='fashion_mnist' needs 28x28x1 images. Received: "
                f"image_shape={tuple(image_shape)}; use 'vgg19' or 'pixel'."
            )
        classifier = features.fashion_mnist_classifier()
        classifier.load_weights(features.FASHION_MNIST_WEIGHTS)
        # The last ReLU before global pooling: 7x7x128 feature maps.
        relus = [layer for layer in classifier.layers if isinstance(layer, keras.layers.ReLU)]
        network = keras.Model(classifier.inputs[0], relus[-1].output)
    else:
        try:
            vgg = keras.applications.VGG19(include_top=False, weights="imagenet",
                                           input_shape=(*image_shape[:2], 3))
        except Exception as e:  # No network: URLError, OSError, ...
            warnings.warn(
                f"VGG19 weights could not be loaded ({type(e).__name__}); SRGAN falls "
                "back to the pixel (MSE) content loss.", RuntimeWarning, stacklevel=3)
            return None
        vgg.get_layer("block5_conv4").activation = None
        conv = vgg.get_layer("block5_conv4").output
        inner = keras.Model(vgg.inputs[0], conv)
        images = keras.Input(image_shape)
        x = images
        if image_shape[-1] == 1:
            x = keras.layers.Concatenate()([x, x, x])
        # [-1, 1] -> VGG's caffe preprocessing (BGR, mean-centred 0..255).
        x = keras.layers.Lambda(
            lambda t: keras.applications.vgg19.preprocess_input((t + 1.0) * 127.5))(x)
        network = keras.Model(images, inner(x))
    network.trainable = False
    return network


@keras.saving.register_keras_serializable(package="keras_gan")
class SRGAN(ImageToImageGAN):
    """SRGAN: an SRResNet generator upsamples `scale` times, a VGG-style
    discriminator judges high-resolution images.

    G minimises the content loss plus `adversarial_weight` (1e-3 in the
    paper) times the non-saturating adversarial loss. The content loss is
    the MSE in the feature space of a pluggable network (`content_loss`:
    the shipped Fashion-MNIST classifier offline, VGG19 where its weights
    can be downloaded, falling back to pixels without them) plus
    `pixel_weight` times the pixel MSE; "pixel" alone is SRResNet's MSE
    loss. Trains on `(low_res, high_res)` batches
    (`keras_gan.tasks.load("srgan", ...)`).

    Tracked metrics: `d_loss`, `g_loss`, `g_adv`, `content`, `d_real`,
    `d_fake`, and `psnr` / `ssim` of the batch's super-resolved images
    (`tf.image.psnr` / `tf.image.ssim` on [0, 1] images).

    Args:
        generator: keras.Model or None. Low-res `(h/s, w/s, c)` -> `image_shape`.
            Defaults to SRResNet (`num_blocks` residual blocks).
        discriminator: keras.Model or None. Images -> `(batch, 1)` logits.
        image_shape: tuple. High-resolution `(height, width, channels)`.
        scale: int. Upsampling factor (power of two). Defaults to 2.
        num_blocks: int. Residual blocks of the default generator (16 in the
            paper). Defaults to 16.
        content_loss: str. "pixel", "fashion_mnist" or "vgg19". Defaults to
            "pixel".
        pixel_weight: float. Weight of the pixel MSE next to a feature
            content loss. Defaults to 1.0.
        adversarial_weight: float. Defaults to 1e-3.
        **kwargs: `ImageToImageGAN` arguments (`width`, `dataset`, `seed`).

    Example:
    >>> import numpy as np
    >>> model = SRGAN(image_shape=(28, 28, 1), width=8, num_blocks=2)
    >>> model.compile()
    >>> model.translate(np.zeros((2, 14, 14, 1), "float32")).shape
    (2, 28, 28, 1)

    Reference:
        Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a
        Generative Adversarial Network", CVPR 2017.
    """

    task = "srgan"
    train_options = ("width", "dataset", "content_loss", "scale", "num_blocks")
    metric_names = ("d_loss", "g_loss", "g_adv", "content", "d_real", "d_fake", "psnr", "ssim")

    def __init__(self, generator=None, discriminator=None, image_shape=(28, 28, 1), scale=2,
                 num_blocks=16, content_loss="pixel", pixel_weight=1.0,
                 adversarial_weight=1e-3, **kwargs):
        if generator is not None:
            self._check_network("generator", generator)
            image_shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
            scale = image_shape[0] // int(generator.inputs[0].shape[1])
        super().__init__(image_shape=image_shape, **kwargs)
        if content_loss not in CONTENT_LOSSES:
            raise ValueError(f"content_loss must be one of {CONTENT_LOSSES}. "
                             f"Received: content_loss={content_loss!r}")
        self.scale = scale
        self.num_blocks = num_blocks
        self.content_loss = content_loss
        self.pixel_weight = float(pixel_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.generator = generator or srgan_generator(
            self.image_shape, scale, self.width, num_blocks, name="generator")
        self.discriminator = self._check_network(
            "discriminator",
            discriminator or srgan_discriminator(self.image_shape, self.width,
                                                 name="discriminator"),
            self.image_shape)
        self._content = _Frozen(content_network(content_loss, self.image_shape))

    def _content_loss(self, fake, real):
        fake, real = ops.cast(fake, "float32"), ops.cast(real, "float32")
        pixel = ops.mean(ops.square(fake - real))
        network = self._content.model
        if network is None:
            return pixel
        feature = ops.mean(ops.square(network(fake, training=False)
                                      - network(real, training=False)))
        return feature + self.pixel_weight * pixel

    def train_step(self, data):
        low, high = self.unpack_pair(data)
        # 1) D: high-resolution images 1, super-resolved ones 0.
        fake = self.generator(low, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(high, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = scale_loss_for_distribution(d_loss)
        self.apply_gradients(self.d_optimizer, tape, scaled, self.discriminator_variables())
        # 2) G: content loss + 1e-3 adversarial loss.
        with tf.GradientTape() as tape:
            fake = self.generator(low, training=True)
            g_adv = self.generator_loss(self.discriminator(fake, training=True))
            content = self._content_loss(fake, high)
            g_loss = content + self.adversarial_weight * g_adv
            scaled = scale_loss_for_distribution(g_loss)
        self.apply_gradients(self.g_optimizer, tape, scaled, self.generator_variables())
        fake01 = (ops.cast(fake, "float32") + 1.0) / 2.0
        high01 = (ops.cast(high, "float32") + 1.0) / 2.0
        self.track(d_loss=d_loss, g_loss=g_loss, g_adv=g_adv, content=content,
                   d_real=self.scores(real_logits), d_fake=self.scores(fake_logits),
                   psnr=ops.mean(tf.image.psnr(fake01, high01, 1.0)),
                   ssim=ops.mean(tf.image.ssim(fake01, high01, 1.0, filter_size=7)))
        return self.logs()

    def display_triplets(self, inputs, targets):
        # Low-resolution inputs shown at the output size, pixel for pixel.
        s = self.scale
        shown = inputs.repeat(s, axis=1).repeat(s, axis=2)
        return shown, self.translate(inputs), targets

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "num_blocks": self.num_blocks,
                "content_loss": self.content_loss, "pixel_weight": self.pixel_weight,
                "adversarial_weight": self.adversarial_weight}
