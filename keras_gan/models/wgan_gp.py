"""Wasserstein GAN with gradient penalty."""

import keras

from keras_gan import losses
from keras_gan.architectures.common import check_positive_int
from keras_gan.models.dcgan import DCGAN
from keras_gan.models.wgan import WGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class WGANGP(WGAN):
    """WGAN whose critic is kept 1-Lipschitz by a gradient penalty.

    Instead of clipping weights, the critic loss adds
    `gp_weight * E[(||grad D(x_hat)||_2 - 1)^2]` at points `x_hat` drawn
    uniformly on lines between real and generated samples (the weight is
    uniform in [0, 1], as in the paper). The default critic uses layer
    normalization, not batch normalization, because the penalty is defined
    per sample: over each sample's height, width and channels together, with
    a scale and offset per channel, as in the reference code.
    Adam(1e-4, beta_1=0, beta_2=0.9), n_critic 5, as in the paper.
    The weighted penalty is tracked as the `gp` metric.
    `gp_interval` > 1 takes the penalty lazily, as StyleGAN2 takes R1:
    on every `gp_interval`-th critic update, scaled by `gp_interval`; the
    other updates skip its double back-propagation.

    Args:
        gp_weight: float. Penalty coefficient lambda. Defaults to 10.
        gp_interval: int. Critic updates per penalty (lazy penalty).
            Defaults to 1: every update, as in the paper.
        critic_norm: str. The default critic's normalization: "layer" (the
            paper's) or "layer_channels" (each position over its channels
            alone, `keras.layers.LayerNormalization()`'s default; the critic
            of earlier versions, kept so that their runs resume). Defaults
            to "layer".
        n_critic: int. Critic updates per generator update. Defaults to 5.
        **kwargs: `DCGAN` arguments.

    Example:
    >>> gan = WGANGP(latent_dim=16, width=8)
    >>> gan.compile()

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """

    train_options = DCGAN.train_options + ("n_critic", "gp_weight", "gp_interval",
                                           "critic_norm")

    def __init__(self, *args, gp_weight=10.0, gp_interval=1, critic_norm="layer", **kwargs):
        if critic_norm not in ("layer", "layer_channels"):
            raise ValueError('critic_norm must be "layer" or "layer_channels". '
                             f"Received: critic_norm={critic_norm!r}")
        # Read by build_discriminator, during the base class's __init__.
        self.critic_normalization = critic_norm
        if not gp_weight >= 0:
            raise ValueError(
                f"gp_weight must be >= 0. Received: gp_weight={gp_weight!r}"
            )
        kwargs["clip_value"] = None
        super().__init__(*args, **kwargs)
        self.gp_weight = gp_weight
        self.gp_interval = check_positive_int("gp_interval", gp_interval)
        self._penalty_trackers["gp"] = keras.metrics.Mean(name="gp")

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        )

    def discriminator_terms(self, real, fake, labels, *args):
        def penalty():
            weights = self.replica_slice(keras.random.uniform, (keras.ops.shape(real)[0],))
            return losses.gradient_penalty(
                lambda x: self.adversarial_logits(self._discriminate(x, labels)),
                real,
                fake,
                weights,
            )

        return {**super().discriminator_terms(real, fake, labels, *args),
                "gp": self.gp_weight * self.lazy_penalty(penalty, self.gp_interval)}

    def get_config(self):
        config = {**super().get_config(), "gp_weight": self.gp_weight,
                  "gp_interval": self.gp_interval, "critic_norm": self.critic_normalization}
        config.pop("clip_value")
        return config
