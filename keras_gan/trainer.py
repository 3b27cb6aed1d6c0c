"""A whole training run: data, model, callbacks, resume and the final model.

`train.py` turns its flags into a `TrainConfig` and calls `train`; the same
function serves Python users who want the run directory layout without the
command line.

Run directory layout:
    options.json        the options of the run (checked on resume)
    samples/            samples_epoch_0001.png, ... from a fixed latent seed
    losses.csv, losses.png   training curves, appended across resumes
    history.csv         per-epoch logs (losses, FID/KID/precision/recall, health)
    metrics.json        scores of the final model
    checkpoints/        latest/previous.weights.h5: networks, optimizers (with
                        the step counter) and noise state; re-running resumes
                        at that exact step
    model.keras         the final model (generator, discriminator, optimizers)
    export/             the generator for TF Serving and TFLite (keras_gan.export)
"""

import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
import time

import keras
import tensorflow as tf

from keras_gan import callbacks as callbacks_lib
from keras_gan import data as data_lib
from keras_gan import distribute
from keras_gan import families
from keras_gan import precision as precision_lib
from keras_gan import run_dir
from keras_gan.family import RunContext
from keras_gan.family import RunError

__all__ = ["TrainConfig", "TrainResult", "train", "build_model", "RunError"]

# Options that fix the shape of the networks and optimizers: a run directory
# can only be resumed with the same values.
_ARCHITECTURE_OPTIONS = (
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
    # The default recipe: half the DCGAN paper's width makes about 2.5x
    # more steps in the same time, and won on the v2 judge's FID against the
    # paper width at a 10-minute budget on 2 CPU cores (README, "The default
    # recipe").
    width: int = 32
    extra_layers: int = 0
    loss: str = ""
    n_critic: int = 5
    clip_value: float = 0.01
    gp_weight: float = 10.0
    ema: float = 0.0
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
    # 20 epochs (18,740 steps) fill the ~10-minute budget on a 2-core CPU
    # with bfloat16 units (README, "The default recipe").
    epochs: int = 20
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


@dataclasses.dataclass
class TrainResult:
    model: keras.Model
    history: dict
    out_dir: str
    model_path: str
    last_samples: str | None
    epochs_done: int
    start_step: int
    seconds: float
    export_files: dict | None = None
    parity: dict | None = None
    metrics: dict | None = None
    interrupted: str | None = None
    step: int = 0


PRECISIONS = precision_lib.PRECISIONS


def _model_class(config):
    try:
        family = families.family_for(config.model)
    except ValueError as e:
        raise RunError(str(e)) from None
    return family, family.models[config.model]


def build_model(config, info):
    """Builds and compiles the model that `config` asks for (its family decides how)."""
    family, cls = _model_class(config)
    config = _with_dataset(config, family)
    return family.build(RunContext(config, dict(config.family_options), config.out_dir), cls, info)


def _with_dataset(config, family):
    if config.dataset:
        return config
    return dataclasses.replace(config, dataset=family.default_dataset)


def _check_resume(options_path, options, family):
    if not os.path.exists(options_path):
        return
    with open(options_path) as f:
        previous = json.load(f)
    fixed = _ARCHITECTURE_OPTIONS + tuple(o.name for o in family.options if o.architecture)
    changed = [
        f"--{k}={options[k]!r} (was {previous.get(k)!r})"
        for k in fixed
        if k in previous and previous[k] != options[k]
    ]
    if changed:
        raise RunError(
            f"{os.path.dirname(options_path)} holds a run with other options "
            f"({', '.join(changed)}); resume it with the same options or pick a "
            "new --out_dir."
        )


class _InterruptHandler(keras.callbacks.Callback):
    """Turns SIGINT/SIGTERM into "finish this step, checkpoint, stop"."""

    def __init__(self):
        super().__init__()
        self.signal_name = None

    def _handle(self, signum, frame):
        self.signal_name = signal.Signals(signum).name

    @contextlib.contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)

    def on_train_batch_end(self, batch, logs=None):
        if self.signal_name:
            self.model.stop_training = True


