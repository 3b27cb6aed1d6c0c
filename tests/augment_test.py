import numpy as np
import pytest
import tensorflow as tf
import keras

from keras_gan import augment


def fixed(value):
    """A `draw` that returns `value` for every uniform draw."""
    return lambda sampler, shape: tf.fill(shape, tf.constant(value, tf.float32))


def test_translation_shifts_with_zero_fill():
    x = np.arange(64, dtype="float32").reshape(1, 8, 8, 1) + 1.0
    # u = 1 - eps -> the largest shift (+1 pixel for side 8): row r reads r + 1.
    out = augment.diff_augment(x, "translation", fixed(0.999)).numpy()[0, ..., 0]
    np.testing.assert_array_equal(out[:-1, :-1], x[0, 1:, 1:, 0])
    assert (out[-1] == 0).all() and (out[:, -1] == 0).all()
    # u = 0.5 -> no shift.
    np.testing.assert_array_equal(augment.diff_augment(x, "translation", fixed(0.5)).numpy(), x)


def test_cutout_zeroes_one_half_side_square():
    x = np.ones((2, 8, 8, 3), "float32")
    out = augment.diff_augment(x, "cutout", fixed(0.5)).numpy()
    zeros = (out[0, ..., 0] == 0)
    assert zeros.sum() == 16 and zeros.any(axis=0).sum() == 4 and zeros.any(axis=1).sum() == 4
    assert (out[..., 0] == out[..., 2]).all()


def test_color_changes_and_gradients_flow():
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = augment.diff_augment(x, "color,translation,cutout")
        loss = tf.reduce_sum(out)
    assert out.shape == x.shape and not np.allclose(out, x)
    assert np.abs(tape.gradient(loss, x).numpy()).sum() > 0


def test_seeded_draws_repeat():
    x = np.random.default_rng(1).uniform(-1, 1, (3, 8, 8, 1)).astype("float32")
    draws = [lambda s, shape, g=keras.random.SeedGenerator(7): s(shape, seed=g) for _ in range(2)]
    a, b = (augment.diff_augment(x, draw=d).numpy() for d in draws)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("policy", ["", "flip", "color,,zoom"])
def test_bad_policy_is_one_sentence(policy):
    with pytest.raises(ValueError, match="augment must be a comma-separated list"):
        augment.check_policy(policy)
