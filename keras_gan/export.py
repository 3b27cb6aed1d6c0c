"""Exports a trained generator for TensorFlow Serving and for devices.

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

`export` writes every file into a staging directory inside `export_dir`,
checks them against the Keras model there, and only then renames them into
place (the JSON last), so a failed, interrupted or mismatching export never
leaves a half-written version, nor a SavedModel without its TFLite and JSON.
`serving_default` declares z as `(batch, latent_dim)` and both the
SavedModel and the TFLite model refuse a z of another width.
"""

import errno
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf
import keras

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

TFLITE_VARIANTS = ("float32", "float16")
WARMUP_BATCH_SIZES = (1, 8)


class ExportError(ValueError):
    """An export cannot be done as asked; the message says what to change."""


def _first_sentence(error, limit=200):
    # Keras appends the whole model config to some messages.
    text = str(error).splitlines()[0] if str(error) else ""
    text = text.split(". ")[0]
    return text if len(text) <= limit else text[:limit] + "..."


def load_gan(path):
    """Loads a keras_gan model from a `.keras` file or a train.py run directory.

    Loading uses Keras safe mode: no code from the file is executed, only
    registered keras_gan classes are built.
    """
    from keras_gan import families

    families.load_all()  # Registers every family's classes with Keras.

    if os.path.isdir(path):
        candidate = os.path.join(path, "model.keras")
        if not os.path.exists(candidate):
            raise ExportError(
                f"{path} is a directory without model.keras; pass a .keras "
                "file or a finished train.py run directory."
            )
        path = candidate
    if not os.path.exists(path):
        raise ExportError(f"{path} does not exist; pass a .keras file or a run directory.")
    try:
        model = keras.models.load_model(path, safe_mode=True)
    except Exception as e:  # Keras raises many types for foreign or broken files.
        raise ExportError(
            f"{path} could not be loaded as a keras_gan model ({type(e).__name__}: "
            f"{_first_sentence(e)}); pass a .keras file "
            "saved by keras_gan."
        ) from e
    # Image-to-image models (those with a `task`) have no latent_dim.
    if not hasattr(model, "generator") or not (
        hasattr(model, "latent_dim") or getattr(model, "task", None)
    ):
        raise ExportError(
            f"{path} holds a {type(model).__name__}, not a keras_gan GAN; pass "
            "a model saved by keras_gan."
        )
    return model


