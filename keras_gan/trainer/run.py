"""Running (or resuming) a training run: the run directory, `fit` from the
saved step, checkpoints, curves, signals, time limits and the final model."""

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
from keras_gan import distribute
from keras_gan import run_dir
from keras_gan.family import RunContext
from keras_gan.family import RunError
from keras_gan.trainer.build import check_resume
from keras_gan.trainer.build import model_class
from keras_gan.trainer.build import run_options
from keras_gan.trainer.build import validate
from keras_gan.trainer.build import with_dataset
from keras_gan.trainer.build import with_recipe

__all__ = ["TrainResult", "train"]


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
    validate(config)
    family, cls = model_class(config)
    config = with_recipe(with_dataset(config, family), family)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    options = run_options(config, family, cls)
    print(f"Precision: {options['precision_used']} ({options['precision_reason']}).")
    onednn = {True: "on", False: "off", None: "unknown"}[options["onednn"]]
    print(f"oneDNN kernels: {onednn} ({options['onednn_reason']}).")
    strategy = distribute.make_strategy(config.strategy, config.tpu)
    config = _chief_config(config, strategy)
    run_dir.claim(config.out_dir)
    options_path = os.path.join(config.out_dir, "options.json")
    check_resume(options_path, options, family, cls)

    ctx = RunContext(config, {o.name: options[o.name] for o in family.options_for(cls)},
                     config.out_dir)
    step_examples = family.examples_per_step(ctx)

    def load(repeat=True):
        return family.load_data(ctx, split=config.split, seed=config.seed, repeat=repeat,
                                batch_size=step_examples)

    dataset, info = load()
    fresh = [dataset]

    def stream(step):
        # A fresh dataset object for every fit: its iterators give the same
        # batch sequence in every process, so skipping to the step resumes
        # exactly (data.load streams; other families' pipelines may
        # reshuffle per iterator, which a fresh object also covers).
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
        for line in family.resumed(ctx, model):
            print(line)
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
