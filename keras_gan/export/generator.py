"""Exporting a noise generator (z [, labels] -> image) for TF Serving and devices.

Layout written by `export`:

    <export_dir>/<model_name>/<version>/          SavedModel (tag "serve")
        assets.extra/tf_serving_warmup_requests   PredictionLog warm-up records
    <export_dir>/<model_name>.float32.tflite      TFLite variants
    <export_dir>/<model_name>.float16.tflite
    <export_dir>/<model_name>.json                what an app needs: latent size,
                                                  label count, output range, files

SavedModel signatures:
    serving_default(z float32[batch, latent_dim] (, labels int32[batch]))
        -> {"images": float32[batch, H, W, C] in [-1, 1]}
    generate(seed int64[], count int32[] (, labels int32[count]))
        -> {"images": uint8[count, H, W, C] in [0, 255]}; z is drawn with
        stateless random ops, so the same seed gives the same images.

`serving_default` declares z as `(batch, latent_dim)` and both the
SavedModel and the TFLite model refuse a z of another width. Staging,
checking and publishing are `keras_gan.export.writer`'s.
"""

import numpy as np
import tensorflow as tf

from keras_gan.export.parity import check_finite_weights
from keras_gan.export.parity import failed_forms
from keras_gan.export.parity import float32_generator
from keras_gan.export.parity import parity_error
from keras_gan.export.saved_model import WARMUP_BATCH_SIZES
from keras_gan.export.saved_model import predict_log
from keras_gan.export.saved_model import tf_variables
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

__all__ = ["check_finite", "check_parity", "export", "export_saved_model", "export_tflite",
           "generator_of", "metadata", "run_tflite", "sample_latent"]


def sample_latent(seed, count, latent_dim):
    """The z that `GAN.generate(count, seed=seed)` and the `generate`
    signature draw: a stateless normal, identical in Keras, SavedModel and
    the generate command for seeds below 2**31 - 1."""
    # keras.random.normal(seed=int) feeds [seed, 0] as int32 after this
    # floormod; doing the same keeps every form on the same z.
    seed = tf.cast(tf.math.floormod(tf.cast(seed, tf.int64), tf.int32.max - 1), tf.int32)
    return tf.random.stateless_normal(
        (count, latent_dim), seed=tf.stack([seed, tf.constant(0, tf.int32)])
    )


class _Servable(tf.Module):
    """The generator wrapped in the two serving functions."""

    def __init__(self, generator, latent_dim, num_classes):
        super().__init__()
        self.generator = generator
        self.tf_variables = tf_variables(generator)
        # Saved so that clients of the SavedModel can read the sizes back.
        self.latent_dim_value = tf.Variable(latent_dim, trainable=False, name="latent_dim")
        self.num_classes_value = tf.Variable(
            num_classes or 0, trainable=False, name="num_classes"
        )
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        z_spec = tf.TensorSpec([None, None], tf.float32, name="z")
        label_spec = tf.TensorSpec([None], tf.int32, name="labels")
        seed_spec = tf.TensorSpec([], tf.int64, name="seed")
        count_spec = tf.TensorSpec([], tf.int32, name="count")
        if num_classes is None:
            self.serve = tf.function(self._serve_z, input_signature=[z_spec])
            self.generate = tf.function(
                self._generate_z, input_signature=[seed_spec, count_spec]
            )
        else:
            self.serve = tf.function(
                self._serve_z_labels, input_signature=[z_spec, label_spec]
            )
            self.generate = tf.function(
                self._generate_z_labels,
                input_signature=[seed_spec, count_spec, label_spec],
            )

    def _images(self, z, labels=None):
        checks = [
            tf.debugging.assert_equal(
                tf.shape(z)[1],
                self.latent_dim,
                message=f"z must have shape (batch, {self.latent_dim}): send "
                f"{self.latent_dim} floats per sample.",
            )
        ]
        if labels is not None:
            message = f"labels must lie in [0, {self.num_classes})."
            checks += [
                tf.debugging.assert_equal(
                    tf.shape(labels)[0],
                    tf.shape(z)[0],
                    message="labels must hold one class id per sample.",
                ),
                tf.debugging.assert_non_negative(labels, message=message),
                tf.debugging.assert_less(labels, self.num_classes, message=message),
            ]
        # The checks must run before the generator sees a bad input, or the
        # caller gets a shape error from deep inside the network instead.
        with tf.control_dependencies(checks):
            z = tf.identity(z)
            inputs = z if labels is None else [z, tf.identity(labels)]
        return tf.cast(self.generator(inputs, training=False), tf.float32)

    def _serve_z(self, z):
        return {"images": self._images(z)}

    def _serve_z_labels(self, z, labels):
        return {"images": self._images(z, labels)}

    def _count_z(self, seed, count):
        check = tf.debugging.assert_positive(count, message="count must be a positive int.")
        with tf.control_dependencies([check]):
            count = tf.identity(count)
        return sample_latent(seed, count, self.latent_dim)

    def _generate_z(self, seed, count):
        return {"images": uint8_images(self._images(self._count_z(seed, count)))}

    def _generate_z_labels(self, seed, count, labels):
        z = self._count_z(seed, count)
        return {"images": uint8_images(self._images(z, labels))}


