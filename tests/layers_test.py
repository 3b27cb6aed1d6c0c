import numpy as np
import pytest
import tensorflow as tf
import keras

from keras_gan import layers
from keras_gan.architectures import dcgan_generator


def _pair(synchronized, policy, shape=(16, 5, 5, 7)):
    """A Keras BatchNormalization and a keras_gan.layers.BatchNormalization with equal weights."""
    plain = keras.layers.BatchNormalization(synchronized=synchronized, dtype=policy)
    fused = layers.BatchNormalization(synchronized=synchronized, dtype=policy)
    rng = np.random.default_rng(1)
    gamma, beta = rng.normal(size=shape[-1]), rng.normal(size=shape[-1])
    for layer in (plain, fused):
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    return plain, fused


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("synchronized", [False, True])
def test_fused_batch_norm_trains_as_keras_does(synchronized, policy):
    plain, fused = _pair(synchronized, policy)
    x = tf.constant(np.random.default_rng(0).normal(2.0, 3.0, (16, 5, 5, 7)), tf.float32)
    # A loss whose gradient does not cancel out through the normalisation.
    weights = tf.constant(np.random.default_rng(2).normal(size=(16, 5, 5, 7)), tf.float32)
    results = []
    for layer in (plain, fused):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) * weights)
        grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
        results.append([y] + grads)
    assert results[1][0].dtype == results[0][0].dtype == plain.compute_dtype
    tol = 1e-5 if policy == "float32" else 2e-2
    for a, b in zip(*results):
        a, b = np.float32(a), np.float32(b)
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol * np.abs(a).max())
    # The moving statistics take the biased batch variance, as Keras's do.
    np.testing.assert_allclose(fused.moving_mean.numpy(), plain.moving_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(fused.moving_variance.numpy(), plain.moving_variance.numpy(),
                               rtol=1e-5)
    assert not np.allclose(fused.moving_variance.numpy(), 1.0)


def test_fused_batch_norm_runs_the_fused_kernel_when_training_only():
    fused = layers.BatchNormalization()
    fused.build((4, 3, 3, 2))
    x = tf.random.normal((4, 3, 3, 2))
    ops_of = lambda training: {op.type for op in tf.function(
        lambda t: fused(t, training=training)).get_concrete_function(x).graph.get_operations()}
    assert "FusedBatchNormV3" in ops_of(True)
    # Inference (and export) keeps the parent's graph.
    assert "FusedBatchNormV3" not in ops_of(False)


def test_fused_batch_norm_falls_back_where_the_kernel_does_not_apply():
    x2d = tf.random.normal((8, 6))
    plain, fused = keras.layers.BatchNormalization(), layers.BatchNormalization()
    np.testing.assert_allclose(fused(x2d, training=True), plain(x2d, training=True), rtol=1e-6)
    renorm = layers.BatchNormalization(renorm=True)
    graph = tf.function(lambda t: renorm(t, training=True)).get_concrete_function(
        tf.random.normal((4, 3, 3, 2))).graph
    assert "FusedBatchNormV3" not in {op.type for op in graph.get_operations()}


def test_fused_batch_norm_saves_and_shares_weights_with_keras_batch_norm(tmp_path):
    def build(bn):
        # As a resumed run builds its network: in a fresh naming scope.
        keras.backend.clear_session()
        inputs = keras.Input((4, 4, 3))
        return keras.Model(inputs, bn()(keras.layers.Conv2D(5, 3)(inputs)))

    plain, fused = build(keras.layers.BatchNormalization), build(layers.BatchNormalization)
    x = np.random.default_rng(0).normal(size=(6, 4, 4, 3)).astype("float32")
    plain(x, training=True)  # moves the statistics away from their initial values
    plain.save_weights(tmp_path / "plain.weights.h5")
    fused.load_weights(tmp_path / "plain.weights.h5")
    np.testing.assert_allclose(fused(x, training=False), plain(x, training=False), rtol=1e-5,
                               atol=1e-6)
    fused.save(tmp_path / "fused.keras")
    loaded = keras.models.load_model(tmp_path / "fused.keras")
    assert isinstance(loaded.layers[-1], layers.BatchNormalization)
    np.testing.assert_allclose(loaded(x, training=False), fused(x, training=False), rtol=1e-6)


def test_dcgan_networks_use_the_fused_layer():
    g = dcgan_generator((28, 28, 1), latent_dim=8, width=8, extra_layers=1)
    norms = [l for l in g.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(norms) == 3
    assert all(isinstance(l, layers.BatchNormalization) for l in norms)
