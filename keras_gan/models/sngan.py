"""Spectrally normalized GAN with the hinge loss."""

import keras

from keras_gan.models.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class SNGAN(DCGAN):
    """GAN whose discriminator is made 1-Lipschitz by spectral normalization.

    Every weight matrix of D is divided by its largest singular value,
    estimated with one power iteration per training step
    (`keras.layers.SpectralNormalization`), which bounds D's Lipschitz
    constant without a penalty term or weight clipping and without batch
    normalization. Trained with the hinge loss
    `L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]`,
    `L_G = -E[D(G(z))]`, and Adam(2e-4, beta_1=0.5, beta_2=0.999) as in the
    paper's standard-CNN setting.

    Args:
        **kwargs: `DCGAN` arguments (`width`, `image_shape`, `latent_dim`,
            `seed`, `ema`, `augment`, `r1_weight`, `r1_interval`, networks).

    Example:
    >>> gan = SNGAN(latent_dim=16, width=8)
    >>> gan.compile()
    >>> gan.generate(2, seed=0).shape
    (2, 28, 28, 1)

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial
        Networks", ICLR 2018.
    """

    default_loss = "hinge"
    critic_normalization = "spectral"

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999),
            keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999),
        )
