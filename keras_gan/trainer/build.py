"""From a `TrainConfig` to what a run needs before it trains: the family and
class of the model, the model itself, the options recorded in options.json
and the check that a resumed run keeps its architecture."""

import dataclasses
import json
import os

from keras_gan import families
from keras_gan import precision as precision_lib
from keras_gan.family import RunContext
from keras_gan.family import RunError
from keras_gan.family import UNRECORDED
from keras_gan.family import model_default
from keras_gan.trainer.config import ARCHITECTURE_OPTIONS
from keras_gan.trainer.config import GENERIC_OPTIONS
from keras_gan.trainer.config import LEGACY_DEFAULTS
from keras_gan.trainer.config import PRECISIONS

__all__ = ["build_model", "check_resume", "family_options", "model_class", "run_context",
           "run_options",
           "validate", "with_dataset", "with_recipe"]


def model_class(config):
    try:
        family = families.family_for(config.model)
    except ValueError as e:
        raise RunError(str(e)) from None
    return family, family.models[config.model]


def run_context(config):
    """`(family, model class, RunContext)` for `config`, with the family's
    default dataset and its recipe for the model filled in: what a family's
    methods receive outside a training run (a benchmark, a build)."""
    family, cls = model_class(config)
    config = with_recipe(with_dataset(config, family), family)
    return family, cls, RunContext(config, family_options(config, family, cls), config.out_dir)


def build_model(config, info):
    """Builds and compiles the model that `config` asks for (its family decides how)."""
    family, cls, ctx = run_context(config)
    return family.build(ctx, cls, info)


def family_options(config, family, cls):
    """The family's options that apply to `cls`: the config's value, or the
    family's recipe for the run's model, or the option's default (None: the
    model's own).

    Raises:
        RunError: for an option in `config.family_options` that `cls` does
            not take (it would change nothing).
    """
    takes = family.options_for(cls)
    stray = sorted(set(config.family_options) - {o.name for o in takes})
    if stray:
        raise RunError(
            f"{', '.join('--' + n for n in stray)} {'does' if len(stray) == 1 else 'do'} "
            f"not apply to --model={config.model}; its own options are "
            f"{', '.join('--' + o.name for o in sorted(takes, key=lambda o: o.name)) or 'none'}."
        )
    recipe = family.recipes.get(config.model, {})
    return {o.name: config.family_options.get(o.name, recipe.get(o.name, o.default))
            for o in takes}


def with_recipe(config, family):
    """`config` with the generic options that the family's recipe for the
    model sets (`Family.recipes`) filled in where they are None."""
    recipe = family.recipes.get(config.model, {})
    fill = {name: value for name, value in recipe.items()
            if name in GENERIC_OPTIONS and getattr(config, name) is None}
    return dataclasses.replace(config, **fill) if fill else config


def with_dataset(config, family):
    if config.dataset:
        return config
    return dataclasses.replace(config, dataset=family.default_dataset)


def validate(config):
    if config.epochs < 1:
        raise RunError(f"--epochs must be at least 1. Received: {config.epochs}")
    if config.batch_size < 1:
        raise RunError(
            f"--batch_size must be at least 1. Received: {config.batch_size}"
        )
    if config.precision not in PRECISIONS:
        raise RunError(
            f"Unknown --precision={config.precision!r}; choose one of {', '.join(PRECISIONS)}."
        )


def run_options(config, family, cls):
    """What options.json records: the generic options, the family's own
    options that apply to the model (None: the model's default), the
    precision chosen."""
    options = {k: v for k, v in dataclasses.asdict(config).items() if k != "family_options"}
    options.update(family_options(config, family, cls))
    policy, reason = precision_lib.resolve(config.precision)
    if policy != "float32" and not family.bfloat16:
        if config.precision != "auto":
            raise RunError(
                f"The {family.name} family trains in float32 only; drop "
                f"--precision={config.precision} or pass --precision=float32."
            )
        policy, reason = "float32", f"the {family.name} family trains in float32 only " \
                                    f"(auto would pick bfloat16 here: {reason})"
    options["precision_used"] = policy
    options["precision_reason"] = reason
    options["onednn"], options["onednn_reason"] = precision_lib.onednn()
    return options


def check_resume(options_path, options, family, cls):
    if not os.path.exists(options_path):
        return
    declared = family.options_for(cls)
    # A file from before an architecture option existed reads as the value
    # the family says those runs had (`Option.before`).
    with open(options_path) as f:
        previous = {**{o.name: o.before for o in declared if o.before is not UNRECORDED},
                    **json.load(f)}
    # Only the options that apply to this model bind it (an old pix2pix run
    # has no reason to care about the EMA default), compared as the model
    # sees them: None, or an older file's "" / -1 / 0 for "the model's
    # default", is that default.
    fixed = ARCHITECTURE_OPTIONS + tuple(o.name for o in declared if o.architecture)

    def seen(name, value):
        if name in LEGACY_DEFAULTS and value == LEGACY_DEFAULTS[name]:
            value = None
        return model_default(cls, name) if value is None else value

    changed = [
        f"--{k}={seen(k, options[k])!r} (was {seen(k, previous[k])!r})"
        for k in fixed
        if k in previous and seen(k, previous[k]) != seen(k, options[k])
    ]
    if changed:
        raise RunError(
            f"{os.path.dirname(options_path)} holds a run with other options "
            f"({', '.join(changed)}); resume it with the same options or pick a "
            "new --out_dir."
        )
