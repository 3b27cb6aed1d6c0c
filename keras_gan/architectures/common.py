"""Pieces shared by the default architectures: shape checks and label inputs."""

import math

import keras
from keras import layers


def check_image_shape(image_shape):
    """Validates `(height, width, channels)` and returns it as a tuple of ints."""
    try:
        shape = tuple(int(s) for s in image_shape)
    except (TypeError, ValueError):
        shape = None
    if shape is None or len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            "image_shape must be (height, width, channels) with positive ints. "
            f"Received: image_shape={image_shape!r}"
        )
    return shape


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{name} must be a positive int. Received: {name}={value!r}"
        )
    return value


def label_input(num_classes, embedding_dim):
    """An int label input and its learned embedding (conditional G)."""
    check_positive_int("num_classes", num_classes)
    labels = keras.Input((), dtype="int32", name="labels")
    embedded = layers.Embedding(num_classes, embedding_dim)(labels)
    return labels, embedded


def generator_inputs(latent_dim, num_classes):
    """The generator's inputs and the tensor they feed: z, or z and a label
    whose embedding is concatenated to it (conditional G)."""
    z = keras.Input((latent_dim,), name="z")
    if num_classes is None:
        return [z], z
    labels, embedded = label_input(num_classes, latent_dim)
    return [z, labels], layers.Concatenate()([z, embedded])


def functional(inputs, outputs, name):
    """A functional model taking one input plainly, or a list of them."""
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs, name=name)


def label_map(num_classes, image_shape):
    """An int label input turned into one extra image channel (conditional D).

    The label is embedded and projected to a full `height x width` map that is
    stacked on the image, so every convolution sees the condition.
    """
    labels, embedded = label_input(num_classes, 50)
    height, width = image_shape[0], image_shape[1]
    x = layers.Dense(height * width)(embedded)
    return labels, layers.Reshape((height, width, 1))(x)


def flat_size(image_shape):
    return math.prod(image_shape)
