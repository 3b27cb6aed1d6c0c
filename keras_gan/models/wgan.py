"""Wasserstein GAN with weight clipping."""

import keras
from keras import ops

from keras_gan.models.dcgan import DCGAN


def rmsprop_as_in_pytorch(learning_rate):
    """`torch.optim.RMSprop(lr)`'s update in Keras: decay (alpha) 0.99 and
    a floor of 1e-8 on the RMS (PyTorch adds eps outside the square root,
    Keras inside it: epsilon 1e-16 gives the same floor)."""
    return keras.optimizers.RMSprop(learning_rate, rho=0.99, epsilon=1e-16)


@keras.saving.register_keras_serializable(package="keras_gan")
class WGAN(DCGAN):
    """Wasserstein GAN: a critic estimates the Earth-Mover distance.

    The discriminator is a critic with unbounded scores, trained with the
    Wasserstein loss and kept (roughly) 1-Lipschitz by clipping every weight
    to `[-clip_value, clip_value]` after each update. Each `train_step` splits
    its batch into `n_critic` parts (sample i into part i mod n_critic) and
    makes one critic update on each, then
    one generator update, as in the paper's Algorithm 1 (a fresh real batch
    per critic update): feed batches of `n_critic x` the critic batch size
    (train.py does this for you). Any batch size trains: when it does not
    divide by `n_critic` the parts differ in size by one at most, and a
    batch smaller than `n_critic` gives critic update k the single sample
    k mod batch (its samples are reused in turn).
    Optimizer: RMSprop, learning rate 5e-5, as in the paper, with the
    reference code's PyTorch settings (decay 0.99, and 1e-8 as the floor of
    the gradient's running RMS). Keras's defaults (rho 0.9, epsilon 1e-7
    added *inside* the square root: a floor of 3.2e-4) stop a clipped critic
    cold: its gradients' RMS is about 4e-6 and G's 2e-8, so every step was
    1 % (D) and 0.01 % (G) of the paper's.

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
    train_options = DCGAN.train_options + ("n_critic", "clip_value")
    collapse_advice = ("Try more critic steps per generator step (--n_critic), a lower "
                       "generator learning rate, or an earlier checkpoint.")

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
        if clip_value is not None:
            # The optimizer applies constraints right after each update,
            # inside its (possibly distributed) update step.
            for variable in self.discriminator.trainable_variables:
                variable.constraint = self._clip

    def default_optimizers(self):
        return (rmsprop_as_in_pytorch(5e-5), rmsprop_as_in_pytorch(5e-5))

    def _clip(self, variable):
        return ops.clip(variable, -self.clip_value, self.clip_value)

    def _strided_parts(self, x):
        """`n_critic` parts of `x`: part k holds samples k, k + n_critic, ...
        (sizes differ by one at most), or sample k mod batch when the batch
        is smaller than n_critic."""
        n = self.n_critic
        batch = x.shape[0]
        if batch is not None and batch % n == 0:
            grouped = ops.reshape(x, (-1, n, *x.shape[1:]))
            return [grouped[:, k] for k in range(n)]
        if batch is not None:
            return [x[k::n] if k < batch else x[k % batch:k % batch + 1] for k in range(n)]
        # Batch size known only at run time (e.g. a last, smaller batch).
        size = ops.shape(x)[0]
        return [ops.take(x, ops.mod(ops.arange(k, ops.maximum(size, k + 1), n), size), axis=0)
                for k in range(n)]

    def train_step(self, data):
        real, labels = self._unpack(data)
        batch = real.shape[0]
        if batch is not None and batch < 1:
            raise ValueError(
                f"{type(self).__name__} needs at least one image per batch. "
                f"Received: batch size {batch}"
            )
        # n_critic critic updates, each on its own slice of real data, then
        # one generator update: Algorithm 1 of the paper, with no
        # data-dependent control flow (which tf.distribute cannot sync).
        # Strided parts (sample i goes to critic update i mod n_critic): under
        # tf.distribute each replica holds a contiguous slice of the global
        # batch, and strided parts of the slices are exactly the replicas'
        # shares of the global batch's strided parts.
        reals = self._strided_parts(real)
        label_parts = [None] * self.n_critic if labels is None else self._strided_parts(labels)
        for part, part_labels in zip(reals, label_parts):
            self._discriminator_step(part, part_labels)
        self._generator_step(ops.shape(reals[-1])[0], label_parts[-1])
        return self.logs()

    def get_config(self):
        return {
            **super().get_config(),
            "n_critic": self.n_critic,
            "clip_value": self.clip_value,
        }
