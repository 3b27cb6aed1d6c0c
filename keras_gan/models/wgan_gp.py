"""Wasserstein GAN with gradient penalty."""

import keras

from keras_gan import losses
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
    per sample. Adam(1e-4, beta_1=0, beta_2=0.9), n_critic 5, as in the paper.
    The weighted penalty is tracked as the `gp` metric.

    Args:
        gp_weight: float. Penalty coefficient lambda. Defaults to 10.
        n_critic: int. Critic updates per generator update. Defaults to 5.
        **kwargs: `DCGAN` arguments.

    Example:
    >>> gan = WGANGP(latent_dim=16, width=8)
    >>> gan.compile()

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """

    critic_normalization = "layer"
    train_options = DCGAN.train_options + ("n_critic", "gp_weight")

    def __init__(self, *args, gp_weight=10.0, **kwargs):
        if not gp_weight >= 0:
            raise ValueError(
                f"gp_weight must be >= 0. Received: gp_weight={gp_weight!r}"
            )
        kwargs["clip_value"] = None
        super().__init__(*args, **kwargs)
        self.gp_weight = gp_weight
        self._penalty_trackers["gp"] = keras.metrics.Mean(name="gp")

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        )

    def discriminator_terms(self, real, fake, labels, *args):
        weights = self.replica_slice(keras.random.uniform, (keras.ops.shape(real)[0],))
        penalty = losses.gradient_penalty(
            lambda x: self.adversarial_logits(self._discriminate(x, labels)),
            real,
            fake,
            weights,
        )
        return {**super().discriminator_terms(real, fake, labels, *args),
                "gp": self.gp_weight * penalty}

    def get_config(self):
        config = {**super().get_config(), "gp_weight": self.gp_weight}
        config.pop("clip_value")
        return config
