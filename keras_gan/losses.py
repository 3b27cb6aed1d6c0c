"""Adversarial losses as pure functions of discriminator logits.

Every function takes raw discriminator outputs (logits for the probabilistic
losses, critic values for the Wasserstein loss) and returns a scalar averaged
over the batch. Inputs are cast to float32 so the losses stay exact when the
networks run under a mixed-precision policy.

Generator losses take `fake_logits` (D(G(z))); discriminator losses take
`real_logits` (D(x)) and `fake_logits`.
"""

import keras
from keras import ops

__all__ = [
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "gradient_penalty",
    "r1_penalty",
    "LOSS_FAMILIES",
    "PROBABILITY_LOSSES",
    "get_losses",
]


def _f32(x):
    return ops.cast(x, "float32")


def _log_sigmoid(x):
    # log(sigmoid(x)) = -softplus(-x), stable for large |x|.
    return -ops.softplus(-x)


def minimax_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the original GAN game.

    `L_D = -E[log D(x)] - E[log(1 - D(G(z)))]` with `D = sigmoid(logits)`:
    binary cross-entropy with label 1 for real and 0 for generated samples.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    # log(1 - sigmoid(x)) = log(sigmoid(-x)).
    return -ops.mean(_log_sigmoid(real_logits)) - ops.mean(
        _log_sigmoid(-fake_logits)
    )


def minimax_generator_loss(fake_logits):
    """Saturating generator loss, the generator's side of the minimax game.

    `L_G = E[log(1 - D(G(z)))]`, minimised by G. Its gradient vanishes when D
    rejects the samples confidently, which is why the non-saturating loss is
    used in practice; it is kept to show the difference.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """
    return ops.mean(_log_sigmoid(-_f32(fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss: G maximises `log D(G(z))`.

    `L_G = -E[log D(G(z))]`. Same fixed point as the minimax loss, but strong
    gradients early in training when D easily rejects the samples.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, sec. 3.
    """
    return -ops.mean(_log_sigmoid(_f32(fake_logits)))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Critic loss of the Wasserstein GAN.

    `L_D = E[D(G(z))] - E[D(x)]`: the critic maximises the estimate of the
    Earth-Mover distance, which is only valid for a (near) 1-Lipschitz critic
    (weight clipping or a gradient penalty).

    Reference:
        Arjovsky et al., "Wasserstein GAN", ICML 2017.
    """
    return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))


def wasserstein_generator_loss(fake_logits):
    """Generator loss of the Wasserstein GAN: `L_G = -E[D(G(z))]`.

    Reference:
        Arjovsky et al., "Wasserstein GAN", ICML 2017.
    """
    return -ops.mean(_f32(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss.

    `L_D = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`.

    Reference:
        Lim & Ye, "Geometric GAN", 2017; Miyato et al., "Spectral
        Normalization for Generative Adversarial Networks", ICLR 2018.
    """
    return ops.mean(ops.relu(1.0 - _f32(real_logits))) + ops.mean(
        ops.relu(1.0 + _f32(fake_logits))
    )


def hinge_generator_loss(fake_logits):
    """Hinge generator loss: `L_G = -E[D(G(z))]`.

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial
        Networks", ICLR 2018.
    """
    return -ops.mean(_f32(fake_logits))


def least_squares_discriminator_loss(real_logits, fake_logits):
    """Least-squares discriminator loss with targets b=1 (real), a=0 (fake).

    `L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]`.

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.
    """
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return 0.5 * ops.mean(ops.square(real_logits - 1.0)) + 0.5 * ops.mean(
        ops.square(fake_logits)
    )


def least_squares_generator_loss(fake_logits):
    """Least-squares generator loss with target c=1: `1/2 E[(D(G(z)) - 1)^2]`.

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.
    """
    return 0.5 * ops.mean(ops.square(_f32(fake_logits) - 1.0))


def _per_sample_norm(gradients, epsilon):
    squares = ops.sum(
        ops.reshape(ops.square(_f32(gradients)), (ops.shape(gradients)[0], -1)),
        axis=1,
    )
    # The epsilon keeps the gradient of sqrt finite when a gradient is exactly
    # zero (sqrt'(0) is infinite and turns the whole update into NaN).
    return ops.sqrt(squares + epsilon)


def gradient_penalty(critic, real, fake, weights, epsilon=1e-12):
    """Two-sided gradient penalty of WGAN-GP at random interpolates.

    `GP = E[(||grad_x_hat D(x_hat)||_2 - 1)^2]` with
    `x_hat = w * x + (1 - w) * G(z)` and `w ~ U[0, 1]` per sample.

    Args:
        critic: callable. Maps a batch of images to critic values. Extra
            inputs (labels) can be bound with a lambda.
        real: tensor. Real images, shape `(batch, ...)`.
        fake: tensor. Generated images, same shape as `real`.
        weights: tensor. Interpolation weights drawn uniform in [0, 1], shape
            `(batch,)` or broadcastable to `real`.
        epsilon: float. Added under the square root of the gradient norm so a
            zero gradient gives a finite penalty gradient. Defaults to 1e-12.

    Returns:
        The scalar penalty (float32), differentiable w.r.t. the critic weights.

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """
    import tensorflow as tf

    real = ops.cast(real, fake.dtype)
    weights = ops.cast(weights, fake.dtype)
    if len(weights.shape) == 1:
        weights = ops.reshape(weights, (-1,) + (1,) * (len(real.shape) - 1))
    interpolates = weights * real + (1.0 - weights) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = _f32(critic(interpolates))
    gradients = tape.gradient(scores, interpolates)
    norms = _per_sample_norm(gradients, epsilon)
    return ops.mean(ops.square(norms - 1.0))


def r1_penalty(discriminator, real):
    """R1 regulariser: squared gradient norm of D on real data.

    `R1 = E[||grad_x D(x)||_2^2]`; the caller scales it by `gamma / 2`.

    Args:
        discriminator: callable. Maps a batch of real images to logits.
        real: tensor. Real images.

    Reference:
        Mescheder et al., "Which Training Methods for GANs do actually
        Converge?", ICML 2018.
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = _f32(discriminator(real))
    gradients = _f32(tape.gradient(scores, real))
    squares = ops.sum(
        ops.reshape(ops.square(gradients), (ops.shape(gradients)[0], -1)), axis=1
    )
    return ops.mean(squares)


# name -> (discriminator loss, generator loss). The generator side of
# "minimax" is the non-saturating loss, as in the paper's practice; the
# saturating variant is its own family.
LOSS_FAMILIES = {
    "minimax": (minimax_discriminator_loss, non_saturating_generator_loss),
    "non_saturating": (minimax_discriminator_loss, non_saturating_generator_loss),
    "saturating": (minimax_discriminator_loss, minimax_generator_loss),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
}
# The families whose discriminator output is a logit of "real" (D = sigmoid
# of it): their mean D outputs are probabilities, and D "wins" near 1 and 0.
PROBABILITY_LOSSES = ("minimax", "non_saturating", "saturating")


def get_losses(name):
    """Returns `(discriminator_loss, generator_loss)` for a loss family name.

    Args:
        name: str. One of `LOSS_FAMILIES`: "non_saturating" (alias
            "minimax"), "saturating", "wasserstein", "hinge", "least_squares".
    """
    if name not in LOSS_FAMILIES:
        raise ValueError(
            f"Unknown loss {name!r}; choose one of {sorted(LOSS_FAMILIES)}. "
            f"Received: loss={name!r}"
        )
    return LOSS_FAMILIES[name]


for _fn in (
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
):
    keras.saving.register_keras_serializable(package="keras_gan")(_fn)
del _fn