def _atomic_save(model, path):
    tmp = path + ".tmp.keras"
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _validate(config):
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


def _options(config, family):
    """What options.json records: the generic options, the family's own
    options that apply (None: the model's default), the precision chosen."""
    options = {k: v for k, v in dataclasses.asdict(config).items() if k != "family_options"}
    for option in family.options:
        options[option.name] = config.family_options.get(option.name, option.default)
    policy, reason = precision_lib.resolve(config.precision)
    options["precision_used"] = policy
    options["precision_reason"] = reason
    return options


def _chief_config(config, strategy):
    if distribute.is_chief(strategy):
        return config
    # Workers other than the chief keep their files apart; the chief's
    # out_dir holds the run.
    return dataclasses.replace(
        config,
        out_dir=os.path.join(config.out_dir, "workers", str(distribute.task_id(strategy))),
        export=False,
        final_eval_samples=0,
    )


def _run_callbacks(config, family, ctx, model, info, checkpoint, steps_per_epoch):
    history_csv = os.path.join(config.out_dir, "history.csv")
    loss_plot = callbacks_lib.LossPlot(
        os.path.join(config.out_dir, "losses.csv"),
        os.path.join(config.out_dir, "losses.png"),
        every_steps=max(1, min(50, steps_per_epoch)),
        history_csv=history_csv,
    )
    # The family's health checks come before the checkpoint, so a step rolled
    # back is never saved, and its scores before the CSV logger.
    callbacks = family.callbacks(ctx, model, info) + [
        checkpoint, keras.callbacks.CSVLogger(history_csv, append=True), loss_plot]
    if config.tensorboard:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            raise RunError(
                "--tensorboard needs the tensorboard package; install it with "
                "pip install 'keras_gan[tensorboard]' (or pip install tensorboard)."
            ) from None
        log_dir = os.path.join(config.out_dir, "tensorboard")
        callbacks += [keras.callbacks.TensorBoard(log_dir),
                      callbacks_lib.TensorBoardImages(log_dir, seed=config.seed)]
    if config.time_limit > 0:
        callbacks.append(callbacks_lib.TimeLimit(config.time_limit))
    return callbacks, loss_plot


def _fit(config, model, stream, callbacks, step, total_steps, steps_per_epoch):
    """Runs `fit` from `step` to `total_steps`; returns (history, last step)."""
    history = {}
    # The data stream is a function of the step alone, so a resumed run
    # sees exactly the batches an uninterrupted one would. A run stopped mid-epoch first
    # finishes that epoch, then goes on epoch by epoch.
    while step < total_steps and not model.stop_training:
        epoch, offset = divmod(step, steps_per_epoch)
        last_epoch = epoch + 1 if offset else config.epochs
        result = model.fit(
            stream(step),
            # The pipeline shuffles already.
            shuffle=False,
            initial_epoch=epoch,
            epochs=last_epoch,
            steps_per_epoch=steps_per_epoch - offset if offset else steps_per_epoch,
            callbacks=callbacks,
            # A progress bar redrawn every step floods logs that are not
            # a terminal; there, print one line per epoch.
            verbose=(1 if sys.stdout.isatty() else 2)
            if config.verbose == "auto"
            else config.verbose,
        )
        for key, values in result.history.items():
            history.setdefault(key, []).extend(values)
        step = model.train_steps
    return history, step


