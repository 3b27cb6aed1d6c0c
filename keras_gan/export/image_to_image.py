"""Exports the generator of an image-to-image model (image in, image out)
for TensorFlow Serving and for devices; `keras_gan.export.export` and
`check_parity` hand such models (those with a `task`) to this module, whose
files go through the same writer as the noise generators'.

Layout written by `export` (as for the noise generators):

    <export_dir>/<model_name>/<version>/          SavedModel (tag "serve")
        assets.extra/tf_serving_warmup_requests
    <export_dir>/<model_name>.float32.tflite      TFLite variants
    <export_dir>/<model_name>.float16.tflite
    <export_dir>/<model_name>.json                shapes, ranges, files

SavedModel signatures:
    serving_default(images float32[batch, h, w, c] in [-1, 1])
        -> {"images": float32[batch, H, W, C] in [-1, 1]}
    translate_uint8(images uint8[batch, h, w, c])
        -> {"images": uint8[batch, H, W, C]}, round((x + 1) * 127.5)
    inpaint(images float32[batch, h, w, c], masks float32[batch, h, w, 1])
        -> {"images": ...}; ContextEncoder only (1 = missing pixel).

The input is the model's input: edge maps for pix2pix on the offline task,
domain-A images for CycleGAN (its A -> B generator), low-resolution images
for SRGAN, whole images whose central block is filled for ContextEncoder.
TFLite files hold `serving_default`.
"""

import numpy as np
import tensorflow as tf

from keras_gan.export.parity import check_finite_weights
from keras_gan.export.parity import failed_forms
from keras_gan.export.parity import float32_generator
from keras_gan.export.parity import parity_error
from keras_gan.export.saved_model import WARMUP_BATCH_SIZES
from keras_gan.export.saved_model import predict_log
from keras_gan.export.saved_model import uint8_images
from keras_gan.export.saved_model import variables_module
from keras_gan.export.saved_model import write_saved_model
from keras_gan.export.tflite import input_shape
from keras_gan.export.tflite import signature_runner
from keras_gan.export.tflite import write_tflite
from keras_gan.export.writer import TFLITE_VARIANTS
from keras_gan.export.writer import ExportError
from keras_gan.export.writer import check_target
from keras_gan.export.writer import check_variant
from keras_gan.export.writer import version_path
from keras_gan.export.writer import write_export
from keras_gan.images import to_uint8

__all__ = ["export", "export_saved_model", "export_tflite", "run_tflite", "check_parity"]


def _functions(model, generator):
    """The tf.functions of the export, as `{signature name: function}`."""
    shape = model.input_shape_for_export
    spec = tf.TensorSpec([None, *shape], tf.float32, name="images")

    def translate(images):
        return tf.cast(model.translate_tensor(images, generator=generator), tf.float32)

    functions = {
        "serving_default": tf.function(lambda images: {"images": translate(images)},
                                       input_signature=[spec]),
        "translate_uint8": tf.function(
            lambda images: {"images": uint8_images(translate(tf.cast(images, tf.float32)
                                                          / 127.5 - 1.0))},
            input_signature=[tf.TensorSpec([None, *shape], tf.uint8, name="images")]),
    }
    if hasattr(model, "inpaint"):
        mask_spec = tf.TensorSpec([None, *shape[:2], 1], tf.float32, name="masks")
        functions["inpaint"] = tf.function(
            lambda images, masks: {"images": tf.cast(
                model.fill(images, masks, generator=generator)[1], tf.float32)},
            input_signature=[spec, mask_spec])
    return functions


def _warmup_requests(model, model_name):
    shape = model.input_shape_for_export
    records = []
    for batch in WARMUP_BATCH_SIZES:
        images = np.random.default_rng(batch).uniform(-1, 1, (batch, *shape)).astype("float32")
        for signature, value in (("serving_default", images),
                                 ("translate_uint8", to_uint8(images))):
            records.append(predict_log(model_name, signature, {"images": value}))
    return records


def export_saved_model(model, export_dir, model_name="generator", version=None,
                       overwrite=False, warmup=True):
    """Writes the image-to-image SavedModel; returns the version path.

    Args: as `keras_gan.export.export_saved_model`.
    """
    path = version_path(export_dir, model_name, version, overwrite)
    return _write_saved_model_to(model, path, model_name, warmup)


def _write_saved_model_to(model, path, model_name, warmup):
    generator = float32_generator(model.generator)
    functions = _functions(model, generator)
    signatures = {name: fn.get_concrete_function() for name, fn in functions.items()}
    records = _warmup_requests(model, model_name) if warmup else None
    return write_saved_model(variables_module(generator), signatures, path, records)


