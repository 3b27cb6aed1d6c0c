r"""Trains a GAN with `model.fit` and writes a run directory.

With no flags: DCGAN on Fashion-MNIST (the local Debian copy when present),
about 10 minutes on a 2-core CPU.

    python train.py
    python train.py --model=wgan_gp --dataset=cifar10 --epochs=20 \
        --out_dir=runs/wgan_gp_cifar

Re-running the same command with the same --out_dir resumes from the last
checkpoint; a finished run is not trained again.
"""

import dataclasses
import importlib.util
import os
import sys

from absl import app
from absl import flags
from absl import logging

_HELP_FLAGS = {f"{dashes}{name}" for dashes in ("-", "--")
               for name in ("help", "?", "helpshort", "helpfull", "helpxml")}


def _asks_for_help(argv):
    """Whether absl will print the help and exit (flags after `--` are arguments)."""
    args = argv[:argv.index("--")] if "--" in argv else argv
    return any(arg in _HELP_FLAGS for arg in args)


def _without_package_inits(*packages):
    """Makes `packages` importable without running their __init__ files.

    keras_gan/__init__.py imports the model classes (so that `import
    keras_gan` registers them with Keras) and keras_gan/trainer/__init__.py
    the training loop, both with TensorFlow. The flags need only modules that
    import neither (keras_gan.trainer.config, keras_gan.families and the
    families' options modules), so --help sets the packages up bare: it
    answers in a fraction of a second and exits before anything else runs.
    """
    for name in packages:
        module = importlib.util.module_from_spec(importlib.util.find_spec(name))
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


if _asks_for_help(sys.argv[1:]):
    _without_package_inits("keras_gan", "keras_gan.trainer")
else:
    from quiet_tensorflow import import_tensorflow_quietly

    import_tensorflow_quietly()

from keras_gan import families  # noqa: E402
from keras_gan.trainer.config import PRECISIONS, TrainConfig  # noqa: E402

_D = TrainConfig()

# === Model ===
flags.DEFINE_enum("model", _D.model, sorted(families.declared_model_names()),
                  "[model] Which GAN to train.")
flags.DEFINE_integer("latent_dim", _D.latent_dim, "[model] Size of the noise vector z.")
flags.DEFINE_enum(
    "loss",
    _D.loss,
    ["non_saturating", "saturating", "wasserstein", "hinge", "least_squares"],
    "[model] Loss family; unset: the model's own (non_saturating for most, "
    "wasserstein for wgan/wgan_gp, least_squares for lsgan, hinge for sngan).",
)
# The options of one family (width, n_critic, l1_weight, ...) are declared by
# the family (keras_gan/families/<name>_options.py) and defined at the end.

# === Data ===
flags.DEFINE_string(
    "dataset",
    _D.dataset,
    "[data] A tensorflow-datasets name (fashion_mnist and mnist use the local "
    "IDX files when present), a folder of images, or a folder of IDX files; for "
    "midinet bach_chorales or a folder of MIDI files. Empty: the model family's "
    "default (fashion_mnist for image models).",
)
flags.DEFINE_string("data_dir", _D.data_dir, "[data] tensorflow-datasets data_dir or IDX folder.")
flags.DEFINE_string("split", _D.split, "[data] Dataset split to train on.")
flags.DEFINE_integer(
    "image_size", _D.image_size, "[data] Resize images to this side; 0 keeps the dataset's size."
)

