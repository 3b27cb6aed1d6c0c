"""Generative models; each trains with `fit` (GANs subclass `GAN`, the VAE
`GenerativeModel`)."""

from keras_gan.models.acgan import ACGAN
from keras_gan.models.base import GenerativeModel
from keras_gan.models.conditional_gan import ConditionalGAN
from keras_gan.models.context_encoder import ContextEncoder
from keras_gan.models.cycle_gan import CycleGAN
from keras_gan.models.dcgan import DCGAN
from keras_gan.models.gan import GAN
from keras_gan.models.info_gan import InfoGAN
from keras_gan.models.lsgan import LSGAN
from keras_gan.models.pix2pix import Pix2Pix
from keras_gan.models.sngan import SNGAN
from keras_gan.models.srgan import SRGAN
from keras_gan.models.unrolled_gan import UnrolledGAN
from keras_gan.models.vae import VAE
from keras_gan.models.wgan import WGAN
from keras_gan.models.wgan_gp import WGANGP

# Names accepted by train.py --model.
MODELS = {
    "gan": GAN,
    "dcgan": DCGAN,
    "cgan": ConditionalGAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
    "lsgan": LSGAN,
    "sngan": SNGAN,
    "acgan": ACGAN,
    "infogan": InfoGAN,
    "unrolled": UnrolledGAN,
    "vae": VAE,
    # Image-to-image models (keras_gan.tasks gives their paired data).
    "pix2pix": Pix2Pix,
    "cyclegan": CycleGAN,
    "srgan": SRGAN,
    "inpainting": ContextEncoder,
}

__all__ = [
    "GenerativeModel",
    "GAN",
    "DCGAN",
    "ConditionalGAN",
    "WGAN",
    "WGANGP",
    "LSGAN",
    "SNGAN",
    "ACGAN",
    "InfoGAN",
    "UnrolledGAN",
    "VAE",
    "Pix2Pix",
    "CycleGAN",
    "SRGAN",
    "ContextEncoder",
    "MODELS",
]