def generator_of(gan):
    """The network that makes the model's samples: the EMA generator when
    the model keeps one, else the generator."""
    return getattr(gan, "sampling_generator", gan.generator)


def check_finite(gan):
    """Raises `ExportError` when the exported generator's weights hold NaN or Inf."""
    check_finite_weights(generator_of(gan))


def _warmup_requests(model_name, latent_dim, num_classes):
    """PredictionLog records for both signatures at a few batch sizes."""
    records = []
    for batch in WARMUP_BATCH_SIZES:
        z = np.random.default_rng(batch).normal(size=(batch, latent_dim)).astype("float32")
        labels = (np.arange(batch) % num_classes).astype("int32") if num_classes else None
        for signature, inputs in (
            ("serving_default", {"z": z}),
            ("generate", {"seed": np.int64(batch), "count": np.int32(batch)}),
        ):
            if labels is not None:
                inputs = {**inputs, "labels": labels}
            records.append(predict_log(model_name, signature, inputs))
    return records


def export_saved_model(
    gan, export_dir, model_name="generator", version=None, overwrite=False, warmup=True
):
    """Writes the generator as a TF Serving SavedModel; returns the version path.

    Args:
        gan: a keras_gan model.
        export_dir: str. Base directory (TF Serving's `--model_base_path`
            is `<export_dir>/<model_name>`).
        model_name: str. Defaults to "generator".
        version: int or None. Defaults to one more than the highest present.
        overwrite: bool. Replace an existing version. Defaults to False.
        warmup: bool. Write `assets.extra/tf_serving_warmup_requests`
            (needs `tensorflow-serving-api`). Defaults to True.
    """
    path = version_path(export_dir, model_name, version, overwrite)
    return _write_servable(gan, path, model_name, warmup)


def _write_servable(gan, path, model_name, warmup):
    servable = _Servable(
        float32_generator(generator_of(gan)), gan.latent_dim, gan.num_classes
    )
    signatures = {
        "serving_default": servable.serve.get_concrete_function(),
        "generate": servable.generate.get_concrete_function(),
    }
    records = _warmup_requests(model_name, gan.latent_dim, gan.num_classes) if warmup else None
    shapes = {"serving_default": {"z": (None, gan.latent_dim)}}
    return write_saved_model(servable, signatures, path, records, input_shapes=shapes)


def export_tflite(gan, path, variant="float32", overwrite=True):
    """Converts the generator to a TFLite flatbuffer; returns `path`.

    Args:
        gan: a keras_gan model.
        path: str. Output `.tflite` file.
        variant: str. "float32" (exact) or "float16" (weights stored in
            half precision, half the size; computed in float32 on CPUs).
    """
    check_variant(variant)
    check_target(path, overwrite)
    generator = float32_generator(generator_of(gan))
    specs = [tf.TensorSpec([None, gan.latent_dim], tf.float32, name="z")]
    if gan.num_classes is not None:
        specs.append(tf.TensorSpec([None], tf.int32, name="labels"))

    module = variables_module(generator)

    width = gan.latent_dim

    def images(z, labels=None):
        # TFLite's fully connected layer flattens its input to rows of
        # latent_dim floats, so a z of another width would silently become
        # another batch size. Concatenating a row of the right width makes
        # the interpreter refuse it (the converter folds reshapes and asserts
        # on the static width away, but not this).
        z = tf.concat([z, tf.zeros([1, width])], axis=0)[:-1]
        inputs = z if labels is None else [z, labels]
        return {"images": generator(inputs, training=False)}

    if gan.num_classes is None:
        serve = tf.function(lambda z: images(z), input_signature=specs)
    else:
        serve = tf.function(lambda z, labels: images(z, labels), input_signature=specs)

    return write_tflite(module, serve, path, variant)


