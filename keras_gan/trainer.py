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
from keras_gan import run_dir
from keras_gan import tasks as tasks_lib
from keras_gan.models import MODELS

__all__ = ["TrainConfig", "TrainResult", "train", "build_model", "RunError"]

# Options that fix the shape of the networks and optimizers: a run directory
# can only be resumed with the same values.
_ARCHITECTURE_OPTIONS = (
    "model",
    "dataset",
    "image_size",
    "latent_dim",
    "width",
    "loss",
    "optimizer",
    "ema",
    "categories",
    "continuous",
    "code_embedding",
    "scale",
)


class RunError(ValueError):
    """A run cannot start as asked; the message says what to change."""


@dataclasses.dataclass
class TrainConfig:
    """Options of a training run; `train.py` has one flag per field."""

    model: str = "dcgan"
    dataset: str = "fashion_mnist"
    data_dir: str | None = None
    split: str = "train"
    image_size: int = 0
    latent_dim: int = 100
    # The default recipe: half the DCGAN paper's width makes about 2.2x
    # more steps in the same time, and won on FID at a 10-minute budget
    # on 2 CPU cores (README, "Speed and the default recipe").
    width: int = 32
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
    epochs: int = 12
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
    precision: str = "float32"
    jit_compile: bool = False
    steps_per_execution: int = 1
    strategy: str = "default"
    tensorboard: bool = False
    tpu: str = ""


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


def _make_optimizer(config, default, learning_rate):
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


def _extractor_for(config, info):
    """The feature network for evaluation and health checks, or None."""
    from keras_gan import features

    name = config.extractor
    if name == "none":
        return None
    if name == "auto":
        # The shipped network knows 28x28 grayscale images; color data needs
        # InceptionV3 weights, which are not always at hand offline.
        if tuple(info.image_shape) != (28, 28, 1):
            return None
        name = "fashion_mnist"
    return features.load_extractor(name)


def _model_class(config):
    if config.model not in MODELS:
        raise RunError(
            f"Unknown model {config.model!r}; choose one of {sorted(MODELS)}."
        )
    return MODELS[config.model]


def _critic_steps(config):
    """Critic updates per training step: each takes --batch_size images."""
    return config.n_critic if "n_critic" in _model_class(config).train_options else 1


def _model_option(config, name):
    value = getattr(config, name)
    if name in ("ema", "augment"):
        return value or None  # --ema=0 and --augment="" mean off.
    return value


PRECISIONS = ("float32", "mixed_bfloat16")


def build_model(config, info):
    """Builds and compiles the model that `config` asks for.

    Under `precision="mixed_bfloat16"` the networks compute in bfloat16
    with float32 weights; losses and penalties are taken in float32
    (`keras_gan.losses`), and the global dtype policy is left as it was.
    """
    cls = _model_class(config)
    if config.precision not in PRECISIONS:
        raise RunError(
            f"Unknown --precision={config.precision!r}; choose one of {', '.join(PRECISIONS)}."
        )
    if config.steps_per_execution < 1:
        raise RunError(
            f"--steps_per_execution must be at least 1. Received: {config.steps_per_execution}"
        )
    kwargs = {
        "image_shape": info.image_shape,
        "latent_dim": config.latent_dim,
        "seed": config.seed,
        **{name: _model_option(config, name) for name in cls.train_options},
    }
    if getattr(cls, "task", None):
        del kwargs["latent_dim"]  # Image-to-image generators take images.
    if cls.needs_labels:
        if not info.num_classes:
            raise RunError(
                f"--model={config.model} needs class labels, but dataset "
                f"{config.dataset!r} has none; use a labelled dataset or a "
                "folder with one subfolder per class."
            )
        kwargs["num_classes"] = info.num_classes
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(config.precision)
    try:
        model = cls(**kwargs)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    d_default, g_default = model.default_optimizers()
    model.compile(
        d_optimizer=_make_optimizer(config, d_default, config.d_learning_rate),
        g_optimizer=_make_optimizer(config, g_default, config.g_learning_rate),
        loss=config.loss or None,
        jit_compile=config.jit_compile,
        steps_per_execution=config.steps_per_execution,
    )
    return model


