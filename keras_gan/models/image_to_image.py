"""The base class of the image-to-image GANs (pix2pix, CycleGAN, SRGAN,
Context Encoder): the plumbing they share with `GAN` but for a generator
that maps images to images instead of noise to images."""

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_image_shape
from keras_gan.architectures.common import check_positive_int
from keras_gan.keras_internals import scale_loss_for_distribution  # noqa: F401  (re-exported)
from keras_gan.models.base import NoiseState
from keras_gan.models.base import step_logs
from keras_gan.models.two_player import TwoPlayer

__all__ = ["ImageToImageGAN", "scale_loss_for_distribution"]


@keras.saving.register_keras_serializable(package="keras_gan")
class ImageToImageGAN(TwoPlayer, NoiseState, keras.Model):
    """A conditional GAN whose generator translates images, trained with `fit`.

    Subclasses set `task` (the offline task of `keras_gan.tasks` they train
    on), build their networks and write `train_step`: discriminator
    update(s) first, then generator update(s), each with its own
    `tf.GradientTape`. This class provides what the trainer, callbacks and
    export expect of every keras_gan model: `compile(d_optimizer,
    g_optimizer, loss)`, `optimizers`, `train_steps`, `metrics`,
    `generate(num, seed)`, `translate(images)`, saving of all state
    (networks, optimizers, noise and any buffers) in `.keras` files and
    `save_weights` checkpoints, and a full config round trip.

    `generate(num, seed)` translates a fixed held-out batch of the model's
    `dataset` (its test split, images picked by `seed`) and returns the
    images as consecutive (input, output, target) triplets, `num` images in
    all, so a grid with 3 columns (`grid_columns`) shows one example per row.

    Args:
        image_shape: tuple. `(height, width, channels)` of the generated
            images. Defaults to `(28, 28, 1)`.
        width: int. Base filter count of the default networks. Defaults to 64.
        dataset: str. Where `generate` takes its held-out inputs from
            (`keras_gan.tasks.preview`). Defaults to "fashion_mnist".
        seed: int or None. Seeds the model's random generator (masks, image
            pool choices).
    """

    task = None
    train_options = ("width", "dataset")
    needs_labels = False
    grid_columns = 3

    def __init__(self, image_shape=(28, 28, 1), width=64, dataset="fashion_mnist",
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = check_image_shape(image_shape)
        self.width = check_positive_int("width", width)
        if not isinstance(dataset, str) or not dataset:
            raise ValueError(f"dataset must be a non-empty str. Received: dataset={dataset!r}")
        self.dataset = dataset
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        # The networks are built functional models: nothing is left to build.
        self.built = True

    # === Networks (subclasses) ===
    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    @staticmethod
    def _check_network(role, network, input_shape=None):
        if not isinstance(network, keras.Model):
            raise ValueError(f"{role} must be a keras.Model. Received: {role}={network!r}")
        if input_shape is not None:
            shape = tuple(network.inputs[-1].shape[1:])
            if shape != tuple(input_shape):
                raise ValueError(
                    f"{role} must take images of shape {tuple(input_shape)}; the given "
                    f"one takes {shape}. Build it for the model's image_shape."
                )
        return network

    # === Training ===
    @property
    def metrics(self):
        return list(self.trackers.values())

    def logs(self):
        """The tracked metrics as the `train_step` result."""
        return step_logs(self.metrics)

    def track(self, **values):
        for name, value in values.items():
            self.trackers[name].update_state(value)

    def scores(self, logits):
        """Mean D output: a probability for the minimax losses, else raw."""
        return ops.mean(self._scores(logits))

    @staticmethod
    def apply_gradients(optimizer, tape, scaled_loss, variables):
        """One update of `variables` from a loss scaled (inside `tape`) by
        `scale_loss_for_distribution`, as gradients are summed over replicas."""
        optimizer.apply(tape.gradient(scaled_loss, variables), variables)

    @staticmethod
    def unpack_pair(data):
        """`(inputs, targets)` from a `fit` batch."""
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                "Image-to-image models train on (inputs, targets) batches; load the "
                "data with keras_gan.tasks.load(task, ...)."
            )
        return data[0], data[1]

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # === Inference ===
    def translate_tensor(self, images, generator=None):
        """The exported computation, as tensors: generator output for `images`."""
        return (generator or self.generator)(images, training=False)

    def translate(self, images, batch_size=256):
        """Translates `images` (float32 in [-1, 1]); returns a numpy array."""
        images = np.asarray(images, "float32")
        outputs = [
            ops.convert_to_numpy(self.translate_tensor(images[i : i + batch_size]))
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(outputs).astype("float32")

    @property
    def input_shape_for_export(self):
        """`(height, width, channels)` the exported function takes."""
        return tuple(int(s) for s in self.generator.inputs[0].shape[1:])

    def display_triplets(self, inputs, targets):
        """`(input, output, target)` images at output size for a grid."""
        return inputs, self.translate(inputs), targets

    def generate(self, num, seed=None, batch_size=256):
        """`num` images in [-1, 1]: (input, output, target) triplets of a
        fixed held-out batch of `dataset`, examples picked by `seed`."""
        from keras_gan import tasks

        check_positive_int("num", num)
        count = -(-num // 3)
        inputs, targets = tasks.preview(self, count, seed=0 if seed is None else seed)
        columns = self.display_triplets(inputs, targets)
        triplets = np.stack([np.asarray(c, "float32") for c in columns], axis=1)
        return triplets.reshape((-1, *triplets.shape[2:]))[:num]

    # === Config ===
    network_names = ("generator", "discriminator")

    def get_config(self):
        config = super().get_config()
        config.update({
            name: keras.saving.serialize_keras_object(getattr(self, name))
            for name in self.network_names
        })
        config.update({
            "image_shape": tuple(self.image_shape),
            "width": self.width,
            "dataset": self.dataset,
            "seed": self.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.network_names:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
