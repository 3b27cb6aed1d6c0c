"""The options of a training run, without TensorFlow: `train.py` defines its
flags from `TrainConfig` (and answers `--help`) before TensorFlow is imported."""

import dataclasses

from keras_gan import precision as precision_lib

__all__ = ["ARCHITECTURE_OPTIONS", "OPTIONS_BEFORE_THEY_EXISTED", "PRECISIONS", "TrainConfig"]

# Options that fix the shape of the networks and optimizers: a run directory
# can only be resumed with the same values.
ARCHITECTURE_OPTIONS = (
    "model",
    "dataset",
    "image_size",
    "latent_dim",
    "width",
    "extra_layers",
    "loss",
    "optimizer",
    "ema",
    "categories",
    "continuous",
    "code_embedding",
    "scale",
)

# Architecture options added after runs existed: what a run directory whose
# options.json lacks one was trained with.
OPTIONS_BEFORE_THEY_EXISTED = {"extra_layers": 0}


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
    # The default recipe (README, "The default recipe"), chosen on the v2
    # judge at the 10-minute budget on 2 CPU cores: half the DCGAN paper's
    # width, two stride-1 blocks at the 7x7 end of both networks (depth where
    # it is cheap: FID 13.8 against 50.8 without them), and sampling from
    # an average of G's weights.
    width: int = 32
    extra_layers: int = 2
    loss: str = ""
    n_critic: int = 5
    clip_value: float = 0.01
    gp_weight: float = 10.0
    ema: float = 0.999
    augment: str = ""
    r1_weight: float = 0.0
    r1_interval: int = 1
    categories: int = 10
    continuous: int = 2
    info_weight: float = 1.0
    code_embedding: bool = True
    unroll_steps: int = 5
    # Image-to-image models (keras_gan.tasks).
    l1_weight: float = 100.0
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    domains: str = "7,9"
    content_loss: str = "pixel"
    scale: int = 2
    mask: str = "center"
    optimizer: str = ""
    d_learning_rate: float = 0.0
    g_learning_rate: float = 0.0
    beta_1: float = -1.0
    beta_2: float = -1.0
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
    # Options a family declares for itself (keras_gan.family.Option), by name.
    family_options: dict = dataclasses.field(default_factory=dict)


PRECISIONS = precision_lib.PRECISIONS
