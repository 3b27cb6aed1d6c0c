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


def test_collapse_check_watches_the_trained_network_not_its_average():
    from keras_gan.callbacks import TrainingHealth
    from keras_gan.families.image import _trained_network_samples

    gan = _trained()
    sample = _trained_network_samples(gan)
    z = gan.latent_for(8, 5)
    live = keras.ops.convert_to_numpy(gan.generator(z, training=False))
    np.testing.assert_array_equal(sample(8, 5), live)
    # The average differs from the live network, so the check would see
    # other samples without `sample`.
    assert not np.allclose(gan.generate(8, seed=5), live)

    calls = []
    real = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    health = TrainingHealth(real_images=real, num_samples=8,
                            sample=lambda n, seed: calls.append((n, seed)) or sample(n, seed))
    health.set_model(gan)
    health.on_train_begin()
    logs = {}
    health.on_epoch_end(0, logs)
    assert calls == [(8, 12345)] and "diversity_ratio" in logs
