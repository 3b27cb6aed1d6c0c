"""Writing and running TFLite flatbuffers (for phones and other devices)."""

import os
import shutil
import tempfile

import tensorflow as tf

from quiet_tensorflow import dropping_stderr_lines

__all__ = ["signature_runner", "write_tflite"]


def write_tflite(module, serve, path, variant):
    """Converts `serve` (a tf.function of `module`, which holds the
    tf.Variables) to a TFLite flatbuffer of `variant` and writes it to `path`
    atomically; returns `path`."""
    # Converting from a SavedModel freezes the variables into the flatbuffer
    # (from_concrete_functions left them as uninitialised resources).
    staging = tempfile.mkdtemp(prefix="keras_gan_tflite_")
    try:
        tf.saved_model.save(module, staging, signatures={"serving_default": serve})
        converter = tf.lite.TFLiteConverter.from_saved_model(staging)
        if variant == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        flatbuffer = converter.convert()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tflite-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(flatbuffer)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def signature_runner(path, num_threads=None):
    """The LiteRT runner of the `serving_default` signature of a `.tflite` file."""
    from ai_edge_litert.interpreter import Interpreter

    return _QuietRunner(Interpreter(model_path=path, num_threads=num_threads).get_signature_runner())


class _QuietRunner:
    """A signature runner whose first call (where LiteRT applies its XNNPACK
    delegate) drops LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate"
    line from stderr, which no LiteRT setting turns off; the tools print only
    their own lines (KERAS_GAN_TF_LOGS=1 keeps it)."""

    def __init__(self, runner):
        self._runner = runner
        self._first = True

    def __getattr__(self, name):
        return getattr(self._runner, name)

    def __call__(self, **inputs):
        if not self._first:
            return self._runner(**inputs)
        with dropping_stderr_lines([r"Created TensorFlow Lite XNNPACK delegate"]):
            outputs = self._runner(**inputs)
        self._first = False  # Only after a call that ran (and so made the delegate).
        return outputs


def input_shape(runner, name):
    """The declared shape of input `name` of `runner` (-1 for any size)."""
    return tuple(int(s) for s in runner.get_input_details()[name]["shape_signature"])
