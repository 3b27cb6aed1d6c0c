"""Least-squares GAN."""

import keras

from keras_gan.models.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class LSGAN(DCGAN):
    """DCGAN trained with least-squares losses instead of cross-entropy.

    D regresses real images to 1 and generated ones to 0:
    `L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]`, and G pulls its samples'
    scores to 1: `L_G = 1/2 E[(D(G(z)) - 1)^2]`. Unlike the sigmoid
    cross-entropy, the squared loss keeps penalising samples that D already
    classifies correctly but that lie far from the data, so G's gradient does
    not vanish when D wins; the paper shows this minimises a Pearson
    chi-squared divergence. Adam(2e-4, beta_1=0.5), as in the paper.

    Args:
        **kwargs: `DCGAN` arguments (`width`, `image_shape`, `latent_dim`,
            `seed`, `ema`, `augment`, `r1_weight`, `r1_interval`, networks).

    Example:
    >>> gan = LSGAN(latent_dim=16, width=8)
    >>> gan.compile()
    >>> gan.generate(2, seed=0).shape
    (2, 28, 28, 1)

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.
    """

    default_loss = "least_squares"
