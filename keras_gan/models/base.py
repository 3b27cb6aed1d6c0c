"""What every generative model here shares: noise, sampling and saved state.

`GAN` and `VAE` both subclass `GenerativeModel`, so the callbacks, the
evaluation, `train.py` and the export path treat them alike: each has a
`generator` (z [, labels] -> images in [-1, 1]), `latent_dim`, `num_classes`,
`generate(num, seed=...)`, `optimizers` and `train_steps`.
"""

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.keras_internals import flatten_layers
from keras_gan.keras_internals import own_variables
from keras_gan.keras_internals import seed_generators


class NoiseState:
    """Mixin for models whose saved state includes every noise source.

    The states of all seed generators (the model's own and those of layers
    such as Dropout) are saved with the weights, so a resumed run draws the
    same noise as an uninterrupted one (Keras saves neither by default).
    """

    def _own_variables(self):
        seeds = [
            generator.state
            for layer in flatten_layers(self, include_self=True)
            for generator in seed_generators(layer)
        ]
        return own_variables(self) + seeds

    def save_own_variables(self, store):
        for i, variable in enumerate(self._own_variables()):
            store[f"{i}"] = variable

    def load_own_variables(self, store):
        for i, variable in enumerate(self._own_variables()):
            if f"{i}" in store:
                variable.assign(store[f"{i}"])


def step_logs(metrics):
    """`{name: result}` of `metrics`, as every model's `train_step` returns it."""
    logs = {m.name: m.result() for m in metrics}
    if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        # Keras reduces multi-worker logs with a mean over axis 0, which
        # fails on scalars (tensorflow/tensorflow#72388); the trackers are
        # already summed across replicas, so shape (1,) reduces to them.
        logs = {k: ops.reshape(v, (1,)) for k, v in logs.items()}
    return logs


class GenerativeModel(NoiseState, keras.Model):
    """Base of the generative models: a seeded noise source and sampling.

    Subclasses set `self.generator`, `self.latent_dim` and `self.image_shape`
    and implement `train_step`, `optimizers` and `train_steps`.

    Args:
        seed: int or None. Seeds the model's noise generator, so two models
            built and trained with the same seed draw the same noise.
        num_classes: int or None. Label count of a conditional generator.
    """

    # TrainConfig fields (train.py flags) that this class takes as arguments.
    train_options = ()
    # Whether training batches must be (images, labels).
    needs_labels = False
    # What the training run previews each epoch: "grid" (samples from a
    # fixed seed); "code_sweep" (one latent code varied along each row).
    previews = ("grid",)

    def __init__(self, seed=None, num_classes=None, **kwargs):
        super().__init__(**kwargs)
        if num_classes is not None:
            check_positive_int("num_classes", num_classes)
        self.num_classes = num_classes
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def sampling_generator(self):
        """The network that makes samples and is exported."""
        return self.generator

    @property
    def optimizers(self):
        """The optimizers whose state is part of the training state."""
        raise NotImplementedError

    @property
    def train_steps(self):
        """Training steps taken so far, read from the saved optimizer state."""
        raise NotImplementedError

    # === Noise ===
    def sample_latent(self, batch_size):
        """Draws z ~ N(0, I) from the model's own seed generator.

        Under `tf.distribute`, every replica draws the noise of the whole
        global batch and keeps its own slice, so replicas get independent
        noise and the step equals a single-device step on the global batch.
        """
        return self.replica_slice(keras.random.normal, (batch_size, self.latent_dim))

    def replica_slice(self, sampler, shape):
        """`sampler(shape, seed=...)` for this replica's part of the global batch."""
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        if replicas == 1:
            return sampler(shape, seed=self.seed_generator)
        batch = shape[0]
        draws = sampler((batch * replicas, *shape[1:]), seed=self.seed_generator)
        start = context.replica_id_in_sync_group * batch
        return draws[start : start + batch]

    def check_batch_shape(self, images):
        """Fails with one sentence when a training batch's images do not
        have the model's image shape."""
        shape = tuple(images.shape[1:])
        if None not in shape and shape != tuple(self.image_shape):
            raise ValueError(
                f"The data has images of shape {shape} but {type(self).__name__} "
                f"makes {tuple(self.image_shape)}; load the data with a matching "
                "image_size or build the model for the data's shape."
            )

    def _generator_inputs(self, z, labels):
        return z if self.num_classes is None else [z, labels]

    def logs(self):
        """The tracked metrics as the `train_step` result."""
        return step_logs(self.metrics)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # === Sampling ===
    def default_labels(self, num):
        """Labels used when `generate` gets none: 0, 1, ..., cycling."""
        return np.arange(num, dtype="int32") % self.num_classes

    def latent_for(self, num, seed=None):
        """The z `generate(num, seed=seed)` feeds the generator."""
        return keras.random.normal((num, self.latent_dim), seed=seed)

    def generate(self, num, seed=None, labels=None, batch_size=256):
        """Generates `num` images in [-1, 1] as a float32 numpy array.

        Args:
            num: int. Number of images.
            seed: int or None. With an int, z is drawn with stateless random
                ops: the same seed and weights give the same images, also
                after `save` and `keras.models.load_model`.
            labels: int array of shape `(num,)` or None. Classes to draw, for
                conditional models; defaults to `0, 1, ...` cycling.
            batch_size: int. Images generated per call of the generator.
        """
        check_positive_int("num", num)
        return self.generate_from(self.latent_for(num, seed), labels, batch_size)

    def generate_from(self, z, labels=None, batch_size=256, generator=None, **generator_kwargs):
        """Runs the sampling generator (or `generator`, e.g. the network being
        trained where sampling uses a weight average) on given latent vectors
        `z`; keyword arguments go to the generator's call (StyleGAN's
        truncation)."""
        num = int(z.shape[0])
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    f"{type(self).__name__} is unconditional and takes no "
                    "labels; pass labels=None."
                )
        else:
            labels = self.default_labels(num) if labels is None else labels
            labels = ops.convert_to_tensor(self.check_labels(labels, num))
        generator = generator or self.sampling_generator
        outputs = []
        for start in range(0, num, batch_size):
            stop = min(start + batch_size, num)
            inputs = self._generator_inputs(
                z[start:stop], None if labels is None else labels[start:stop]
            )
            outputs.append(ops.convert_to_numpy(
                generator(inputs, training=False, **generator_kwargs)))
        return np.concatenate(outputs).astype("float32")

    def check_labels(self, labels, num):
        labels = np.asarray(labels)
        if labels.shape != (num,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be {num} integer class ids, shape ({num},). "
                f"Received: labels with shape {labels.shape} and dtype {labels.dtype}"
            )
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(
                f"labels must lie in [0, {self.num_classes}) for this model "
                f"with num_classes={self.num_classes}. Received: labels from "
                f"{labels.min()} to {labels.max()}"
            )
        return labels.astype("int32")

    # === Config ===
    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "num_classes": self.num_classes})
        return config
