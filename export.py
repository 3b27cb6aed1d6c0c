r"""Exports a trained generator for TensorFlow Serving and TFLite.

    python export.py --model=runs/default --export_dir=exports

writes exports/generator/<version>/ (SavedModel with warm-up requests),
exports/generator.float32.tflite, exports/generator.float16.tflite and
exports/generator.json, then checks every form against the Keras model.
"""

import os
import sys

from quiet_tensorflow import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()

from absl import app
from absl import flags
from absl import logging

flags.DEFINE_string("model", None, "A .keras file or a train.py run directory.", required=True)
flags.DEFINE_string("export_dir", "exports", "Output directory.")
flags.DEFINE_string("model_name", "generator", "Name TF Serving serves the model under.")
flags.DEFINE_integer("version", 0, "SavedModel version; 0: the next free one.")
flags.DEFINE_list("tflite", ["float32", "float16"], "TFLite variants to write (may be empty).")
flags.DEFINE_bool("overwrite", False, "Replace an existing version.")
flags.DEFINE_bool("warmup", True, "Write TF Serving warm-up requests.")
flags.DEFINE_bool("check", True, "Compare every exported form with the Keras model.")

FLAGS = flags.FLAGS


def main(argv):
    # TensorFlow reports every SavedModel write at INFO through absl.
    logging.set_verbosity(logging.WARNING)
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    from keras_gan import export as export_lib

    try:
        gan = export_lib.load_gan(FLAGS.model)
        info = export_lib.export(
            gan,
            FLAGS.export_dir,
            model_name=FLAGS.model_name,
            version=FLAGS.version or None,
            tflite=tuple(FLAGS.tflite),
            overwrite=FLAGS.overwrite,
            warmup=FLAGS.warmup,
            check=FLAGS.check,
        )
        diffs = info.get("parity", {})
    except export_lib.ExportError as e:
        print(f"export.py: error: {e}", file=sys.stderr)
        return 2
    for key, path in info["files"].items():
        print(f"{key}: {path}")
    for key, value in diffs.items():
        print(f"parity {key}: max abs diff {value:.2e}")
    return 0


if __name__ == "__main__":
    app.run(main)
