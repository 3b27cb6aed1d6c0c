"""Wasserstein GAN with weight clipping."""

import keras
from keras import ops

from keras_gan.models.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class WGAN(DCGAN):
    """Wasserstein GAN: a critic estimates the Earth-Mover distance.

    The discriminator is a critic with unbounded scores, trained with the
    Wasserstein loss and kept (roughly) 1-Lipschitz by clipping every weight
    to `[-clip_value, clip_value]` after each update. The generator is
    updated once every `n_critic` steps: each `train_step` is one critic
    update on a fresh real batch, as in the paper's Algorithm 1, so an epoch
    of N batches makes N critic and N / n_critic generator updates.
    Optimizer: RMSprop, learning rate 5e-5, as in the paper.

    Args:
        n_critic: int. Critic updates per generator update. Defaults to 5.
        clip_value: float. Weight clipping bound. Defaults to 0.01.
        **kwargs: `DCGAN` arguments.

    Example:
    >>> gan = WGAN(latent_dim=16, width=8, n_critic=5)
    >>> gan.compile()

    Reference:
        Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017.
    """

    default_loss = "wasserstein"

    def __init__(self, *args, n_critic=5, clip_value=0.01, **kwargs):
        if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(
                f"n_critic must be a positive int. Received: n_critic={n_critic!r}"
            )
        if clip_value is not None and not clip_value > 0:
            raise ValueError(
                "clip_value must be a positive float or None. "
                f"Received: clip_value={clip_value!r}"
            )
        self.n_critic = n_critic
        self.clip_value = clip_value
        super().__init__(*args, **kwargs)

    def default_optimizers(self):
        return (keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5))

    def generator_turn(self):
        # Read before the critic update: G follows the 1st, (n+1)th, ...
        # critic step, so every group is "critic first, then generator".
        return ops.equal(self.d_optimizer.iterations % self.n_critic, 0)

    def after_discriminator_step(self):
        if self.clip_value is None:
            return
        for variable in self.discriminator.trainable_variables:
            variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))

    def get_config(self):
        return {
            **super().get_config(),
            "n_critic": self.n_critic,
            "clip_value": self.clip_value,
        }