def _float32_config(config):
    """Rewrites every dtype policy in a serialized model config to float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and isinstance(
            config.get("config"), dict
        ):
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {k: _float32_config(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_float32_config(v) for v in config]
    if config in ("mixed_bfloat16", "mixed_float16", "bfloat16", "float16"):
        return "float32"
    return config


_FLOAT_NAMES = ("float32", "float16", "bfloat16", "mixed_bfloat16", "mixed_float16")


def _float64_config(config):
    """Rewrites every floating dtype of a serialized model config to float64."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and isinstance(config.get("config"), dict):
            return {**config, "config": {**config["config"], "name": "float64"}}
        return {k: _float64_config(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_float64_config(v) for v in config]
    return "float64" if config in _FLOAT_NAMES else config


def float64_copy(network):
    """A float64 copy of `network` with the same weights: the reference that
    tells rounding-sensitive models from faulty exports."""
    copy = network.__class__.from_config(_float64_config(network.get_config()))
    copy.set_weights([np.asarray(w, "float64") for w in network.get_weights()])
    return copy


def _rounded_copy(network, dtype):
    """A float32 copy of `network` whose weights are rounded to `dtype`."""
    copy = network.__class__.from_config(network.get_config())
    with np.errstate(over="ignore"):  # Overflow to Inf is what is measured.
        copy.set_weights([np.asarray(w).astype(dtype).astype(w.dtype) if w.dtype.kind == "f"
                          else w for w in network.get_weights()])
    return copy


def parity_error(diffs, failed, expected, network, run):
    """The `ExportError` for a failed parity check, saying whose fault it is.

    The model is at fault when its own outputs do not survive the arithmetic
    of the failing form: when computing it in float64 instead of float32
    moves them by more than the float32 tolerance (weights blown up by too
    high a learning rate, say), or, for the float16 form, when rounding its
    weights to float16 alone moves them by more than that form's tolerance.
    Otherwise the exporter is at fault.

    Args:
        expected: array. The Keras model's float32 outputs.
        network: the exported float32 keras.Model.
        run: function(network, dtype) -> outputs of `network` for the checked
            inputs cast to `dtype`.
    """
    found = ", ".join(f"{k} max abs diff {diffs[k]:.3g}" for k in failed)
    largest = max((float(np.abs(w).max()) for w in network.get_weights() if w.size), default=0.0)

    def drift(make, dtype):
        try:
            outputs = np.asarray(run(make(), dtype), "float64")
        except Exception:  # A layer without float64 kernels: no verdict.
            return None
        return float(np.nan_to_num(np.abs(outputs - np.asarray(expected, "float64")), nan=np.inf).max())

    def amount(d):
        return f"by {d:.3g}" if np.isfinite(d) else "to NaN or Inf"

    reasons, verdicts = [], []
    if any(k != "tflite_float16" for k in failed):
        d = drift(lambda: float64_copy(network), "float64")
        verdicts.append(d)
        if d is not None and d > TOLERANCES["saved_model"]:
            reasons.append(f"its outputs change {amount(d)} between float32 and float64 arithmetic")
    if "tflite_float16" in failed:
        d = drift(lambda: _rounded_copy(network, "float16"), "float32")
        verdicts.append(d)
        if d is not None and d > TOLERANCES["tflite_float16"]:
            reasons.append(f"rounding its weights to float16 alone changes its outputs {amount(d)}")
    if reasons:
        return ExportError(
            f"The export does not match the Keras model ({found}) because the model itself "
            f"is numerically unstable: {' and '.join(reasons)} (largest weight {largest:.3g}); "
            "retrain with lower learning rates or export an earlier checkpoint.")
    if None in verdicts:
        return ExportError(
            f"The export does not match the Keras model ({found}); the model could not be "
            "recomputed in float64 to tell whether it or the exporter is at fault; please "
            "report this with the model file.")
    return ExportError(
        f"The export does not match the Keras model ({found}), although the model is "
        "numerically stable (it gives the same outputs in float64 and with float16 weights): "
        "the exporter is at fault; please report this with the model file.")


def float32_generator(generator):
    """Returns `generator` itself if it computes in float32, else a float32
    copy with the same weights (for generators trained under mixed precision)."""
    if all(layer.dtype_policy.compute_dtype == "float32" for layer in generator.layers):
        return generator
    config = _float32_config(generator.get_config())
    copy = generator.__class__.from_config(config)
    copy.set_weights([np.asarray(w, "float32") for w in generator.get_weights()])
    return copy


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


def _tf_variables(model):
    """The tf.Variables behind a Keras 3 model's variables.

    Keras 3 variables are not tf.Module trackables; a module that should save
    (or freeze into TFLite) the weights must hold the tf.Variables itself.
    """
    return [getattr(v, "value", v) for v in model.variables]


class _Servable(tf.Module):
    """The generator wrapped in the two serving functions."""

    def __init__(self, generator, latent_dim, num_classes):
        super().__init__()
        self.generator = generator
        self.tf_variables = _tf_variables(generator)
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

    @staticmethod
    def _to_uint8(images):
        return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0, 255), tf.uint8)

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
        return {"images": self._to_uint8(self._images(self._count_z(seed, count)))}

    def _generate_z_labels(self, seed, count, labels):
        z = self._count_z(seed, count)
        return {"images": self._to_uint8(self._images(z, labels))}


def _generator_of(gan):
    """The network that makes the model's samples: the EMA generator when
    the model keeps one, else the generator."""
    return getattr(gan, "sampling_generator", gan.generator)


def _check_finite(gan):
    for variable in _generator_of(gan).weights:
        if not np.isfinite(np.asarray(variable.numpy(), "float32")).all():
            raise ExportError(
                f"The generator's weights hold NaN or Inf ({variable.path}); export a "
                "model from an earlier checkpoint instead."
            )


def _check_target(path, overwrite):
    if os.path.exists(path) and not overwrite:
        raise ExportError(
            f"{path} exists already; pick another version or pass overwrite=True "
            "(--overwrite)."
        )


