"""Exports a StyleGAN generator (its EMA copy) for TF Serving and devices,
with the truncation psi as a serving input.

Layout (as for every generator, through `keras_gan.export`'s writers):

    <export_dir>/<model_name>/<version>/          SavedModel (tag "serve")
    <export_dir>/<model_name>.float32.tflite      TFLite variants
    <export_dir>/<model_name>.float16.tflite
    <export_dir>/<model_name>.json                sizes, ranges, inputs, files

SavedModel signatures:
    serving_default(z float32[batch, latent_dim], truncation_psi float32[]
                    (, labels int32[batch]))
        -> {"images": float32[batch, H, W, C] in [-1, 1]}
    generate(seed int64[], count int32[], truncation_psi float32[] (, labels int32[count]))
        -> {"images": uint8[count, H, W, C]}; z drawn as `StyleGAN.generate`
        draws it for that seed.

The TFLite files hold `serving_default`. `truncation_cutoff` is fixed at
export time (None: every layer). The noise maps are the fixed ones of
inference, so an export is deterministic.
"""

import os

import numpy as np
import tensorflow as tf

from keras_gan.export import TFLITE_VARIANTS
from keras_gan.export import TOLERANCES
from keras_gan.export import ExportError
from keras_gan.export import check_finite
from keras_gan.export import tf_variables
from keras_gan.export import uint8_images
from keras_gan.export import metadata
from keras_gan.export import sample_latent
from keras_gan.export import version_path
from keras_gan.export import write_json
from keras_gan.export import write_saved_model
from keras_gan.export import write_tflite
from keras_gan.images import to_uint8

__all__ = ["export", "check_parity", "run_tflite"]


class _StyleServable(tf.Module):
    """The EMA generator wrapped in the serving functions."""

    def __init__(self, model, truncation_cutoff):
        super().__init__()
        self.generator = model.sampling_generator
        self.tf_variables = tf_variables(self.generator)
        self.latent_dim = model.latent_dim
        self.num_classes = model.num_classes
        self.truncation_cutoff = truncation_cutoff
        z = tf.TensorSpec([None, model.latent_dim], tf.float32, name="z")
        psi = tf.TensorSpec([], tf.float32, name="truncation_psi")
        labels = tf.TensorSpec([None], tf.int32, name="labels")
        seed = tf.TensorSpec([], tf.int64, name="seed")
        count = tf.TensorSpec([], tf.int32, name="count")
        if self.num_classes is None:
            self.serve = tf.function(lambda z, truncation_psi: {"images": self._images(z, truncation_psi)},
                                     input_signature=[z, psi])
            self.generate = tf.function(
                lambda seed, count, truncation_psi: {"images": uint8_images(
                    self._images(sample_latent(seed, count, self.latent_dim), truncation_psi))},
                input_signature=[seed, count, psi])
        else:
            self.serve = tf.function(
                lambda z, truncation_psi, labels: {"images": self._images(z, truncation_psi, labels)},
                input_signature=[z, psi, labels])
            self.generate = tf.function(
                lambda seed, count, truncation_psi, labels: {"images": uint8_images(self._images(
                    sample_latent(seed, count, self.latent_dim), truncation_psi, labels))},
                input_signature=[seed, count, psi, labels])

    def _images(self, z, psi, labels=None):
        inputs = z if labels is None else [z, labels]
        images = self.generator(inputs, training=False, truncation_psi=psi,
                                truncation_cutoff=self.truncation_cutoff)
        return tf.cast(images, tf.float32)


