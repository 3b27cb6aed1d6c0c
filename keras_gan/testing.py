"""Shared test helpers: tiny models, one-step updates and save/load round-trips.

Used by the project's tests; also handy for users checking their own
generator/discriminator pairs.
"""

import os

import numpy as np
import keras

__all__ = [
    "checkpointed_dcgan",
    "tiny_model",
    "fake_batch",
    "weights_of",
    "changed",
    "assert_train_step_updates",
    "assert_round_trip",
]


def tiny_model(cls, image_shape=(28, 28, 1), num_classes=None, **kwargs):
    """Builds and compiles `cls` with the smallest sensible default networks."""
    from keras_gan.models import GAN

    kwargs.setdefault("latent_dim", 8)
    kwargs.setdefault("seed", 1)
    if cls is not GAN and "generator" not in kwargs:
        kwargs.setdefault("width", 8)
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    model = cls(image_shape=image_shape, **kwargs)
    model.compile()
    return model


def fake_batch(model, batch_size=16, seed=0):
    """A random `(images, labels)` batch in [-1, 1] that fits `model`
    (`n_critic` times `batch_size` for the Wasserstein models)."""
    rng = np.random.default_rng(seed)
    batch_size *= getattr(model, "n_critic", 1)
    images = rng.uniform(-1, 1, (batch_size, *model.image_shape)).astype("float32")
    labels = rng.integers(0, model.num_classes or 1, (batch_size,)).astype("int32")
    return images, labels


def weights_of(network):
    return [np.array(v.numpy()) for v in network.trainable_variables]


def changed(before, network):
    """Whether any trainable variable of `network` differs from `before`."""
    return any(
        not np.array_equal(a, v.numpy())
        for a, v in zip(before, network.trainable_variables)
    )


def assert_train_step_updates(model, batch, networks=None):
    """One `train_on_batch` must change every network and give finite metrics.

    Args:
        networks: dict name -> network, or None for all of the model's
            `generator`, `discriminator` and `encoder`.
    """
    if networks is None:
        networks = {
            name: getattr(model, name)
            for name in ("generator", "discriminator", "encoder")
            if getattr(model, name, None) is not None
        }
    before = {name: weights_of(network) for name, network in networks.items()}
    logs = model.train_on_batch(*batch, return_dict=True)
    for name, network in networks.items():
        assert changed(before[name], network), f"{name} did not change"
    for name, value in logs.items():
        assert np.isfinite(value), f"{name} is not finite: {value}"
    assert {m.name for m in model.metrics} <= set(logs), logs
    return logs


def assert_round_trip(model, directory, batch):
    """`.keras` save -> load gives the same samples and optimizer state, and
    training continues from there exactly as the original would."""
    path = os.path.join(directory, "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(
        model.generate(6, seed=7), loaded.generate(6, seed=7)
    )
    assert len(model.optimizers) == len(loaded.optimizers)
    for a, b in zip(model.optimizers, loaded.optimizers):
        assert type(a) is type(b)
        assert len(a.variables) == len(b.variables) > 2
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=va.path)
    np.testing.assert_array_equal(
        model.seed_generator.state.numpy(), loaded.seed_generator.state.numpy()
    )
    # The same next step on both: identical losses prove the optimizer
    # state, the noise state and the weights all came back.
    logs_a = model.train_on_batch(*batch, return_dict=True)
    logs_b = loaded.train_on_batch(*batch, return_dict=True)
    for name in logs_a:
        np.testing.assert_allclose(logs_a[name], logs_b[name], rtol=1e-5, atol=1e-6)
    return loaded


def checkpointed_dcgan(out_dir):
    """The DCGAN a `train.py` run in `out_dir` built (from its options.json:
    sizes, extra layers, EMA, precision), compiled, with the run's latest
    checkpoint loaded. For checking what a run wrote from outside it."""
    import json

    from keras_gan.models import DCGAN

    with open(os.path.join(out_dir, "options.json")) as f:
        options = json.load(f)
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(options["precision_used"])
    try:
        model = DCGAN(image_shape=(28, 28, 1), latent_dim=options["latent_dim"],
                      width=options["width"], extra_layers=options.get("extra_layers", 0),
                      ema=options["ema"] or None)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    model.compile()
    model.load_weights(os.path.join(out_dir, "checkpoints", "latest.weights.h5"))
    return model
