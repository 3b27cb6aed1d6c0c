"""The family protocol: what the trainer and the exporter need from a model family.

A family is a set of models that share their data, previews, evaluation and
serving signature (the classic image GANs; the image-to-image models; StyleGAN;
text-to-image; melodies). Each family lives in its own files and registers one
`Family` object; `keras_gan.trainer` and `train.py` are generic over it.

A new family is a new folder with a subclass of `Family` and one line in
`keras_gan.families.FAMILIES`.
"""

from __future__ import annotations

import dataclasses
import inspect

__all__ = ["Option", "Family", "RunContext", "RunError", "UNRECORDED", "model_default"]


class RunError(ValueError):
    """A run cannot start as asked; the message says what to change."""


class _Unrecorded:
    def __repr__(self):
        return "UNRECORDED"


# `Option.before` of an option that runs have recorded since it existed.
UNRECORDED = _Unrecorded()


@dataclasses.dataclass(frozen=True)
class Option:
    """A family's own `train.py` option.

    Args:
        name: str. The flag name (and the key in `options.json`).
        default: the value used when the flag is not given. `None` means "the
            model's own default" and is recorded as `null` in `options.json`.
        help: str. One line for `train.py --help`.
        type: one of `int`, `float`, `str`, `bool`. Needed when `default` is
            `None`. Defaults to the type of `default`.
        architecture: bool. Whether the option fixes the shape of the networks
            or optimizers, so a run directory cannot be resumed with another
            value. Defaults to False.
        choices: tuple of str, or None. The values a `str` option accepts
            (`train.py` checks them). Defaults to None (any).
        before: for an architecture option added after runs existed, the
            value those runs were trained with: an options.json without the
            option reads as this, so resuming such a run asks for it.
            Defaults to `UNRECORDED` (a file without the option is not
            compared on it).
    """

    name: str
    default: object
    help: str
    type: type | None = None
    architecture: bool = False
    choices: tuple | None = None
    before: object = UNRECORDED

    def kind(self):
        return self.type or type(self.default)


_NO_DEFAULT = inspect.Parameter.empty


def model_default(cls, name):
    """The default of `cls`'s constructor argument `name` (looked up through
    the classes it passes `**kwargs` on to), or None when no class in its
    MRO names it: what an option left as None ("the model's default") means."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameter = inspect.signature(init).parameters.get(name)
        if parameter is not None and parameter.default is not _NO_DEFAULT:
            return parameter.default
    return None


@dataclasses.dataclass
class RunContext:
    """What the trainer hands a family: the run's options and where it writes.

    Attributes:
        config: the `TrainConfig` (generic options: model, dataset, batch size,
            epochs, seed, out_dir, ...).
        options: dict. The family's own options (name -> value; `None` for the
            model's default).
        out_dir: str. The run directory (samples go to `out_dir/samples`).
        state: dict. Where a family keeps what one method hands the next
            within a run (its preview callback, its reference statistics).
    """

    config: object
    options: dict
    out_dir: str
    state: dict = dataclasses.field(default_factory=dict)


class Family:
    """Base class for a model family. Subclasses set the class attributes and
    override the methods; every method receives a `RunContext`.

    Class attributes:
        name: str. The family's name.
        models: dict. `train.py --model` names -> `keras.Model` classes.
        options: tuple of `Option`. The family's own options.
        default_dataset: str. The dataset used when `--dataset` is not given.
        recipes: dict. `train.py --model` name -> `{option: value}` where
            train.py's recipe for that model departs from an option's
            default: the family's own options and the generic ones
            (`d_learning_rate`, ...) alike. A value given by the user wins.
        bfloat16: bool. Whether `build` honours `--precision` (builds the
            networks under a mixed_bfloat16 policy when asked). A family
            that does not trains in float32, and the run says so.
    """

    name = ""
    models = {}
    options = ()
    default_dataset = ""
    recipes = {}
    bfloat16 = False

    def dataset(self, ctx):
        """The run's dataset: `config.dataset`, or the family's default."""
        return ctx.config.dataset or self.default_dataset

    def options_for(self, model_cls):
        """The family's options that apply to `model_cls`: what options.json
        records and a resume compares. Defaults to all of them; a family
        whose models take different options narrows it."""
        return self.options

    def examples_per_step(self, ctx):
        """Training examples one step consumes (the trainer counts an epoch as
        the dataset's size over this). Defaults to `config.batch_size`."""
        return ctx.config.batch_size

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        """Returns `(dataset, info)`: a batched `tf.data.Dataset` whose first
        iterator gives the same batches in every process (so resuming can skip
        to a step), and an object with `num_examples`."""
        raise NotImplementedError

    def build(self, ctx, model_cls, info):
        """Returns the model of class `model_cls`, built and compiled."""
        raise NotImplementedError

    def resumed(self, ctx, model):
        """Called after a checkpoint was restored into `model`: re-applies
        options of this command that the checkpoint's state overrode (a
        changed learning rate). Returns lines saying what changed."""
        return []

    def callbacks(self, ctx, model, info):
        """Returns the family's callbacks: health checks, per-epoch evaluation
        and previews written under `ctx.out_dir/samples`. The trainer runs
        them before its checkpoint (so a step a health check rolls back is
        never saved) and before its CSV logger (so scores reach history.csv)."""
        return []

    def final_preview(self, ctx, model, epochs_done):
        """Writes the last preview if no epoch ended with one; returns the path
        of the newest preview (or None).

        By default the preview is the callback a family keeps as
        `ctx.state["grid"]` (one with `set_model`, `save(epoch)` and
        `last_path`, like `callbacks.SampleGrid`)."""
        grid = ctx.state.get("grid")
        if grid is None:
            return None
        grid.set_model(model)  # fit never ran when the steps were all done already.
        if grid.last_path is None:
            grid.save(epochs_done)
        return grid.last_path

    def evaluate(self, ctx, model, info):
        """Returns the final scores (a JSON-serialisable dict written to
        `metrics.json`), or None when the family has no evaluation."""
        return None

    def export(self, model, export_dir):
        """Writes the servable model (SavedModel with its signatures, TFLite)
        under `export_dir`, checks it against the Keras model, and returns
        `{"files": {...}, "parity": {...}}`. Never leaves a half-written
        directory."""
        raise NotImplementedError
