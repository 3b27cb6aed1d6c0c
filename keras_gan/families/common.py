"""Building and compiling a model from a `TrainConfig` and the family's
options: shared by the families whose model classes list the options they
take in `train_options` (the classic and image-to-image families)."""

import keras

from keras_gan import precision as precision_lib
from keras_gan.family import RunError
from keras_gan.family import model_default

__all__ = ["build_model", "critic_steps", "make_optimizer", "model_kwargs", "option_value",
           "options_for", "reapply_learning_rates"]


def make_optimizer(config, default, flag):
    if default is None:
        return None  # The model has no such network (a VAE's D).
    if config.optimizer:
        optimizer = keras.optimizers.get(config.optimizer)
    else:
        optimizer = default
    learning_rate = getattr(config, flag)
    if learning_rate is not None:
        if not learning_rate > 0:
            raise RunError(f"--{flag} must be positive; leave it out for the model's own. "
                           f"Received: {learning_rate!r}")
        optimizer.learning_rate = learning_rate
    for name in ("beta_1", "beta_2"):
        value = getattr(config, name)
        if value is not None:
            if not hasattr(optimizer, name):
                raise RunError(
                    f"--{name} applies to Adam-style optimizers, not "
                    f"{type(optimizer).__name__}; drop it or pick --optimizer=adam."
                )
            setattr(optimizer, name, value)
    return optimizer


def options_for(options, cls):
    """The family `options` that `cls` takes (its `train_options`)."""
    return tuple(o for o in options if o.name in cls.train_options)


def option_value(options, cls, name):
    """The value `cls` trains with: the run's option, or (None) its own default."""
    value = options.get(name)
    return model_default(cls, name) if value is None else value


def critic_steps(options, cls):
    """Critic updates per training step: each takes --batch_size images."""
    if "n_critic" not in cls.train_options:
        return 1
    return option_value(options, cls, "n_critic")


def model_kwargs(config, options, cls):
    """The constructor arguments `cls` takes from the run's options (the
    family's, else the generic ones such as `dataset`); an option left as
    None is left out, so the model's own default applies."""
    kwargs = {}
    for name in cls.train_options:
        value = options[name] if name in options else getattr(config, name, None)
        if name in ("ema", "augment") and not value:
            value = None  # --ema=0 and --augment="" mean off.
        if value is not None:
            kwargs[name] = value
    return kwargs


def build_model(config, options, cls, kwargs):
    """Builds `cls(**kwargs, <the options it takes>)` under the run's
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
    kwargs = {**kwargs, **model_kwargs(config, options, cls)}
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        model = cls(**kwargs)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    d_default, g_default = model.default_optimizers()
    model.compile(
        d_optimizer=make_optimizer(config, d_default, "d_learning_rate"),
        g_optimizer=make_optimizer(config, g_default, "g_learning_rate"),
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
        wanted = getattr(config, flag, None)
        optimizer = next((getattr(model, n) for n in names if getattr(model, n, None)), None)
        if not wanted or optimizer is None:
            continue
        restored = float(optimizer.learning_rate)
        if abs(restored - wanted) > 1e-6 * wanted:  # float32 storage
            optimizer.learning_rate = wanted
            changes.append(f"--{flag}={wanted:g} applies from here on (the checkpoint had {restored:g}).")
    return changes
