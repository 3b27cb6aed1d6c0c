"""A generator in any of the three forms it ships in (`.keras` file or run
directory, SavedModel, TFLite) behind one `sample(z, labels)` call, so the
same seed gives the same pictures from each (`python -m keras_gan.generate`)."""

import json
import os

import numpy as np

__all__ = ["Sampler", "check_count", "check_seed", "CHUNK", "MAX_FOLDER"]

# Images computed per call of the generator: bounds memory for any --num.
CHUNK = 256
MAX_FOLDER = 100_000
_INT64 = (-(2**63), 2**63 - 1)
_OTHER_FAMILIES = (
    "For the other families use their own commands: python -m keras_gan.stylegan "
    "(mix, truncation), python -m keras_gan.midinet generate, python -m keras_gan.generate "
    "--text for text-to-image models; or pass their .keras file or run directory.")


class Sampler:
    """A generator in any of its three forms, as `sample(z, labels) -> images`.

    Args:
        path: str. A `.keras` file, a train.py run directory, a SavedModel
            directory (one holding `saved_model.pb`) or a `.tflite` file.

    Attributes:
        kind: str. "noise" (z -> images: `latent`, `sample`) or "image"
            (image-to-image: `translate`).
        latent_dim: int or None. Size of z (noise generators).
        num_classes: int or None. Label count for conditional generators.
        input_shape: tuple or None. `(H, W, C)` an image-to-image generator takes.
        form: str. "keras", "saved_model" or "tflite".

    Example:
    >>> # Sampler("runs/default").sample(Sampler("runs/default").latent(0, 4))
    """

    def __init__(self, path):
        from keras_gan import export

        if not os.path.exists(path):
            raise export.ExportError(
                f"{path} does not exist; pass a .keras file, a run directory, "
                "a SavedModel directory or a .tflite file."
            )
        self._path = path
        self.kind, self.latent_dim, self.num_classes, self.input_shape = "noise", None, None, None
        self.model_class = None
        if path.endswith(".tflite"):
            from ai_edge_litert.interpreter import Interpreter

            self.form = "tflite"
            try:
                inputs = Interpreter(model_path=path).get_signature_runner().get_input_details()
            except Exception as e:  # LiteRT raises ValueError/RuntimeError for bad files.
                raise export.ExportError(
                    f"{path} could not be read as a TFLite model ({type(e).__name__}); pass "
                    "a .tflite file written by keras_gan export.") from e
            extra = sorted(set(inputs) - {"z", "labels", "images"})
            if extra:
                raise export.ExportError(
                    f"{path} takes inputs {sorted(inputs)}; generate serves generators of z "
                    "(and labels) or of images. " + _OTHER_FAMILIES)
            if "images" in inputs:
                self.kind = "image"
                self.input_shape = tuple(int(s) for s in inputs["images"]["shape_signature"][1:])
            elif "z" in inputs:
                self.latent_dim = int(inputs["z"]["shape"][-1])
                self.num_classes = self._sidecar_classes(path) if "labels" in inputs else None
            else:
                raise export.ExportError(
                    f"{path} takes inputs {sorted(inputs)}, not z or images; pass a .tflite "
                    "file written by keras_gan export.")
        elif os.path.exists(os.path.join(path, "saved_model.pb")):
            import tensorflow as tf

            self.form = "saved_model"
            self._loaded = tf.saved_model.load(path)
            serving = self._loaded.signatures.get("serving_default")
            specs = serving.structured_input_signature[1] if serving is not None else {}
            if "translate_uint8" in self._loaded.signatures and "images" in specs:
                self.kind = "image"
                self.input_shape = tuple(int(s) for s in specs["images"].shape[1:])
            elif not hasattr(self._loaded, "latent_dim_value"):
                raise export.ExportError(
                    f"{path} is a SavedModel that generate cannot serve: it takes the "
                    "exports of image generators (z, labels) and image-to-image models. "
                    + _OTHER_FAMILIES
                )
            else:
                self.latent_dim = int(self._loaded.latent_dim_value.numpy())
                self.num_classes = int(self._loaded.num_classes_value.numpy()) or None
        else:
            self.form = "keras"
            self._gan = export.load_gan(path)
            self.model_class = type(self._gan).__name__
            command = getattr(self._gan, "generate_command", None)
            if command:
                raise export.ExportError(
                    f"{path} holds a {self.model_class}; make its output with {command}.")
            for variable in export.generator_of(self._gan).weights:
                if not np.isfinite(np.asarray(variable.numpy(), "float32")).all():
                    raise export.ExportError(
                        f"The generator's weights in {path} hold NaN or Inf ({variable.path}); "
                        "its images would be blank: use a model from an earlier checkpoint.")
            if getattr(self._gan, "task", None):
                self.kind = "image"
                self.input_shape = tuple(self._gan.input_shape_for_export)
            else:
                self.latent_dim = self._gan.latent_dim
                self.num_classes = self._gan.num_classes

    def needs(self):
        """What this generator takes, in words."""
        if self.kind == "image":
            name = f"an image-to-image model ({self.model_class})" if self.model_class else \
                "an image-to-image generator"
            return (f"{self._path} is {name}: it translates images of shape "
                    f"{self.input_shape}, so pass them with --input=IMAGE_OR_FOLDER")
        return f"{self._path} makes images from z (latent size {self.latent_dim})"

    def _checked(self, images):
        from keras_gan import export

        images = np.asarray(images, "float32")
        if not np.isfinite(images).all():
            raise export.ExportError(
                f"The generator at {self._path} produced NaN or Inf images: its weights are "
                "broken; export it again from a good checkpoint.")
        return images

    def translate(self, images):
        """Outputs in [-1, 1] of an image-to-image generator for `images`
        (float32 in [-1, 1] of shape `(n, *input_shape)`)."""
        if self.kind != "image":
            raise ValueError(f"{self.needs()}; --input is for image-to-image models.")
        images = np.asarray(images, "float32")
        outputs = []
        for i in range(0, len(images), CHUNK):
            batch = images[i:i + CHUNK]
            if self.form == "tflite":
                from keras_gan.export import image_to_image as image_export

                outputs.append(image_export.run_tflite(self._path, batch))
            elif self.form == "saved_model":
                import tensorflow as tf

                outputs.append(self._loaded.signatures["serving_default"](
                    images=tf.constant(batch))["images"].numpy())
            else:
                outputs.append(self._gan.translate(batch))
        return self._checked(np.concatenate(outputs))

    @staticmethod
    def _sidecar_classes(path):
        # <name>.<variant>.tflite sits next to <name>.json.
        name = os.path.basename(path).split(".")[0]
        sidecar = os.path.join(os.path.dirname(path), f"{name}.json")
        if os.path.exists(sidecar):
            with open(sidecar) as f:
                return json.load(f).get("num_classes")
        return None

    def latent(self, seed, num):
        """z for `seed`: the same as `GAN.generate(num, seed=seed)` draws."""
        from keras_gan.export import sample_latent

        if self.kind != "noise":
            raise ValueError(f"{self.needs()}.")
        check_seed("seed", seed)
        check_count("num", num, MAX_FOLDER)
        return sample_latent(seed, num, self.latent_dim).numpy()

    def labels(self, labels, num):
        if self.num_classes is None:
            if labels is not None:
                raise ValueError("This generator is unconditional; drop the labels.")
            return None
        if labels is None:
            return (np.arange(num) % self.num_classes).astype("int32")
        labels = np.resize(np.asarray(labels, "int32"), num)
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(
                f"labels must lie in [0, {self.num_classes}). Received: "
                f"{sorted(set(labels.tolist()))}"
            )
        return labels

    def sample(self, z, labels=None):
        """Images in [-1, 1] for latent vectors `z` (and labels)."""
        if self.kind != "noise":
            raise ValueError(f"{self.needs()}.")
        z = np.asarray(z, "float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}): send "
                             f"{self.latent_dim} floats per sample. Received: shape {z.shape}")
        labels = self.labels(labels, len(z))
        return self._checked(np.concatenate([
            self._sample(z[i:i + CHUNK], None if labels is None else labels[i:i + CHUNK])
            for i in range(0, len(z), CHUNK)]))

    def _sample(self, z, labels):
        if self.form == "tflite":
            from keras_gan.export import run_tflite

            return np.asarray(run_tflite(self._path, z, labels))
        if self.form == "saved_model":
            import tensorflow as tf

            kwargs = {"z": tf.constant(z)}
            if labels is not None:
                kwargs["labels"] = tf.constant(labels)
            return self._loaded.signatures["serving_default"](**kwargs)["images"].numpy()
        inputs = z if labels is None else [z, labels]
        return np.asarray(self._gan.sampling_generator(inputs, training=False), "float32")


def check_seed(name, seed):
    """Seeds are int64 values (the generate signature's `seed`)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not _INT64[0] <= seed <= _INT64[1]:
        raise ValueError(f"{name} must be an int in [-2**63, 2**63 - 1]. Received: {name}={seed!r}")
    return int(seed)


def check_count(name, num, most):
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or not 1 <= num <= most:
        raise ValueError(f"{name} must be an int in [1, {most}]. Received: {name}={num!r}")
    return int(num)