def run_tflite(path, z, labels=None, num_threads=None):
    """Runs a `.tflite` generator on `z` (and labels) with the LiteRT interpreter."""
    runner = signature_runner(path, num_threads)
    z = np.asarray(z, "float32")
    width = input_shape(runner, "z")[-1]
    if z.ndim != 2 or z.shape[1] != width:
        raise ExportError(f"z must have shape (batch, {width}): send {width} floats per "
                          f"sample. Received: shape {z.shape}")
    inputs = {"z": z}
    if labels is not None:
        inputs["labels"] = np.asarray(labels, "int32")
    return runner(**inputs)["images"]


def metadata(gan, model_name, files):
    """What a serving client or device app needs to use the export."""
    return {
        "model_name": model_name,
        "model_class": type(gan).__name__,
        "latent_dim": int(gan.latent_dim),
        "latent_distribution": "standard normal",
        "num_classes": gan.num_classes,
        "image_shape": [int(s) for s in gan.image_shape],
        "output_range": [-1.0, 1.0],
        "uint8_mapping": "round((x + 1) * 127.5)",
        "inputs": {"z": ["batch", int(gan.latent_dim)], "labels": ["batch"]}
        if gan.num_classes
        else {"z": ["batch", int(gan.latent_dim)]},
        "outputs": {"images": ["batch", *[int(s) for s in gan.image_shape]]},
        "files": files,
    }


def export(gan, export_dir, model_name="generator", version=None, tflite=TFLITE_VARIANTS,
           overwrite=False, warmup=True, check=True):
    """Exports a noise generator's SavedModel, TFLite variants and metadata
    JSON; arguments, staging and result as `keras_gan.export.export`."""
    check_finite(gan)
    return write_export(
        export_dir, model_name, version, overwrite, tflite,
        write_saved_model_to=lambda path: _write_servable(gan, path, model_name, warmup),
        write_tflite_to=lambda path, variant: export_tflite(gan, path, variant),
        metadata_of=lambda files: metadata(gan, model_name, files),
        check=(lambda files: check_parity(gan, files)) if check else None,
    )


def check_parity(gan, files, num=8, seed=0):
    """Runs every exported form on the same z and compares with Keras.

    Args:
        gan: the keras_gan model that was exported.
        files: dict. The `files` entry of `export`'s result.
        num: int. Samples compared. Defaults to 8.
        seed: int. Seed of z. Defaults to 0.

    Returns:
        `{form: max_abs_diff}` for every form, plus "uint8" (max difference
        between the uint8 signature and the SavedModel's rounded float
        output, 0 when exact).

    Raises:
        ExportError: if a form differs by more than `keras_gan.export.TOLERANCES`.
    """
    z = sample_latent(seed, num, gan.latent_dim).numpy()
    labels = None if gan.num_classes is None else (np.arange(num) % gan.num_classes).astype("int32")
    keras_inputs = z if labels is None else [z, labels]
    network = float32_generator(generator_of(gan))
    expected = np.asarray(network(keras_inputs, training=False))
    loaded = tf.saved_model.load(files["saved_model"])
    kwargs = {"z": tf.constant(z)}
    if labels is not None:
        kwargs["labels"] = tf.constant(labels)
    served = loaded.signatures["serving_default"](**kwargs)["images"].numpy()
    diffs = {"saved_model": float(np.abs(served - expected).max())}
    seeded = {"seed": tf.constant(seed, tf.int64), "count": tf.constant(num, tf.int32)}
    if labels is not None:
        seeded["labels"] = tf.constant(labels)
    uint8 = loaded.signatures["generate"](**seeded)["images"].numpy()
    # Against the served float output: the two signatures run the same graph,
    # while Keras may differ from it by an ulp that flips a rounding.
    diffs["uint8"] = float(np.abs(uint8.astype(int) - to_uint8(served).astype(int)).max())
    for key, path in files.items():
        if key.startswith("tflite_"):
            diffs[key] = float(np.abs(run_tflite(path, z, labels) - expected).max())
    failed = failed_forms(diffs)
    if failed:
        def run(net, dtype):
            return net(z.astype(dtype) if labels is None else [z.astype(dtype), labels],
                       training=False)

        raise parity_error(diffs, failed, expected, network, run)
    return diffs
