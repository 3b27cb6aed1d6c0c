"""Serving a text-to-image model: strings in, uint8 images out.

Layout written by `export`:

    <export_dir>/<model_name>/<version>/          SavedModel (tag "serve")
        assets.extra/tf_serving_warmup_requests   PredictionLog warm-up records
    <export_dir>/<model_name>.float32.tflite      token ids + z -> images
    <export_dir>/<model_name>.float16.tflite
    <export_dir>/<model_name>.vocabulary.txt      one token per line (line i = id i)
    <export_dir>/<model_name>.json                sizes, tokenization rules, files

SavedModel signatures:
    serving_default(text string[batch]) -> {"images": uint8[batch, H, W, 3]}
        (seed 0)
    generate(text string[batch], seed int64[]) -> {"images": uint8[...]}
        z is drawn with stateless random ops from the seed, so the same
        seed and text give the same images as `model.generate(..., seed=)`.

TFLite (`serving_default`): `token_ids int32[batch, sequence_length]`,
`z float32[batch, latent_dim]` -> `images float32[batch, H, W, 3]` in
[-1, 1]. An app tokenizes as `text_encoder.tokenize_like_keras` does (the
rules are in the JSON). With a user text encoder that has no token-id half,
the TFLite model takes `embedding float32[batch, dim]` instead.
"""

import os

import numpy as np
import tensorflow as tf

from keras_gan import export as export_lib
from keras_gan.images import to_uint8
from keras_gan.text2image import text_encoder as text_lib

__all__ = ["export", "check_parity", "TOLERANCES"]

TOLERANCES = {"saved_model_uint8": 1.0, "tflite_float32": 1e-4, "tflite_float16": 5e-2,
              "tokenizer": 0.0}
_WARMUP_TEXT = "a large blue bag in the center"


