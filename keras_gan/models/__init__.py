"""GAN classes; each subclasses `GAN(keras.Model)` and trains with `fit`."""

from keras_gan.models.conditional_gan import ConditionalGAN
from keras_gan.models.dcgan import DCGAN
from keras_gan.models.gan import GAN
from keras_gan.models.wgan import WGAN
from keras_gan.models.wgan_gp import WGANGP

# Names accepted by train.py --model.
MODELS = {
    "gan": GAN,
    "dcgan": DCGAN,
    "cgan": ConditionalGAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
}

__all__ = ["GAN", "DCGAN", "ConditionalGAN", "WGAN", "WGANGP", "MODELS"]