def _replace(tmp, path):
    """Moves a finished temporary file or directory into place."""
    if os.path.isdir(path):
        old = path + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(path, old)
        os.rename(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def _warmup_requests(model_name, latent_dim, num_classes):
    """PredictionLog records for both signatures at a few batch sizes."""
    from tensorflow_serving.apis import model_pb2
    from tensorflow_serving.apis import predict_pb2
    from tensorflow_serving.apis import prediction_log_pb2

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
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature)
            )
            for key, value in inputs.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            records.append(
                prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(request=request)
                )
            )
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
        float32_generator(_generator_of(gan)), gan.latent_dim, gan.num_classes
    )
    signatures = {
        "serving_default": servable.serve.get_concrete_function(),
        "generate": servable.generate.get_concrete_function(),
    }
    records = _warmup_requests(model_name, gan.latent_dim, gan.num_classes) if warmup else None
    shapes = {"serving_default": {"z": (None, gan.latent_dim)}}
    return write_saved_model(servable, signatures, path, records, input_shapes=shapes)


def version_path(export_dir, model_name, version, overwrite, create=True):
    """The directory of SavedModel `version` under `<export_dir>/<model_name>`
    (the next free version when None), checked not to exist unless
    `overwrite`; `create` makes `<export_dir>/<model_name>`."""
    base = os.path.join(export_dir, model_name)
    if create:
        os.makedirs(base, exist_ok=True)
    if version is None:
        present = [int(d) for d in os.listdir(base) if d.isdigit()] if os.path.isdir(base) else []
        version = max(present, default=0) + 1
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExportError(f"version must be a positive int. Received: version={version!r}")
    path = os.path.join(base, str(version))
    _check_target(path, overwrite)
    return path


def declare_input_shapes(directory, shapes):
    """Writes `shapes` ({signature: {input: shape}}, None for any size) into
    the SignatureDefs of the SavedModel in `directory`.

    The serving functions take z of any width so that a wrong one reaches
    their own check (with a static width, graph optimisation folds the check
    away and the first layer fails with a shape error of its own); the
    SignatureDef, which is what TF Serving clients and `saved_model_cli show`
    read, states the width the model needs.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    pb = os.path.join(directory, "saved_model.pb")
    saved = saved_model_pb2.SavedModel()
    with open(pb, "rb") as f:
        saved.ParseFromString(f.read())
    for graph in saved.meta_graphs:
        for signature, inputs in shapes.items():
            if signature not in graph.signature_def:
                continue
            for name, shape in inputs.items():
                tensor_shape = graph.signature_def[signature].inputs[name].tensor_shape
                tensor_shape.Clear()
                for size in shape:
                    tensor_shape.dim.add(size=-1 if size is None else int(size))
    with open(pb, "wb") as f:
        f.write(saved.SerializeToString())


def write_saved_model(module, signatures, path, warmup_records=None, input_shapes=None):
    """Saves `module` with `signatures` to `path` through a temporary
    directory renamed into place, with TF Serving warm-up records when
    given and `input_shapes` (see `declare_input_shapes`); returns `path`."""
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=os.path.dirname(path))
    try:
        # A fresh directory is made by save(); mkdtemp only reserved the name.
        os.rmdir(tmp)
        tf.saved_model.save(module, tmp, signatures=signatures)
        if input_shapes:
            declare_input_shapes(tmp, input_shapes)
        if warmup_records is not None:
            extra = os.path.join(tmp, "assets.extra")
            os.makedirs(extra, exist_ok=True)
            with tf.io.TFRecordWriter(
                os.path.join(extra, "tf_serving_warmup_requests")
            ) as writer:
                for record in warmup_records:
                    writer.write(record.SerializeToString())
        _replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def export_tflite(gan, path, variant="float32", overwrite=True):
    """Converts the generator to a TFLite flatbuffer; returns `path`.

    Args:
        gan: a keras_gan model.
        path: str. Output `.tflite` file.
        variant: str. "float32" (exact) or "float16" (weights stored in
            half precision, half the size; computed in float32 on CPUs).
    """
    if variant not in TFLITE_VARIANTS:
        raise ExportError(
            f"variant must be one of {TFLITE_VARIANTS}. Received: variant={variant!r}"
        )
    _check_target(path, overwrite)
    generator = float32_generator(_generator_of(gan))
    specs = [tf.TensorSpec([None, gan.latent_dim], tf.float32, name="z")]
    if gan.num_classes is not None:
        specs.append(tf.TensorSpec([None], tf.int32, name="labels"))

    module = tf.Module()
    module.tf_variables = _tf_variables(generator)

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


def run_tflite(path, z, labels=None, num_threads=None):
    """Runs a `.tflite` generator on `z` (and labels) with the LiteRT interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path, num_threads=num_threads)
    runner = interpreter.get_signature_runner()
    z = np.asarray(z, "float32")
    width = int(runner.get_input_details()["z"]["shape_signature"][-1])
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


