import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses

REAL = np.array([2.0, -1.0, 0.5, 30.0], dtype="float32")
FAKE = np.array([-3.0, 0.0, 1.5, -40.0], dtype="float32")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype("float64")))


def test_minimax_discriminator_loss_is_binary_cross_entropy():
    expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    assert float(losses.minimax_discriminator_loss(REAL, FAKE)) == pytest.approx(
        expected, rel=1e-5
    )


def test_generator_losses_match_their_formulas():
    np.testing.assert_allclose(
        losses.minimax_generator_loss(FAKE), np.mean(np.log(1 - sigmoid(FAKE))), rtol=1e-5
    )
    np.testing.assert_allclose(
        losses.non_saturating_generator_loss(FAKE), -np.mean(np.log(sigmoid(FAKE))), rtol=1e-5
    )
    np.testing.assert_allclose(losses.wasserstein_generator_loss(FAKE), -FAKE.mean(), rtol=1e-6)
    np.testing.assert_allclose(losses.hinge_generator_loss(FAKE), -FAKE.mean(), rtol=1e-6)
    np.testing.assert_allclose(
        losses.least_squares_generator_loss(FAKE), 0.5 * np.mean((FAKE - 1) ** 2), rtol=1e-6
    )


def test_discriminator_losses_match_their_formulas():
    np.testing.assert_allclose(
        losses.wasserstein_discriminator_loss(REAL, FAKE), FAKE.mean() - REAL.mean(), rtol=1e-6
    )
    np.testing.assert_allclose(
        losses.hinge_discriminator_loss(REAL, FAKE),
        np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        losses.least_squares_discriminator_loss(REAL, FAKE),
        0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2),
        rtol=1e-6,
    )


def test_saturation_gradients():
    # D rejects the sample confidently (logit -10): the saturating loss gives
    # almost no gradient, the non-saturating one a strong one.
    x = tf.Variable([-10.0])
    with tf.GradientTape(persistent=True) as tape:
        sat = losses.minimax_generator_loss(x)
        non_sat = losses.non_saturating_generator_loss(x)
    assert abs(float(tape.gradient(sat, x)[0])) < 1e-4
    assert abs(float(tape.gradient(non_sat, x)[0])) > 0.99


def test_losses_are_stable_and_float32_for_extreme_and_half_precision_logits():
    big = np.array([1e4, -1e4], dtype="float16")
    for fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
        value = fn(tf.constant(big))
        assert value.dtype == tf.float32 and np.isfinite(value.numpy())
    value = losses.minimax_discriminator_loss(tf.constant(big), tf.constant(big))
    assert np.isfinite(value.numpy())


def test_equilibrium_value():
    # D(x) = 1/2 everywhere: L_D = 2 log 2, the value at the game's optimum.
    zeros = np.zeros(8, "float32")
    assert float(losses.minimax_discriminator_loss(zeros, zeros)) == pytest.approx(
        2 * np.log(2), rel=1e-6
    )


def _linear_critic(w):
    w = tf.constant(w, dtype="float32")
    return lambda x: tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)) * w, axis=1)


def test_gradient_penalty_is_zero_for_one_lipschitz_linear_critic():
    rng = np.random.default_rng(0)
    w = rng.normal(size=12).astype("float32")
    real = tf.constant(rng.normal(size=(5, 2, 2, 3)), "float32")
    fake = tf.constant(rng.normal(size=(5, 2, 2, 3)), "float32")
    weights = tf.constant(rng.uniform(size=5), "float32")
    unit = losses.gradient_penalty(_linear_critic(w / np.linalg.norm(w)), real, fake, weights)
    assert float(unit) == pytest.approx(0.0, abs=1e-6)
    double = losses.gradient_penalty(_linear_critic(2 * w / np.linalg.norm(w)), real, fake, weights)
    assert float(double) == pytest.approx(1.0, rel=1e-5)


def test_gradient_penalty_gradient_is_finite_when_critic_gradient_is_zero():
    v = tf.Variable(1.0)
    real = tf.zeros((4, 3))
    fake = tf.zeros((4, 3))
    with tf.GradientTape() as tape:
        # relu(x - 10) is flat at the interpolates: zero input gradient.
        gp = losses.gradient_penalty(
            lambda x: v * tf.reduce_sum(tf.nn.relu(x - 10.0), axis=1),
            real, fake, tf.fill((4,), 0.5),
        )
    grad = tape.gradient(gp, v)
    assert np.isfinite(float(gp)) and float(gp) == pytest.approx(1.0, abs=1e-5)
    # Without the epsilon this gradient is NaN (sqrt'(0) is infinite).
    assert grad is not None and np.isfinite(float(grad))


def test_r1_penalty_is_squared_gradient_norm():
    w = np.array([3.0, 4.0], dtype="float32")
    real = tf.constant([[1.0, 2.0], [0.0, -1.0]])
    assert float(losses.r1_penalty(_linear_critic(w), real)) == pytest.approx(25.0, rel=1e-6)


def test_get_losses():
    assert losses.get_losses("hinge") == (
        losses.hinge_discriminator_loss, losses.hinge_generator_loss
    )
    assert losses.get_losses("minimax")[1] is losses.non_saturating_generator_loss
    with pytest.raises(ValueError, match="Received: loss='bogus'"):
        losses.get_losses("bogus")
