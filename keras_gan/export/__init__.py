"""Exports a trained generator for TensorFlow Serving and for devices.

`export(model, export_dir)` writes, for every family, the same layout:

    <export_dir>/<model_name>/<version>/          SavedModel (tag "serve")
        assets.extra/tf_serving_warmup_requests   PredictionLog warm-up records
    <export_dir>/<model_name>.float32.tflite      TFLite variants
    <export_dir>/<model_name>.float16.tflite
    <export_dir>/<model_name>.json                what an app needs: input and
                                                  output shapes, ranges, files

staged, checked against the Keras model and only then published
(`writer.write_export`). The modules:

    writer          staging and publishing, versions, ExportError, metadata JSON
    saved_model     SavedModel with its signatures, declared shapes, warm-up records
    tflite          TFLite conversion and the LiteRT runner
    parity          checks against Keras, tolerances, whose fault a mismatch is
    loading         `load_gan`: a .keras file or a run directory
    generator       the signatures of noise generators (z [, labels] -> image)
    image_to_image  the signatures of image-to-image generators (image -> image)

Other families (StyleGAN, text-to-image, MidiNet) write their own signatures
with the same writer.
"""

import os

from keras_gan.export import generator as _generator
from keras_gan.export import image_to_image as _image_to_image
from keras_gan.export.generator import check_finite
from keras_gan.export.generator import export_saved_model
from keras_gan.export.generator import export_tflite
from keras_gan.export.generator import generator_of
from keras_gan.export.generator import metadata
from keras_gan.export.generator import run_tflite
from keras_gan.export.generator import sample_latent
from keras_gan.export.loading import load_gan
from keras_gan.export.parity import TOLERANCES
from keras_gan.export.parity import check_finite_weights
from keras_gan.export.parity import float32_generator
from keras_gan.export.parity import float64_copy
from keras_gan.export.parity import parity_error
from keras_gan.export.saved_model import WARMUP_BATCH_SIZES
from keras_gan.export.saved_model import declare_input_shapes
from keras_gan.export.saved_model import predict_log
from keras_gan.export.saved_model import tf_variables
from keras_gan.export.saved_model import uint8_images
from keras_gan.export.saved_model import variables_module
from keras_gan.export.saved_model import write_saved_model
from keras_gan.export.tflite import write_tflite
from keras_gan.export.writer import TFLITE_VARIANTS
from keras_gan.export.writer import ExportError
from keras_gan.export.writer import check_model_name
from keras_gan.export.writer import check_target
from keras_gan.export.writer import version_path
from keras_gan.export.writer import write_export
from keras_gan.export.writer import write_json

__all__ = [
    "ExportError",
    "load_gan",
    "float32_generator",
    "export",
    "export_saved_model",
    "export_tflite",
    "run_tflite",
    "sample_latent",
]

# The names these had before the package was split, for code outside the
# package that used them; kept for one release.
_generator_of = generator_of
_check_finite = check_finite
_check_target = check_target
_tf_variables = tf_variables


def _signatures_of(model):
    """The module that writes `model`'s serving signatures: image-to-image
    models (those trained on a `task`) translate images, the others map z."""
    return _image_to_image if getattr(model, "task", None) else _generator


def export(model, export_dir, model_name="generator", version=None, tflite=TFLITE_VARIANTS,
           overwrite=False, warmup=True, check=True):
    """Exports the SavedModel, the TFLite variants and the metadata JSON.

    Everything is written to a staging directory in `export_dir` and, with
    `check`, compared there with the Keras model (`check_parity`); only an
    export that is complete and matches is renamed into place, the JSON
    last. On any failure nothing is left behind.

    Args:
        model: a keras_gan model, a `.keras` path or a train.py run directory.
        export_dir: str. Output directory.
        model_name: str. Name under which TF Serving serves the model.
        version: int or None. SavedModel version; defaults to the next free one.
        tflite: tuple of str. TFLite variants to write ("float32", "float16").
        overwrite: bool. Replace an existing version / files.
        warmup: bool. Write TF Serving warm-up requests.
        check: bool. Check parity before publishing. Defaults to True.

    Returns:
        The metadata dict (also written to `<export_dir>/<model_name>.json`),
        whose `files` entry lists every path written and, with `check`,
        `parity` the differences measured.

    Raises:
        ExportError: with one sentence, for bad arguments, NaN weights, a
            failed parity check (saying whether the model or the exporter is
            at fault), a full disk or a directory that cannot be written.

    Example:
    >>> # export("runs/default", "exports")  # -> exports/generator/1/, ...
    """
    model = load_gan(model) if isinstance(model, (str, os.PathLike)) else model
    return _signatures_of(model).export(model, export_dir, model_name, version, tflite,
                                        overwrite, warmup, check)


def check_parity(model, files, num=8, seed=0):
    """Runs every exported form on the same inputs and compares with Keras.

    Args:
        model: the keras_gan model that was exported.
        files: dict. The `files` entry of `export`'s result.
        num: int. Samples compared. Defaults to 8.
        seed: int. Seed of the inputs. Defaults to 0.

    Returns:
        `{form: max_abs_diff}` for every form, plus "uint8" (max difference
        between the uint8 signature and the rounded float output, 0 when
        exact).

    Raises:
        ExportError: if a form differs by more than `TOLERANCES`.
    """
    return _signatures_of(model).check_parity(model, files, num, seed)
