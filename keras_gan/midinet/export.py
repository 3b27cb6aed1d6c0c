"""MidiNet's generator for serving: SavedModel and TFLite, checked.

    <export_dir>/midinet/<version>/     SavedModel, signature serving_default:
        (z float32[b, latent_dim], chord float32[b, 13],
         previous float32[b, 16, rows]) -> {"bar": float32[b, 16, rows]}
    <export_dir>/midinet.float32.tflite, midinet.float16.tflite  same signature
    <export_dir>/midinet.json           sizes, pitch range, files, parity

A melody is made by calling the signature once per bar and feeding its
binarized output back as `previous` (see `MidiNet.generate_melodies`).
The writers are `keras_gan.export`'s (atomic, versioned).
"""

import os

import numpy as np
import tensorflow as tf

from keras_gan import export as export_lib
from keras_gan.midinet import data as data_lib
from keras_gan.midinet.networks import CHORD_DIM, STEPS

__all__ = ["export", "check_parity", "run_tflite", "TOLERANCES"]

TOLERANCES = {"saved_model": 1e-5, "tflite_float32": 1e-4, "tflite_float16": 5e-2}


def _module(model):
    generator = export_lib.float32_generator(export_lib.generator_of(model))
    module = export_lib.variables_module(generator)
    specs = [
        tf.TensorSpec([None, model.latent_dim], tf.float32, name="z"),
        tf.TensorSpec([None, CHORD_DIM], tf.float32, name="chord"),
        tf.TensorSpec([None, STEPS, model.rows], tf.float32, name="previous"),
    ]

    @tf.function(input_signature=specs)
    def serve(z, chord, previous):
        return {"bar": tf.cast(generator([z, chord, previous], training=False), tf.float32)}

    module.serve = serve
    return module, serve


def export(model, export_dir, model_name="midinet", version=None, tflite=("float32", "float16"),
           overwrite=False):
    """Writes the SavedModel, the TFLite variants and `<model_name>.json`,
    checks every form against Keras and returns the metadata dict (with
    `files` and `parity`)."""
    export_lib.check_finite(model)
    module, serve = _module(model)
    path = export_lib.version_path(export_dir, model_name, version, overwrite)
    files = {"saved_model": export_lib.write_saved_model(
        module, {"serving_default": serve.get_concrete_function()}, path)}
    for variant in tflite:
        files[f"tflite_{variant}"] = export_lib.write_tflite(
            module, serve, os.path.join(export_dir, f"{model_name}.{variant}.tflite"), variant)
    info = {
        "model_name": model_name,
        "model_class": type(model).__name__,
        "latent_dim": int(model.latent_dim),
        "latent_distribution": "standard normal",
        "inputs": {"z": ["batch", int(model.latent_dim)], "chord": ["batch", CHORD_DIM],
                   "previous": ["batch", STEPS, int(model.rows)]},
        "outputs": {"bar": ["batch", STEPS, int(model.rows)]},
        "chord": "one-hot root pitch class (C=0) in 0..11, 1.0 at index 12 for minor",
        "rows": f"MIDI pitch {data_lib.LOWEST} + row; the last row ({model.rows - 1}) is silence",
        "steps": "sixteenth notes of a 4/4 bar",
        "files": files,
    }
    info["parity"] = check_parity(model, files)
    export_lib.write_json(info, os.path.join(export_dir, f"{model_name}.json"))
    return info


def run_tflite(path, z, chord, previous):
    """Runs a MidiNet `.tflite` file with the LiteRT interpreter.

    (`keras_gan.export.run_tflite` feeds the image generators' z/labels
    signature; this one feeds (z, chord, previous).)
    """
    from keras_gan.export.tflite import signature_runner

    runner = signature_runner(path)
    return runner(z=np.asarray(z, "float32"), chord=np.asarray(chord, "float32"),
                  previous=np.asarray(previous, "float32"))["bar"]


def check_parity(model, files, num=8, seed=0):
    """Max absolute difference of each exported form from Keras on the same
    z, chords and previous bars; raises `ExportError` beyond `TOLERANCES`."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(num, model.latent_dim)).astype("float32")
    chord = data_lib.chord_vector(np.stack([rng.integers(0, 12, num), rng.integers(0, 2, num)], 1))
    previous = np.eye(model.rows, dtype="float32")[rng.integers(0, model.rows, (num, STEPS))]
    generator = export_lib.float32_generator(export_lib.generator_of(model))
    expected = np.asarray(generator([z, chord, previous], training=False))
    loaded = tf.saved_model.load(files["saved_model"])
    out = loaded.signatures["serving_default"](
        z=tf.constant(z), chord=tf.constant(chord), previous=tf.constant(previous))["bar"]
    diffs = {"saved_model": float(np.abs(out.numpy() - expected).max())}
    for key, path in files.items():
        if key.startswith("tflite_"):
            diffs[key] = float(np.abs(run_tflite(path, z, chord, previous) - expected).max())
    failed = [k for k, v in diffs.items() if v > TOLERANCES.get(k, 1e-4)]
    if failed:
        raise export_lib.ExportError(
            "The export does not match the Keras model: "
            + ", ".join(f"{k} max abs diff {diffs[k]:.3g}" for k in failed)
            + "; please report this with the model file."
        )
    return diffs