@run_dir.guarded
def train(config):
    """Runs (or resumes) the training run that `config` describes.

    The model's family (`keras_gan.families`) gives the data, the model, the
    previews, the evaluation and the export; the trainer owns the run
    directory, resuming, checkpoints, curves, signals and time limits.

    Returns:
        A `TrainResult` with the model, history and paths.

    Raises:
        RunError, data.DatasetError, ValueError: with a message that says
            what to change.
    """
    start = time.monotonic()
    _validate(config)
    family, cls = _model_class(config)
    config = _with_dataset(config, family)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    options = _options(config, family)
    print(f"Precision: {options['precision_used']} ({options['precision_reason']}).")
    strategy = distribute.make_strategy(config.strategy, config.tpu)
    config = _chief_config(config, strategy)
    run_dir.claim(config.out_dir)
    options_path = os.path.join(config.out_dir, "options.json")
    _check_resume(options_path, options, family)

    ctx = RunContext(config, {o.name: options[o.name] for o in family.options}, config.out_dir)
    step_examples = family.examples_per_step(ctx)

    def load(repeat=True):
        return family.load_data(ctx, split=config.split, seed=config.seed, repeat=repeat,
                                batch_size=step_examples)

    dataset, info = load()
    fresh = [dataset]

    def stream(step):
        # A fresh dataset object for every fit: its first iterator gives the
        # same batch sequence in every process, so skipping to the step
        # resumes exactly. (A second iterator on one object reshuffles.)
        ds = fresh.pop() if fresh else load()[0]
        return ds.skip(step)

    with strategy.scope():
        model = family.build(ctx, cls, info)

    checkpoint = callbacks_lib.Checkpoint(
        os.path.join(config.out_dir, "checkpoints"),
        every_steps=config.checkpoint_every_steps or None,
    )
    step = start_step = checkpoint.restore(model)
    steps_per_epoch = config.steps_per_epoch or (info.num_examples or 0) // step_examples
    if steps_per_epoch < 1:
        raise RunError(
            f"The dataset has {info.num_examples} examples, fewer than one training "
            f"step's {step_examples}; lower --batch_size."
        )
    total_steps = config.epochs * steps_per_epoch
    if run_dir.is_finished(config.out_dir, step, total_steps, config.export):
        return TrainResult(**run_dir.nothing_to_train(
            model, config.out_dir, step, total_steps, steps_per_epoch, time.monotonic() - start))
    with open(options_path, "w") as f:
        json.dump(options, f, indent=2)
    callbacks, loss_plot = _run_callbacks(config, family, ctx, model, info, checkpoint,
                                          steps_per_epoch)
    interrupt = _InterruptHandler()
    callbacks.append(interrupt)

    if step:
        print(f"Resuming {config.out_dir} at step {step} "
              f"(epoch {step // steps_per_epoch + 1}, batch {step % steps_per_epoch + 1}).")
    with interrupt.installed():
        history, step = _fit(config, model, stream, callbacks, step, total_steps,
                             steps_per_epoch)
    checkpoint.set_model(model)
    checkpoint.save()
    epochs_done = step // steps_per_epoch
    last_samples = family.final_preview(ctx, model, epochs_done)
    loss_plot.plot()
    model_path = os.path.join(config.out_dir, "model.keras")
    _atomic_save(model, model_path)
    scores = export_files = parity = None
    # An interrupted run writes its checkpoint and model and leaves the slow
    # work (scoring, export) to the run that finishes.
    if not interrupt.signal_name:
        scores = family.evaluate(ctx, model, info)
        if scores is not None:
            with open(os.path.join(config.out_dir, "metrics.json"), "w") as f:
                json.dump({"epoch": epochs_done, **scores}, f, indent=2)
        if config.export:
            exported = family.export(model, os.path.join(config.out_dir, "export"))
            export_files, parity = exported["files"], exported["parity"]
    return TrainResult(
        model=model,
        history=history,
        out_dir=config.out_dir,
        model_path=model_path,
        last_samples=last_samples,
        epochs_done=epochs_done,
        start_step=start_step,
        seconds=time.monotonic() - start,
        export_files=export_files,
        parity=parity,
        metrics=scores,
        interrupted=interrupt.signal_name,
        step=step,
    )
