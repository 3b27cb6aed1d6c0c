"""Functions that build generator/discriminator pairs as functional Keras models."""

from keras_gan.architectures.dcgan import dcgan_discriminator
from keras_gan.architectures.dcgan import dcgan_generator
from keras_gan.architectures.dcgan import upsampling_plan
from keras_gan.architectures.mlp import mlp_discriminator
from keras_gan.architectures.mlp import mlp_generator

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "mlp_discriminator",
    "mlp_generator",
    "upsampling_plan",
]
