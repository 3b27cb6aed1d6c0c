"""keras_gan: generative adversarial networks that train with `model.fit`."""

from keras_gan import architectures
from keras_gan import callbacks
from keras_gan import data
from keras_gan import losses
from keras_gan import models
from keras_gan.models import DCGAN
from keras_gan.models import GAN
from keras_gan.models import WGAN
from keras_gan.models import WGANGP
from keras_gan.models import ConditionalGAN

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "DCGAN",
    "ConditionalGAN",
    "WGAN",
    "WGANGP",
    "architectures",
    "callbacks",
    "data",
    "losses",
    "models",
]