# === Optimization ===
flags.DEFINE_integer("epochs", _D.epochs, "[training] Number of epochs.")
flags.DEFINE_integer("batch_size", _D.batch_size, "[training] Images per batch.")
flags.DEFINE_integer(
    "steps_per_epoch", _D.steps_per_epoch, "[training] Batches per epoch; 0: one pass over the data."
)
flags.DEFINE_float(
    "time_limit",
    _D.time_limit,
    "[training] Stop cleanly after this many seconds of training (0: no limit); "
    "the model, samples and checkpoint are still written.",
)
flags.DEFINE_enum(
    "optimizer",
    _D.optimizer,
    ["adam", "rmsprop", "sgd"],
    "[training] Optimizer for both networks; unset: the model's paper setting.",
)
flags.DEFINE_float("d_learning_rate", _D.d_learning_rate, "[training] D learning rate; unset: the model's.")
flags.DEFINE_float(
    "g_learning_rate", _D.g_learning_rate,
    "[training] G learning rate (vae: its optimizer's); unset: the model's.",
)
flags.DEFINE_float("beta_1", _D.beta_1, "[training] Adam beta_1; unset: the model's.")
flags.DEFINE_float("beta_2", _D.beta_2, "[training] Adam beta_2; unset: the model's.")
flags.DEFINE_integer("seed", _D.seed, "[training] Random seed (data order, weights, noise).")
flags.DEFINE_integer(
    "checkpoint_every_steps",
    _D.checkpoint_every_steps,
    "[training] Also checkpoint every N steps (0: at epoch ends only); a killed run loses at most N steps.",
)
flags.DEFINE_bool(
    "deterministic",
    _D.deterministic,
    "[training] tf.config.experimental.enable_op_determinism(): a resumed run reaches the same "
    "weights as an uninterrupted one (slower).",
)

# === Speed ===
flags.DEFINE_enum(
    "precision", _D.precision, list(PRECISIONS),
    "[speed] Compute dtype of the networks. auto: mixed_bfloat16 where the CPU (avx512_bf16, "
    "amx_bf16) or GPU multiplies natively in bfloat16, else float32; the choice and its reason "
    "are printed and written to options.json. mixed_bfloat16 keeps float32 weights, losses and "
    "optimizer state. bench/throughput.py measures it.",
)
flags.DEFINE_bool(
    "jit_compile", _D.jit_compile, "[speed] Compile the train step with XLA (measure with bench/throughput.py)."
)
flags.DEFINE_integer(
    "steps_per_execution", _D.steps_per_execution,
    "[speed] Train steps per call into the compiled function (callbacks see every Nth step).",
)

# === Distribution ===
flags.DEFINE_enum(
    "strategy",
    _D.strategy,
    ["default", "mirrored", "multiworker", "tpu"],
    "[distribution] tf.distribute strategy: one device, all local devices, the "
    "machines of TF_CONFIG, or a TPU. --batch_size is the global batch.",
)
flags.DEFINE_string("tpu", _D.tpu, "[distribution] TPU name or address (empty on a TPU VM).")
flags.DEFINE_integer(
    "cpu_devices", 0,
    "[distribution] Split the CPU into N logical devices (try --strategy=mirrored on one machine).",
)

# === Output ===
flags.DEFINE_string("out_dir", _D.out_dir, "[output] Run directory; re-use it to resume.")
flags.DEFINE_integer("samples_every", _D.samples_every, "[output] Save a sample grid every N epochs.")
flags.DEFINE_integer("num_samples", _D.num_samples, "[output] Images per sample grid.")
flags.DEFINE_enum(
    "verbose", _D.verbose, ["auto", "0", "1", "2"], "[output] Keras progress output."
)

flags.DEFINE_bool(
    "export",
    _D.export,
    "[output] Export the generator (SavedModel + TFLite) to <out_dir>/export at the end.",
)


# === Evaluation and health ===
flags.DEFINE_integer(
    "eval_every", _D.eval_every, "[evaluation] Score FID/KID/precision/recall every N epochs; 0: never."
)
flags.DEFINE_integer("eval_samples", _D.eval_samples, "[evaluation] Generated images per evaluation.")
flags.DEFINE_integer(
    "final_eval_samples",
    _D.final_eval_samples,
    "[evaluation] Generated images scored for metrics.json at the end; 0: skip.",
)
flags.DEFINE_enum(
    "extractor",
    _D.extractor,
    ["auto", "fashion_mnist", "inception_v3", "none"],
    "[evaluation] Feature network; auto: the shipped Fashion-MNIST network for "
    "28x28x1 data, none otherwise (inception_v3 needs its ImageNet weights).",
)
flags.DEFINE_enum(
    "on_nan", _D.on_nan, ["rollback", "stop"],
    "[evaluation] On a NaN/Inf loss: roll back to the last good state, or stop.",
)
flags.DEFINE_bool(
    "health", _D.health, "[evaluation] Roll back on NaN; warn when D wins outright or samples collapse."
)

