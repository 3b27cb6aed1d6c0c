import numpy as np
import keras

from keras_gan.models import DCGAN


def _trained(steps=3, **kwargs):
    gan = DCGAN(image_shape=(28, 28, 1), latent_dim=8, width=8, seed=0, ema=0.9, **kwargs)
    gan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    gan.fit(x, batch_size=8, epochs=steps // 2 + 1, verbose=0)
    return gan


def test_ema_generator_measures_its_own_batch_norm_statistics():
    gan = _trained()
    ema = gan.sampling_generator
    assert ema is gan.ema_generator
    # With the averaged weights' own statistics, inference mode on the
    # calibration batch equals training mode on it; with the live G's
    # statistics copied over it would not.
    z = gan.latent_for(1024, 12345)
    inference = keras.ops.convert_to_numpy(ema(z, training=False))
    training = keras.ops.convert_to_numpy(ema(z, training=True))
    np.testing.assert_allclose(inference, training, atol=2e-3)
    norms = [l for l in ema.layers if isinstance(l, keras.layers.BatchNormalization)]
    live = {l.name: l for l in gan.generator.layers}
    assert all(not l.trainable for l in norms)
    assert norms and any(
        not np.allclose(l.moving_mean.numpy(), live[l.name].moving_mean.numpy()) for l in norms)
    # The momentum used for training is left as it was.
    assert all(l.momentum == live[l.name].momentum for l in norms)


def test_ema_statistics_are_recomputed_only_when_the_weights_moved():
    gan = _trained()
    first = gan.sampling_generator.get_weights()
    again = gan.sampling_generator.get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    images = gan.generate(4, seed=1)
    np.testing.assert_array_equal(images, gan.generate(4, seed=1))
