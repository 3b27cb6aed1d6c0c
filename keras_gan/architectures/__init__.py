"""Functions that build generator/discriminator pairs as functional Keras models."""

from keras_gan.architectures.context_encoder import context_encoder_generator
from keras_gan.architectures.dcgan import dcgan_discriminator
from keras_gan.architectures.dcgan import dcgan_generator
from keras_gan.architectures.dcgan import upsampling_plan
from keras_gan.architectures.mlp import mlp_discriminator
from keras_gan.architectures.mlp import mlp_generator
from keras_gan.architectures.patchgan import patchgan_discriminator
from keras_gan.architectures.resnet import cyclegan_generator
from keras_gan.architectures.resnet import srgan_discriminator
from keras_gan.architectures.resnet import srgan_generator
from keras_gan.architectures.toy import toy_discriminator
from keras_gan.architectures.toy import toy_generator
from keras_gan.architectures.unet import unet_generator
from keras_gan.architectures.vae import vae_encoder

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "mlp_discriminator",
    "mlp_generator",
    "toy_discriminator",
    "toy_generator",
    "vae_encoder",
    "upsampling_plan",
    # Image-to-image networks.
    "unet_generator",
    "patchgan_discriminator",
    "cyclegan_generator",
    "srgan_generator",
    "srgan_discriminator",
    "context_encoder_generator",
]