def export(
    model,
    export_dir,
    model_name="generator",
    version=None,
    tflite=TFLITE_VARIANTS,
    overwrite=False,
    warmup=True,
    check=True,
):
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
    gan = load_gan(model) if isinstance(model, (str, os.PathLike)) else model
    if getattr(gan, "task", None):
        from keras_gan import image_export

        return image_export.export(gan, export_dir, model_name, version, tflite, overwrite,
                                   warmup, check)
    _check_finite(gan)
    return write_export(
        export_dir, model_name, version, overwrite, tflite,
        write_saved_model_to=lambda path: _write_servable(gan, path, model_name, warmup),
        write_tflite_to=lambda path, variant: export_tflite(gan, path, variant),
        metadata_of=lambda files: metadata(gan, model_name, files),
        check=(lambda files: check_parity(gan, files)) if check else None,
    )


def check_model_name(model_name):
    if not isinstance(model_name, str) or not model_name or "/" in model_name:
        raise ExportError(
            f"model_name must be a non-empty name without '/'. Received: model_name={model_name!r}"
        )


def _file_system_error(e, export_dir):
    """One sentence for a failed write of the export, or None when `e` is
    not a file-system failure."""
    code = getattr(e, "errno", None)
    text = getattr(e, "strerror", None) or (str(e).strip().splitlines() or [""])[-1]
    if code in (errno.ENOSPC, errno.EDQUOT) or isinstance(e, tf.errors.ResourceExhaustedError) \
            or "No space left" in str(e):
        return (f"No space left on the disk of {export_dir} for the export ({text[:200]}); "
                "nothing was written: free some space and export again.")
    if code in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOTDIR, errno.EEXIST) \
            or isinstance(e, tf.errors.PermissionDeniedError) \
            or "Read-only file system" in str(e) or "Permission denied" in str(e):
        return (f"Cannot write the export to {export_dir} ({text[:200]}); pick a directory "
                "you can write to.")
    return None