class _TextServable(tf.Module):
    """The text encoder and generator(s) behind the two string signatures."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.tf_variables = export_lib.tf_variables(model)
        self.latent_dim = int(model.latent_dim)
        # Resolved once, eagerly: an EMA copy is filled here, not in the graph.
        self._generator = export_lib.float32_generator(model.sampling_generator)
        text = tf.TensorSpec([None], tf.string, name="text")
        seed = tf.TensorSpec([], tf.int64, name="seed")
        self.generate = tf.function(self._generate, input_signature=[text, seed])
        self.serve = tf.function(self._serve, input_signature=[text])

    def _generate(self, text, seed):
        count = tf.shape(text)[0]
        z = export_lib.sample_latent(seed, count, self.latent_dim)
        embeddings = self.model.text_encoder(text, training=False)
        images = self.model.images_from(z, embeddings, generator=self._generator)
        return {"images": export_lib.uint8_images(tf.cast(images, tf.float32))}

    def _serve(self, text):
        return self._generate(text, tf.constant(0, tf.int64))


def _warmup_requests(model_name):
    records = []
    for batch in export_lib.WARMUP_BATCH_SIZES:
        text = np.array([_WARMUP_TEXT] * batch, dtype=object)
        for signature, inputs in (("serving_default", {"text": text}),
                                  ("generate", {"text": text, "seed": np.int64(batch)})):
            records.append(export_lib.predict_log(model_name, signature, inputs))
    return records


def _tflite(model, path, variant):
    tokens = text_lib.token_encoder_of(model.text_encoder)
    generator = export_lib.float32_generator(model.sampling_generator)
    module = export_lib.variables_module(model)
    z_spec = tf.TensorSpec([None, model.latent_dim], tf.float32, name="z")
    if tokens is not None:
        length = int(tokens.inputs[0].shape[-1])
        spec = tf.TensorSpec([None, length], tf.int32, name="token_ids")
    else:
        spec = tf.TensorSpec([None, model.embedding_dim], tf.float32, name="embedding")

    @tf.function(input_signature=[spec, z_spec])
    def serve(condition, z):
        embeddings = tokens(condition, training=False) if tokens is not None else condition
        return {"images": model.images_from(z, embeddings, generator=generator)}

    return export_lib.write_tflite(module, serve, path, variant)


def export(model, export_dir, model_name="text2image", version=None,
           tflite=export_lib.TFLITE_VARIANTS, overwrite=False, warmup=True):
    """Writes the string-serving SavedModel, the TFLite variants, the
    vocabulary and the metadata JSON; returns the metadata.

    Args:
        model: a `TextToImageGAN` / `StackGAN`, a `.keras` path or a run folder.
        export_dir: str. Output directory.
        model_name: str. Name under which TF Serving serves it.
        version: int or None. SavedModel version; defaults to the next free one.
        tflite: tuple of str. TFLite variants ("float32", "float16").
        overwrite: bool. Replace an existing version.
        warmup: bool. Write TF Serving warm-up requests.

    Example:
    >>> # info = export(gan, "exports"); check_parity(gan, info["files"])
    """
    if isinstance(model, (str, os.PathLike)):
        model = export_lib.load_gan(model)
    if not getattr(model, "needs_captions", False):
        raise export_lib.ExportError(
            f"{type(model).__name__} is not a text-to-image model; use keras_gan.export.export.")
    if not isinstance(model_name, str) or not model_name or "/" in model_name:
        raise export_lib.ExportError(
            f"model_name must be a non-empty name without '/'. Received: model_name={model_name!r}")
    for variable in model.variables:
        if "float" in str(variable.dtype) and not np.isfinite(variable.numpy()).all():
            raise export_lib.ExportError(
                f"The model's weights hold NaN or Inf ({variable.path}); export an earlier checkpoint.")
    path = export_lib.version_path(export_dir, model_name, version, overwrite)
    servable = _TextServable(model)
    signatures = {"serving_default": servable.serve.get_concrete_function(),
                  "generate": servable.generate.get_concrete_function()}
    files = {"saved_model": export_lib.write_saved_model(
        servable, signatures, path, _warmup_requests(model_name) if warmup else None)}
    for variant in tflite:
        files[f"tflite_{variant}"] = _tflite(
            model, os.path.join(export_dir, f"{model_name}.{variant}.tflite"), variant)
    tokenizer = text_lib.tokenizer_of(model.text_encoder)
    info = {
        "model_name": model_name,
        "model_class": type(model).__name__,
        "latent_dim": int(model.latent_dim),
        "latent_distribution": "standard normal",
        "image_shape": [int(s) for s in model.image_shape],
        "saved_model_inputs": {"serving_default": {"text": ["batch"]},
                               "generate": {"text": ["batch"], "seed": []}},
        "saved_model_outputs": {"images": ["batch", *map(int, model.image_shape)], "dtype": "uint8"},
        "tflite_output_range": [-1.0, 1.0],
        "uint8_mapping": "round((x + 1) * 127.5)",
        "files": files,
    }
    if tokenizer is not None and text_lib.token_encoder_of(model.text_encoder) is not None:
        vocabulary = [str(w) for w in tokenizer.get_vocabulary()]
        vocab_path = os.path.join(export_dir, f"{model_name}.vocabulary.txt")
        with open(vocab_path, "w", encoding="utf-8") as f:
            f.write("\n".join(vocabulary) + "\n")
        files["vocabulary"] = vocab_path
        info["tflite_inputs"] = {"token_ids": ["batch", tokenizer._output_sequence_length],
                                 "z": ["batch", int(model.latent_dim)]}
        info["tokenization"] = {
            "lowercase": True,
            "strip_characters": "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'",
            "split": "whitespace",
            "padding_id": 0,
            "unknown_id": 1,
            "id_of_word": "its line number (0-based) in the vocabulary file",
            "sequence_length": int(tokenizer._output_sequence_length),
            "pad_or_truncate": "cut after sequence_length words, pad with 0 at the end",
        }
    else:
        info["tflite_inputs"] = {"embedding": ["batch", int(model.embedding_dim)],
                                 "z": ["batch", int(model.latent_dim)]}
    export_lib.write_json(info, os.path.join(export_dir, f"{model_name}.json"))
    return info


def check_parity(model, files, captions=None, seed=0):
    """Runs every exported form on the same strings and z and compares.

    Returns `{form: max_abs_diff}`: "saved_model_uint8" (uint8 levels, the
    SavedModel `generate` signature vs the Keras model), "tflite_<variant>"
    (float outputs on the Keras tokenizer's ids), "tokenizer" (ids that
    differ between `tokenize_like_keras` and the Keras layer).

    Raises:
        ExportError: if a form differs by more than `TOLERANCES`.
    """
    from keras_gan.text2image.text_to_image_gan import DEFAULT_CAPTIONS

    captions = list(captions or DEFAULT_CAPTIONS)
    num = len(captions)
    expected = model.generate(num, seed=seed, captions=captions)
    loaded = tf.saved_model.load(files["saved_model"])
    served = loaded.signatures["generate"](
        text=tf.constant(captions), seed=tf.constant(seed, tf.int64))["images"].numpy()
    diffs = {"saved_model_uint8": float(np.abs(served.astype(int) - to_uint8(expected).astype(int)).max())}
    tokens = text_lib.token_encoder_of(model.text_encoder)
    tokenizer = text_lib.tokenizer_of(model.text_encoder)
    z = export_lib.sample_latent(seed, num, model.latent_dim).numpy()
    if tokens is not None:
        ids = tokenizer(tf.constant(captions)).numpy().astype("int32")
        vocabulary = [str(w) for w in tokenizer.get_vocabulary()]
        python_ids = np.stack([text_lib.tokenize_like_keras(c, vocabulary, ids.shape[1])
                               for c in captions])
        diffs["tokenizer"] = float((python_ids != ids).sum())
        condition = {"token_ids": ids}
    else:
        condition = {"embedding": model.embed(captions).numpy()}
    from keras_gan.export.tflite import signature_runner

    for key, path in files.items():
        if key.startswith("tflite_"):
            runner = signature_runner(path)
            out = runner(z=z, **condition)["images"]
            diffs[key] = float(np.abs(out - expected).max())
    failed = [k for k, v in diffs.items() if v > TOLERANCES.get(k, 1.0)]
    if failed:
        raise export_lib.ExportError(
            "The export does not match the Keras model: "
            + ", ".join(f"{k} max abs diff {diffs[k]:.3g}" for k in failed)
            + "; please report this with the model file.")
    return diffs
