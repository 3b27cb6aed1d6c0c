"""The options of a training run, without TensorFlow: `train.py` defines its
flags from `TrainConfig` and the families' declared options (and answers
`--help`) before TensorFlow is imported.

`TrainConfig` holds the options every model has; each family declares its
own (`keras_gan/families/<name>_options.py`) and a config carries them in
`family_options`. `None` means "the model's own default" throughout, and is
recorded as `null` in a run's options.json."""

import dataclasses

from keras_gan import precision as precision_lib

__all__ = ["ARCHITECTURE_OPTIONS", "GENERIC_OPTIONS", "LEGACY_DEFAULTS", "PRECISIONS",
           "TrainConfig", "make_config"]

# Options of every model that fix the shape of the networks and optimizers:
# a run directory can only be resumed with the same values. (A family's own
# options say so themselves: `Option(architecture=True)`.)
ARCHITECTURE_OPTIONS = ("model", "dataset", "image_size", "latent_dim", "loss", "optimizer")

# How options.json files written before None meant "the model's default"
# spelled it: these values read as None.
LEGACY_DEFAULTS = {"loss": "", "optimizer": "", "d_learning_rate": 0.0, "g_learning_rate": 0.0,
                   "beta_1": -1.0, "beta_2": -1.0, "augment": ""}


@dataclasses.dataclass
class TrainConfig:
    """Options of a training run; `train.py` has one flag per field."""

    model: str = "dcgan"
    # Empty: the model family's default dataset (fashion_mnist for images).
    dataset: str = ""
    data_dir: str | None = None
    split: str = "train"
    image_size: int = 0
    latent_dim: int = 100
    # None: the model's own (the paper's) loss family.
    loss: str | None = None
    # None: each network's paper optimizer (and its learning rate and betas).
    optimizer: str | None = None
    d_learning_rate: float | None = None
    g_learning_rate: float | None = None
    beta_1: float | None = None
    beta_2: float | None = None
    # 18 epochs (16,866 steps at ~27 ms) fill the ~10-minute budget on a
    # 2-core CPU with bfloat16 units (README, "The default recipe").
    epochs: int = 18
    batch_size: int = 64
    steps_per_epoch: int = 0
    time_limit: float = 0.0
    seed: int = 0
    out_dir: str = "runs/default"
    samples_every: int = 1
    num_samples: int = 64
    verbose: str = "auto"
    export: bool = True
    eval_every: int = 1
    eval_samples: int = 2000
    final_eval_samples: int = 10000
    extractor: str = "auto"
    health: bool = True
    on_nan: str = "rollback"
    checkpoint_every_steps: int = 0
    deterministic: bool = False
    # Speed levers (bench/throughput.py measures each).
    # "auto": bfloat16 compute where the CPU or GPU multiplies natively in
    # it, float32 elsewhere (keras_gan.precision).
    precision: str = "auto"
    jit_compile: bool = False
    steps_per_execution: int = 1
    strategy: str = "default"
    tensorboard: bool = False
    tpu: str = ""
    # The options of the model's family (keras_gan.family.Option: width,
    # n_critic, l1_weight, ...), by name; one left out takes the family's
    # default. `make_config` sorts keyword options into the two.
    family_options: dict = dataclasses.field(default_factory=dict)


# The options every model has, by name (a family's own go in family_options).
GENERIC_OPTIONS = frozenset(f.name for f in dataclasses.fields(TrainConfig)) - {"family_options"}


def make_config(**options):
    """A `TrainConfig` from `train.py`'s options by name, generic or the
    model's family's: `make_config(model="wgan_gp", n_critic=3, epochs=5)`.

    Raises:
        ValueError: for a name that is neither a `TrainConfig` field nor an
            option of the model's family.
    """
    from keras_gan import families

    generic = GENERIC_OPTIONS
    model = options.get("model", TrainConfig.model)
    declared = families.declared_model_names()
    if model not in declared:
        raise ValueError(f"Unknown model {model!r}; choose one of {sorted(declared)}.")
    family = declared[model]
    own = {o.name for o in families.declared(family).OPTIONS}
    unknown = sorted(set(options) - generic - own - {"family_options"})
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)}: not an option of --model={model} (family {family!r}); "
            f"its own options are {', '.join(sorted(own)) or 'none'}."
        )
    # A family option may share its name with no generic one; family first.
    values = {k: v for k, v in options.items() if k in generic and k not in own}
    family_options = {**options.get("family_options", {}),
                      **{k: v for k, v in options.items() if k in own}}
    return TrainConfig(**values, family_options=family_options)


PRECISIONS = precision_lib.PRECISIONS