def write_export(export_dir, model_name, version, overwrite, tflite, write_saved_model_to,
                 write_tflite_to, metadata_of, check=None):
    """Stages, checks and publishes an export (shared by every family).

    Args:
        write_saved_model_to: function(path) writing the SavedModel at path.
        write_tflite_to: function(path, variant) writing one TFLite file.
        metadata_of: function(files) -> the metadata dict for final paths.
        check: None or function(files) -> parity dict, raising ExportError.

    Returns:
        The metadata dict, with `parity` when checked.
    """
    check_model_name(model_name)
    for variant in tflite:
        if variant not in TFLITE_VARIANTS:
            raise ExportError(
                f"variant must be one of {TFLITE_VARIANTS}. Received: variant={variant!r}")
    created = None
    staging = None
    try:
        if not os.path.isdir(export_dir):
            created = export_dir
            while os.path.dirname(os.path.abspath(created)) and not os.path.exists(
                    os.path.dirname(os.path.abspath(created))):
                created = os.path.dirname(os.path.abspath(created))
            os.makedirs(export_dir)
        final = {"saved_model": version_path(export_dir, model_name, version, overwrite,
                                             create=False)}
        for variant in tflite:
            final[f"tflite_{variant}"] = os.path.join(export_dir, f"{model_name}.{variant}.tflite")
            _check_target(final[f"tflite_{variant}"], True)
        json_path = os.path.join(export_dir, f"{model_name}.json")
        staging = tempfile.mkdtemp(prefix=f".{model_name}.staging-", dir=export_dir)
        staged = {"saved_model": write_saved_model_to(os.path.join(staging, "saved_model"))}
        for variant in tflite:
            key = f"tflite_{variant}"
            staged[key] = write_tflite_to(os.path.join(staging, os.path.basename(final[key])),
                                          variant)
        parity = None
        if check is not None:
            try:
                parity = check(staged)
            except ExportError as e:
                raise ExportError(f"{e} Nothing was written to {export_dir}.") from e
        info = metadata_of(final)
        if parity is not None:
            info["parity"] = parity
        write_json(info, os.path.join(staging, "metadata.json"))
        # Publish: renames only (no new space needed), the JSON last, so a
        # JSON in export_dir means a complete, checked export.
        os.makedirs(os.path.dirname(final["saved_model"]), exist_ok=True)
        for key, path in final.items():
            if key != "saved_model":
                os.replace(staged[key], path)
        _replace(staged["saved_model"], final["saved_model"])
        os.replace(os.path.join(staging, "metadata.json"), json_path)
        return info
    except (OSError, tf.errors.OpError) as e:
        sentence = _file_system_error(e, export_dir)
        if sentence is None:
            raise
        raise ExportError(sentence) from e
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if created is not None and os.path.isdir(created) and not _has_files(created):
            shutil.rmtree(created, ignore_errors=True)


def _has_files(directory):
    return any(files for _, _, files in os.walk(directory))


def write_json(info, path):
    """Writes `info` as JSON to `path` through a renamed temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=".json-", dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as f:
        json.dump(info, f, indent=2)
    os.replace(tmp, path)


# Agreement an export must reach with the Keras model for the same z.
TOLERANCES = {"saved_model": 1e-4, "tflite_float32": 1e-4, "tflite_float16": 1e-2}


def check_parity(gan, files, num=8, seed=0):
    """Runs every exported form on the same z and compares with Keras.

    Args:
        gan: the keras_gan model that was exported.
        files: dict. The `files` entry of `export`'s result.
        num: int. Samples compared. Defaults to 8.
        seed: int. Seed of z. Defaults to 0.

    Returns:
        `{form: max_abs_diff}` for every form, plus "uint8" (max difference
        between the uint8 signature and the rounded float output, 0 when
        exact).

    Raises:
        ExportError: if a form differs by more than `TOLERANCES`.
    """
    if getattr(gan, "task", None):
        from keras_gan import image_export

        return image_export.check_parity(gan, files, num, seed)
    z = sample_latent(seed, num, gan.latent_dim).numpy()
    labels = None if gan.num_classes is None else (np.arange(num) % gan.num_classes).astype("int32")
    keras_inputs = z if labels is None else [z, labels]
    network = float32_generator(_generator_of(gan))
    expected = np.asarray(network(keras_inputs, training=False))
    loaded = tf.saved_model.load(files["saved_model"])
    kwargs = {"z": tf.constant(z)}
    if labels is not None:
        kwargs["labels"] = tf.constant(labels)
    diffs = {
        "saved_model": float(
            np.abs(loaded.signatures["serving_default"](**kwargs)["images"].numpy() - expected).max()
        )
    }
    seeded = {"seed": tf.constant(seed, tf.int64), "count": tf.constant(num, tf.int32)}
    if labels is not None:
        seeded["labels"] = tf.constant(labels)
    uint8 = loaded.signatures["generate"](**seeded)["images"].numpy()
    from keras_gan.images import to_uint8

    diffs["uint8"] = float(np.abs(uint8.astype(int) - to_uint8(expected).astype(int)).max())
    for key, path in files.items():
        if key.startswith("tflite_"):
            diffs[key] = float(np.abs(run_tflite(path, z, labels) - expected).max())
    failed = [k for k, v in diffs.items() if not v <= TOLERANCES.get(k, 1.0)]
    if failed:
        def run(net, dtype):
            return net(z.astype(dtype) if labels is None else [z.astype(dtype), labels],
                       training=False)

        raise parity_error(diffs, failed, expected, network, run)
    return diffs