def export_tflite(model, path, variant="float32", overwrite=True):
    """Converts `serving_default` to a TFLite flatbuffer; returns `path`.

    Converted through a staging SavedModel, as `keras_gan.export` does: the
    concrete-function route leaves Keras 3 variables unfrozen.
    """
    check_variant(variant)
    check_target(path, overwrite)
    generator = float32_generator(model.generator)
    module = variables_module(generator)
    serve = _functions(model, generator)["serving_default"]
    return write_tflite(module, serve, path, variant)


def run_tflite(path, images, num_threads=None):
    """Runs a `.tflite` image-to-image generator with the LiteRT interpreter."""
    runner = signature_runner(path, num_threads)
    images = np.asarray(images, "float32")
    shape = input_shape(runner, "images")[1:]
    if images.shape[1:] != shape:
        raise ExportError(f"images must have shape (batch, {', '.join(map(str, shape))}). "
                          f"Received: shape {images.shape}")
    return runner(images=images)["images"]


def metadata(model, model_name, files):
    shape = [int(s) for s in model.input_shape_for_export]
    out = [int(s) for s in model.image_shape]
    return {
        "model_name": model_name,
        "model_class": type(model).__name__,
        "task": model.task,
        "input_shape": shape,
        "image_shape": out,
        "input_range": [-1.0, 1.0],
        "output_range": [-1.0, 1.0],
        "uint8_mapping": "round((x + 1) * 127.5); uint8 input x / 127.5 - 1",
        "inputs": {"images": ["batch", *shape]},
        "outputs": {"images": ["batch", *out]},
        "signatures": ["serving_default", "translate_uint8"]
        + (["inpaint"] if hasattr(model, "inpaint") else []),
        "files": files,
    }


def export(model, export_dir, model_name="generator", version=None, tflite=TFLITE_VARIANTS,
           overwrite=False, warmup=True, check=True):
    """Exports the SavedModel, the TFLite variants and the metadata JSON of an
    image-to-image model; arguments, staging and result as
    `keras_gan.export.export`.

    Example:
    >>> # export(pix2pix_model, "exports")  # -> exports/generator/1/, ...
    """
    check_finite_weights(model.generator)
    return write_export(
        export_dir, model_name, version, overwrite, tflite,
        write_saved_model_to=lambda path: _write_saved_model_to(model, path, model_name, warmup),
        write_tflite_to=lambda path, variant: export_tflite(model, path, variant),
        metadata_of=lambda files: metadata(model, model_name, files),
        check=(lambda files: check_parity(model, files)) if check else None,
    )


def check_parity(model, files, num=8, seed=0):
    """Runs every exported form on the same images and compares with Keras.

    Inputs are uniform random images in [-1, 1] (any image is a valid input).

    Returns:
        `{form: max_abs_diff}`, plus "uint8": the largest difference between
        `translate_uint8` and the SavedModel's rounded float output for the
        same uint8 input (0 when exact; 1 where an ulp in the graph's own
        dequantization crosses a rounding half).

    Raises:
        ExportError: if a form differs by more than `keras_gan.export.TOLERANCES`.
    """
    shape = model.input_shape_for_export
    images = np.random.default_rng(seed).uniform(-1, 1, (num, *shape)).astype("float32")
    generator = float32_generator(model.generator)
    expected = np.asarray(model.translate_tensor(images, generator=generator))
    loaded = tf.saved_model.load(files["saved_model"])
    served = loaded.signatures["serving_default"](images=tf.constant(images))["images"]
    diffs = {"saved_model": float(np.abs(served.numpy() - expected).max())}
    quantized = to_uint8(images)
    uint8 = loaded.signatures["translate_uint8"](images=tf.constant(quantized))["images"]
    # Against the served float output of the same uint8 input: one graph,
    # while Keras may differ from it by an ulp that flips a rounding.
    reference = to_uint8(loaded.signatures["serving_default"](
        images=tf.constant(quantized.astype("float32") / 127.5 - 1.0))["images"].numpy())
    diffs["uint8"] = float(np.abs(uint8.numpy().astype(int) - reference.astype(int)).max())
    for key, path in files.items():
        if key.startswith("tflite_"):
            diffs[key] = float(np.abs(run_tflite(path, images) - expected).max())
    failed = failed_forms(diffs)
    if failed:
        def run(net, dtype):
            return model.translate_tensor(images.astype(dtype), generator=net)

        raise parity_error(diffs, failed, expected, generator, run)
    return diffs
