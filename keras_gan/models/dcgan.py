"""DCGAN: the convolutional GAN of Radford et al."""

import keras

from keras_gan.architectures import dcgan_discriminator
from keras_gan.architectures import dcgan_generator
from keras_gan.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gan")
class DCGAN(GAN):
    """Deep convolutional GAN.

    The `GAN` game with the DCGAN networks (strided convolutions, batch
    normalization, ReLU/tanh in G, LeakyReLU in D) and the paper's Adam
    settings (learning rate 2e-4, beta_1 0.5). Default architectures exist for
    any image side that halves evenly down to 7 pixels or less (28x28, 32x32,
    64x64, ...).

    Args:
        width: int. Channels of G's last hidden layer and D's first layer,
            doubled at every resolution step. Defaults to 64.
        extra_layers: int. Stride-1 3x3 convolution blocks added to both
            networks at their smallest resolution (see `dcgan_generator`).
            Defaults to 0 (the paper's networks).
        **kwargs: `GAN` arguments (`generator`, `discriminator`,
            `image_shape`, `latent_dim`, `seed`).

    Example:
    >>> gan = DCGAN(image_shape=(32, 32, 3), latent_dim=16, width=8)
    >>> gan.compile()
    >>> gan.generate(2, seed=1).shape
    (2, 32, 32, 3)

    Reference:
        Radford, Metz & Chintala, "Unsupervised Representation Learning with
        Deep Convolutional Generative Adversarial Networks", ICLR 2016.
    """

    critic_normalization = "batch"
    train_options = GAN.shared_train_options + ("width", "extra_layers")

    def __init__(self, *args, width=64, extra_layers=0, **kwargs):
        if isinstance(extra_layers, bool) or not isinstance(extra_layers, int) or extra_layers < 0:
            raise ValueError(
                f"extra_layers must be a non-negative int. Received: extra_layers={extra_layers!r}"
            )
        self.width = width
        self.extra_layers = extra_layers
        super().__init__(*args, **kwargs)

    def build_generator(self):
        return dcgan_generator(
            self.image_shape,
            self.latent_dim,
            self.width,
            self.num_classes,
            extra_layers=self.extra_layers,
        )

    def build_discriminator(self):
        return dcgan_discriminator(
            self.image_shape,
            self.width,
            self.num_classes,
            normalization=self.critic_normalization,
            extra_layers=self.extra_layers,
        )

    def get_config(self):
        return {**super().get_config(), "width": self.width, "extra_layers": self.extra_layers}