def export(model, export_dir, model_name="stylegan", version=None, tflite=TFLITE_VARIANTS,
           truncation_cutoff=None, overwrite=False):
    """Writes the SavedModel, the TFLite variants and the metadata JSON.

    Args:
        model: a trained `StyleGAN`.
        export_dir: str. Output directory.
        model_name: str. Defaults to "stylegan".
        version: int or None. SavedModel version; the next free one when None.
        tflite: tuple of str. TFLite variants ("float32", "float16").
        truncation_cutoff: int or None. Layers the serving psi applies to.
        overwrite: bool. Replace an existing version.

    Returns:
        The metadata dict (also in `<export_dir>/<model_name>.json`); its
        `files` entry lists every path written.

    Example:
    >>> # info = export(gan, "exports"); check_parity(gan, info["files"])
    """
    check_finite(model)
    for variant in tflite:
        if variant not in TFLITE_VARIANTS:
            raise ExportError(f"tflite variants must be among {TFLITE_VARIANTS}. "
                              f"Received: tflite={tuple(tflite)!r}")
    model._check_truncation(1.0, truncation_cutoff)
    servable = _StyleServable(model, truncation_cutoff)
    path = version_path(export_dir, model_name, version, overwrite)
    files = {"saved_model": write_saved_model(servable, {
        "serving_default": servable.serve.get_concrete_function(),
        "generate": servable.generate.get_concrete_function(),
    }, path)}
    for variant in tflite:
        files[f"tflite_{variant}"] = write_tflite(
            servable, servable.serve.get_concrete_function(),
            os.path.join(export_dir, f"{model_name}.{variant}.tflite"), variant)
    info = metadata(model, model_name, files)
    info["inputs"]["truncation_psi"] = []
    info["truncation_cutoff"] = truncation_cutoff
    info["num_ws"] = int(model.num_ws)
    write_json(info, os.path.join(export_dir, f"{model_name}.json"))
    return info


def run_tflite(path, z, truncation_psi=1.0, labels=None):
    """Runs a StyleGAN `.tflite` file on `z` with the LiteRT interpreter."""
    from keras_gan.export.tflite import signature_runner

    runner = signature_runner(path)
    inputs = {"z": np.asarray(z, "float32"),
              "truncation_psi": np.asarray(truncation_psi, "float32")}
    if labels is not None:
        inputs["labels"] = np.asarray(labels, "int32")
    return runner(**inputs)["images"]


def check_parity(model, files, num=8, seed=0, psis=(1.0, 0.5), truncation_cutoff=None):
    """Runs every exported form on the same z and psi and compares with Keras.

    Returns:
        `{f"{form}@psi": max_abs_diff}` for every form and psi, and
        `uint8@psi` for the seeded uint8 signature against the rounded
        Keras images.

    Raises:
        ExportError: when a form differs by more than
            `keras_gan.export.TOLERANCES`.
    """
    z = sample_latent(seed, num, model.latent_dim).numpy()
    labels = None if model.num_classes is None else (np.arange(num) % model.num_classes).astype("int32")
    loaded = tf.saved_model.load(files["saved_model"])
    diffs, limits = {}, {}
    for psi in psis:
        expected = model.generate_from(z, labels, truncation_psi=psi,
                                       truncation_cutoff=truncation_cutoff)
        kwargs = {"z": tf.constant(z), "truncation_psi": tf.constant(psi, tf.float32)}
        seeded = {"seed": tf.constant(seed, tf.int64), "count": tf.constant(num, tf.int32),
                  "truncation_psi": tf.constant(psi, tf.float32)}
        if labels is not None:
            kwargs["labels"] = seeded["labels"] = tf.constant(labels)
        served = loaded.signatures["serving_default"](**kwargs)["images"].numpy()
        diffs[f"saved_model@{psi}"] = float(np.abs(served - expected).max())
        limits[f"saved_model@{psi}"] = TOLERANCES["saved_model"]
        uint8 = loaded.signatures["generate"](**seeded)["images"].numpy()
        diffs[f"uint8@{psi}"] = float(np.abs(uint8.astype(int) - to_uint8(expected).astype(int)).max())
        limits[f"uint8@{psi}"] = 1.0
        for key, path in files.items():
            if key.startswith("tflite_"):
                diffs[f"{key}@{psi}"] = float(np.abs(run_tflite(path, z, psi, labels) - expected).max())
                limits[f"{key}@{psi}"] = TOLERANCES[key]
    failed = [k for k, v in diffs.items() if not v <= limits[k]]
    if failed:
        raise ExportError("The export does not match the Keras model: "
                          + ", ".join(f"{k} max abs diff {diffs[k]:.3g}" for k in failed)
                          + "; please report this with the model file.")
    return diffs