flags.DEFINE_bool(
    "tensorboard", False,
    "[output] Write TensorBoard scalars (losses, FID, ...) and sample grids to <out_dir>/tensorboard.",
)

FLAGS = flags.FLAGS


# === Family options (each family declares its own) ===
# A name several families declare (width) is one flag; its help is the first
# family's, and each family keeps its own default when the flag is not given.
_DEFINE = {int: flags.DEFINE_integer, float: flags.DEFINE_float, str: flags.DEFINE_string,
           bool: flags.DEFINE_bool}
_DECLARED = {}
for _family_name in families.FAMILIES:
    for _option in families.declared(_family_name).OPTIONS:
        _DECLARED.setdefault(_option.name, []).append((_family_name, _option))
for _name, ((_family_name, _option), *_others) in _DECLARED.items():
    _help = f"[{_family_name}] {_option.help}"
    if _others:
        _help += " Default elsewhere: " + ", ".join(
            f"{family} {'the model default' if o.default is None else o.default}"
            for family, o in _others) + "."
    if _option.choices:
        flags.DEFINE_enum(_name, _option.default, list(_option.choices), _help)
    else:
        _DEFINE[_option.kind()](_name, _option.default, _help)


# Where a family's recipe for a model departs from a flag's default, the
# flag's help says so.
_RECIPE_NOTES = {}
for _family_name in families.FAMILIES:
    for _model, _recipe in families.declared_recipes(_family_name).items():
        for _name, _value in _recipe.items():
            _RECIPE_NOTES.setdefault(_name, []).append(f"{_value} for --model={_model}")
for _name, _notes in _RECIPE_NOTES.items():
    FLAGS[_name].help += " train.py's recipe, unless given: " + ", ".join(_notes) + "."


def main(argv):
    # TensorFlow reports every SavedModel write at INFO through absl.
    logging.set_verbosity(logging.WARNING)
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    from keras_gan import trainer
    from keras_gan.data import DatasetError
    from keras_gan.export import ExportError

    if FLAGS.cpu_devices:
        from keras_gan import distribute

        distribute.split_cpu(FLAGS.cpu_devices)
    values = {f.name: FLAGS[f.name].value for f in dataclasses.fields(TrainConfig)
              if f.name != "family_options"}
    # Every family option given on the command line; the trainer refuses
    # one that does not apply to the model before anything trains. One
    # several families declare (width) left out takes the model's family's
    # default.
    values["family_options"] = {name: FLAGS[name].value for name in _DECLARED
                                if FLAGS[name].present}
    if values["verbose"] != "auto":
        values["verbose"] = int(values["verbose"])
    config = TrainConfig(**values)
    try:
        result = trainer.train(config)
    except (trainer.RunError, DatasetError, ExportError, ValueError) as e:
        if os.environ.get("KERAS_GAN_DEBUG"):
            raise
        print(f"train.py: error: {e}", file=sys.stderr)
        return 2
    history = {k: v[-1] for k, v in result.history.items()}
    summary = ", ".join(f"{k}={v:.4f}" for k, v in sorted(history.items()))
    if result.interrupted:
        print(f"Stopped by {result.interrupted} after step {result.step}; the checkpoint "
              f"is written. Run the same command to resume.")
        return 0
    print(f"Trained to epoch {result.epochs_done} in {result.seconds:.0f} s. {summary}")
    print(f"Samples: {result.last_samples}")
    print(f"Loss curves: {os.path.join(result.out_dir, 'losses.png')}")
    print(f"Model: {result.model_path}")
    if result.metrics:
        scalars = ", ".join(f"{k}={v:.4g}" for k, v in result.metrics.items()
                            if isinstance(v, (int, float)) and not k.endswith("_std"))
        print("Final model scores: " + os.path.join(result.out_dir, "metrics.json")
              + (f" ({scalars})" if scalars else ""))
    if result.export_files:
        print(f"Export: {result.export_files['saved_model']} (TF Serving), "
              f"{result.export_files['tflite_float32']} (TFLite)")
        print("Export parity (max abs diff vs Keras): "
              + ", ".join(f"{k} {v:.1e}" for k, v in result.parity.items()))
    return 0


if __name__ == "__main__":
    app.run(main)
