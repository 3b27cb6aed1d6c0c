"""Losses of the text-conditioned GANs (pure functions of logits)."""

from keras import ops

__all__ = ["matching_aware_discriminator_loss", "kl_loss"]


def matching_aware_discriminator_loss(discriminator_loss, real_right, real_wrong, fake_right):
    """GAN-CLS's matching-aware discriminator loss.

    D must call real images with their own text real, and both real images
    with someone else's text and generated images with the right text fake:

        L_D = 1/2 [L(s_r, s_w) + L(s_r, s_f)],

    where `L(real_logits, fake_logits)` is the loss family's D loss. For the
    non-saturating family this is Reed et al.'s
    `log D(x, h) + (log(1 - D(x, h_wrong)) + log(1 - D(G(z, h), h))) / 2`.

    Args:
        discriminator_loss: callable `fn(real_logits, fake_logits) -> scalar`
            (e.g. `keras_gan.losses.non_saturating_discriminator_loss`).
        real_right: logits of D(real image, its caption's embedding).
        real_wrong: logits of D(real image, another caption's embedding).
        fake_right: logits of D(G(z, h), h).

    Reference:
        Reed et al., "Generative Adversarial Text to Image Synthesis",
        ICML 2016, algorithm 1.
    """
    return 0.5 * (
        discriminator_loss(real_right, real_wrong) + discriminator_loss(real_right, fake_right)
    )


def kl_loss(kl):
    """Mean of per-sample KL(N(mu, sigma^2) || N(0, I)) values (StackGAN's
    conditioning-augmentation regulariser, Zhang et al. 2017, eq. 3)."""
    return ops.mean(kl)
