"""Building and compiling a model from a `TrainConfig`: shared by the families
whose models take the flat training options (the classic and image-to-image
families)."""

import keras

from keras_gan import precision as precision_lib
from keras_gan.family import RunError

__all__ = ["build_model", "critic_steps", "make_optimizer", "model_option", "reapply_learning_rates"]


def make_optimizer(config, default, learning_rate):
    if default is None:
        return None  # The model has no such network (a VAE's D).
    if config.optimizer:
        optimizer = keras.optimizers.get(config.optimizer)
    else:
        optimizer = default
    if learning_rate > 0:
        optimizer.learning_rate = learning_rate
    for name in ("beta_1", "beta_2"):
        value = getattr(config, name)
        if value >= 0:
            if not hasattr(optimizer, name):
                raise RunError(
                    f"--{name} applies to Adam-style optimizers, not "
                    f"{type(optimizer).__name__}; drop it or pick --optimizer=adam."
                )
            setattr(optimizer, name, value)
    return optimizer


def critic_steps(config, cls):
    """Critic updates per training step: each takes --batch_size images."""
    return config.n_critic if "n_critic" in cls.train_options else 1


def model_option(config, name):
    value = getattr(config, name)
    if name in ("ema", "augment"):
        return value or None  # --ema=0 and --augment="" mean off.
    return value


def build_model(config, cls, kwargs):
    """Builds `cls(**kwargs, <its train_options from config>)` under the run's
    precision and compiles it with the config's optimizers.

    Under `precision="mixed_bfloat16"` the networks compute in bfloat16
    with float32 weights; losses and penalties are taken in float32
    (`keras_gan.losses`), and the global dtype policy is left as it was.
    """
    if config.precision not in precision_lib.PRECISIONS:
        raise RunError(
            f"Unknown --precision={config.precision!r}; choose one of "
            f"{', '.join(precision_lib.PRECISIONS)}."
        )
    if config.steps_per_execution < 1:
        raise RunError(
            f"--steps_per_execution must be at least 1. Received: {config.steps_per_execution}"
        )
    policy, _ = precision_lib.resolve(config.precision)
    kwargs = {**kwargs, **{name: model_option(config, name) for name in cls.train_options}}
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        model = cls(**kwargs)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    d_default, g_default = model.default_optimizers()
    model.compile(
        d_optimizer=make_optimizer(config, d_default, config.d_learning_rate),
        g_optimizer=make_optimizer(config, g_default, config.g_learning_rate),
        loss=config.loss or None,
        jit_compile=config.jit_compile,
        steps_per_execution=config.steps_per_execution,
    )
    return model


def reapply_learning_rates(config, model):
    """After a resume: the checkpoint restored the optimizers' learning rates
    with the rest of their state; a --d_learning_rate / --g_learning_rate
    given to this command wins (the advice of the NaN message is to lower
    them and resume). Returns what changed."""
    changes = []
    for flag, names in (("d_learning_rate", ("d_optimizer",)),
                        ("g_learning_rate", ("g_optimizer", "vae_optimizer"))):
        wanted = getattr(config, flag, 0) or 0
        optimizer = next((getattr(model, n) for n in names if getattr(model, n, None)), None)
        if wanted <= 0 or optimizer is None:
            continue
        restored = float(optimizer.learning_rate)
        if abs(restored - wanted) > 1e-6 * wanted:  # float32 storage
            optimizer.learning_rate = wanted
            changes.append(f"--{flag}={wanted:g} applies from here on (the checkpoint had {restored:g}).")
    return changes