def _check_resume(options_path, options):
    if not os.path.exists(options_path):
        return
    with open(options_path) as f:
        previous = json.load(f)
    changed = [
        f"--{k}={options[k]!r} (was {previous.get(k)!r})"
        for k in _ARCHITECTURE_OPTIONS
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


@run_dir.guarded
def train(config):
    """Runs (or resumes) the training run that `config` describes.

    Returns:
        A `TrainResult` with the model, history and paths.

    Raises:
        RunError, data.DatasetError, ValueError: with a message that says
            what to change.
    """
    start = time.monotonic()
    if config.epochs < 1:
        raise RunError(f"--epochs must be at least 1. Received: {config.epochs}")
    if config.batch_size < 1:
        raise RunError(
            f"--batch_size must be at least 1. Received: {config.batch_size}"
        )
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    options = dataclasses.asdict(config)
    strategy = distribute.make_strategy(config.strategy, config.tpu)
    if not distribute.is_chief(strategy):
        # Workers other than the chief keep their files apart; the chief's
        # out_dir holds the run.
        config = dataclasses.replace(
            config,
            out_dir=os.path.join(config.out_dir, "workers", str(distribute.task_id(strategy))),
            export=False,
            final_eval_samples=0,
        )
    run_dir.claim(config.out_dir)
    options_path = os.path.join(config.out_dir, "options.json")
    _check_resume(options_path, options)

    load_kwargs = dict(
        split=config.split,
        # The Wasserstein models make n_critic critic updates per step, each
        # on --batch_size real images of the step's batch.
        batch_size=config.batch_size * _critic_steps(config),
        with_labels=_model_class(config).needs_labels,
        data_dir=config.data_dir,
        image_size=config.image_size or None,
    )
    # Image-to-image models train on (input, target) pairs of their task.
    task = getattr(_model_class(config), "task", None)
    load = tasks_lib.loader_for(config) if task else data_lib.load
    dataset, info = load(
        config.dataset, seed=config.seed, repeat=True, return_info=True, **load_kwargs
    )
    fresh = [dataset]

    def stream(step):
        # A fresh dataset object for every fit: its first iterator gives the
        # same batch sequence in every process, so skipping to the step
        # resumes exactly. (A second iterator on one object reshuffles.)
        ds = fresh.pop() if fresh else load(
            config.dataset, seed=config.seed, repeat=True, **load_kwargs
        )
        return ds.skip(step)

    with strategy.scope():
        model = build_model(config, info)

    checkpoint = callbacks_lib.Checkpoint(
        os.path.join(config.out_dir, "checkpoints"),
        every_steps=config.checkpoint_every_steps or None,
    )
    step = start_step = checkpoint.restore(model)
    step_images = load_kwargs["batch_size"]
    steps_per_epoch = config.steps_per_epoch or (info.num_examples or 0) // step_images
    if steps_per_epoch < 1:
        raise RunError(
            f"The dataset has {info.num_examples} images, fewer than one training "
            f"step's {step_images}; lower --batch_size."
        )
    total_steps = config.epochs * steps_per_epoch
    if run_dir.is_finished(config.out_dir, step, total_steps, config.export):
        return TrainResult(**run_dir.nothing_to_train(
            model, config.out_dir, step, total_steps, steps_per_epoch, time.monotonic() - start))
    with open(options_path, "w") as f:
        json.dump(options, f, indent=2)

    samples = (tasks_lib.TripletGrid if task else callbacks_lib.SampleGrid)(
        os.path.join(config.out_dir, "samples"),
        every=config.samples_every,
        num=config.num_samples,
        seed=config.seed,
    )
    history_csv = os.path.join(config.out_dir, "history.csv")
    loss_plot = callbacks_lib.LossPlot(
        os.path.join(config.out_dir, "losses.csv"),
        os.path.join(config.out_dir, "losses.png"),
        every_steps=max(1, min(50, steps_per_epoch)),
        history_csv=history_csv,
    )
    # FID does not apply to translations: tasks write their own metric.
    extractor = None if task else _extractor_for(config, info)
    callbacks = []
    if config.health:
        real = None
        if not task:  # No diversity check for translations.
            real = next(iter(data_lib.load(config.dataset, shuffle=False, drop_remainder=False,
                                           **{**load_kwargs, "batch_size": 256})))
            real = (real[0] if isinstance(real, (tuple, list)) else real).numpy()
        callbacks.append(callbacks_lib.TrainingHealth(
            real_images=real, extractor=extractor, on_nan=config.on_nan))
    # After the health check, so a step rolled back is never checkpointed.
    callbacks.append(checkpoint)
    reference = None
    if extractor is not None and (config.eval_every > 0 or config.final_eval_samples > 0):
        from keras_gan import evaluation

        reference = evaluation.reference_statistics(
            config.dataset, split=config.split, extractor=extractor, data_dir=config.data_dir
        )
        if config.eval_every > 0:
            callbacks.append(callbacks_lib.Evaluation(
                reference, extractor, every=config.eval_every,
                num_samples=config.eval_samples, seed=config.seed))
    callbacks += [keras.callbacks.CSVLogger(history_csv, append=True), loss_plot, samples]
    if hasattr(model, "sweep"):
        callbacks.append(callbacks_lib.CodeSweep(
            os.path.join(config.out_dir, "samples"), every=config.samples_every, seed=config.seed))
    if config.tensorboard:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            raise RunError(
                "--tensorboard needs the tensorboard package; install it with "
                "pip install 'keras_gan[tensorboard]' (or pip install tensorboard)."
            ) from None
        log_dir = os.path.join(config.out_dir, "tensorboard")
        # After Evaluation, so the FID/KID scalars are in the logs it writes.
        callbacks += [keras.callbacks.TensorBoard(log_dir),
                      callbacks_lib.TensorBoardImages(log_dir, seed=config.seed)]
    if config.time_limit > 0:
        callbacks.append(callbacks_lib.TimeLimit(config.time_limit))
    interrupt = _InterruptHandler()
    callbacks.append(interrupt)

    if step:
        print(f"Resuming {config.out_dir} at step {step} "
              f"(epoch {step // steps_per_epoch + 1}, batch {step % steps_per_epoch + 1}).")
    history = {}
    with interrupt.installed():
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
    checkpoint.set_model(model)
    samples.set_model(model)  # fit never ran when the steps were all done already.
    checkpoint.save()
    epochs_done = step // steps_per_epoch
    if samples.last_path is None:
        samples.save(epochs_done)
    loss_plot.plot()
    model_path = os.path.join(config.out_dir, "model.keras")
    _atomic_save(model, model_path)
    scores = None
    if reference is not None and config.final_eval_samples > 0 and not interrupt.signal_name:
        from keras_gan import evaluation

        scores = evaluation.evaluate(
            model, reference, extractor, config.final_eval_samples, seed=config.seed
        )
        with open(os.path.join(config.out_dir, "metrics.json"), "w") as f:
            json.dump({"epoch": epochs_done, "num_samples": config.final_eval_samples,
                       "extractor": reference.extractor, "reference": reference.source,
                       "reference_images": reference.num_images, **scores}, f, indent=2)
    if task and config.final_eval_samples > 0 and not interrupt.signal_name:
        scores = tasks_lib.evaluate(model, config.final_eval_samples)
        with open(os.path.join(config.out_dir, "metrics.json"), "w") as f:
            json.dump({"epoch": epochs_done, "task": task, **scores}, f, indent=2)
    export_files = parity = None
    if interrupt.signal_name:
        # An interrupted run writes its checkpoint and model and leaves the
        # slow work (scoring, export) to the run that finishes.
        config = dataclasses.replace(config, export=False)
    if config.export:
        from keras_gan import export as export_lib

        info = export_lib.export(
            model, os.path.join(config.out_dir, "export"), version=1, overwrite=True
        )
        export_files = info["files"]
        parity = export_lib.check_parity(model, export_files)
    return TrainResult(
        model=model,
        history=history,
        out_dir=config.out_dir,
        model_path=model_path,
        last_samples=samples.last_path,
        epochs_done=epochs_done,
        start_step=start_step,
        seconds=time.monotonic() - start,
        export_files=export_files,
        parity=parity,
        metrics=scores,
        interrupted=interrupt.signal_name,
        step=step,
    )
