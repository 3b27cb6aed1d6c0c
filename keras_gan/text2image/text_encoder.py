"""Text encoders that take strings: a word-level CNN-RNN trained with the
DS-SJE joint image-text embedding loss, or any Keras model mapping strings
to vectors.

The tokenizer is a `keras.layers.TextVectorization` inside the encoder, so a
saved encoder (and every model holding it) takes raw strings. Its token-id
half (`token_encoder`) is what the TFLite export runs; a phone app tokenizes
as `tokenize_like_keras` describes.
"""

import numpy as np
import tensorflow as tf
import keras
from keras import layers
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.text2image import data as data_lib

__all__ = [
    "PaddingMask",
    "SEQUENCE_LENGTH",
    "make_tokenizer",
    "text_encoder",
    "image_encoder",
    "check_text_encoder",
    "token_encoder_of",
    "tokenizer_of",
    "ds_sje_loss",
    "JointEmbedding",
    "tokenize_like_keras",
    "train_joint_embedding",
]

SEQUENCE_LENGTH = 16


@keras.saving.register_keras_serializable(package="keras_gan")
class PaddingMask(layers.Layer):
    """True where a token id is not the padding id 0."""

    def call(self, ids):
        return ops.not_equal(ids, 0)

    def compute_output_shape(self, input_shape):
        return input_shape


def make_tokenizer(vocabulary=None, captions=None, sequence_length=SEQUENCE_LENGTH):
    """A word-level `TextVectorization`: lower-case, strip punctuation, split
    on whitespace, ids padded with 0 to `sequence_length` (1 is out of
    vocabulary).

    Args:
        vocabulary: list of str or None. Defaults to the synthetic set's
            words (`data.vocabulary()`), unless `captions` is given.
        captions: list of str or None. Build the vocabulary from these
            (a user's own captions) with `adapt`.
        sequence_length: int. Defaults to 16.
    """
    check_positive_int("sequence_length", sequence_length)
    tokenizer = layers.TextVectorization(
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        output_mode="int",
        output_sequence_length=sequence_length,
        vocabulary=None if captions is not None and vocabulary is None else
        (vocabulary or data_lib.vocabulary()),
        name="tokenizer",
    )
    if captions is not None and vocabulary is None:
        tokenizer.adapt(tf.data.Dataset.from_tensor_slices(list(captions)).batch(256))
    return tokenizer


def text_encoder(tokenizer=None, embedding_dim=128, width=128, name="text_encoder"):
    """The default text encoder: strings -> L2-normalised vectors.

    Word embedding, a width-3 1D convolution over the words and a GRU over
    the result (Reed et al.'s CNN-RNN, at word level), then a linear map.

    Args:
        tokenizer: TextVectorization or None. Defaults to `make_tokenizer()`.
        embedding_dim: int. Output size. Defaults to 128.
        width: int. Word-vector and GRU size. Defaults to 128.

    Example:
    >>> encoder = text_encoder(embedding_dim=16, width=16)
    >>> encoder(tf.constant(["a small red sneaker in the top left"])).shape
    TensorShape([1, 16])

    Reference:
        Reed et al., "Learning Deep Representations of Fine-Grained Visual
        Descriptions", CVPR 2016.
    """
    check_positive_int("embedding_dim", embedding_dim)
    check_positive_int("width", width)
    tokenizer = tokenizer or make_tokenizer()
    vocab_size = tokenizer.vocabulary_size()
    length = tokenizer._output_sequence_length
    ids = keras.Input((length,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, width, name="words")(ids)
    x = layers.Conv1D(width, 3, padding="same", activation="relu", name="word_conv")(x)
    # Padding ids are 0; a mask keeps them out of the recurrence. Unrolled
    # so that TFLite converts it without control flow.
    mask = PaddingMask(name="padding_mask")(ids)
    x = layers.GRU(width, unroll=True, name="gru")(x, mask=mask)
    x = layers.Dense(embedding_dim, name="projection")(x)
    x = layers.UnitNormalization(name="normalize")(x)
    tokens = keras.Model(ids, x, name="token_encoder")
    strings = keras.Input((), dtype="string", name="text")
    return keras.Model(strings, tokens(tokenizer(strings)), name=name)


def image_encoder(image_shape=(32, 32, 3), embedding_dim=128, width=32, name="image_encoder"):
    """The image side of the joint embedding: a small CNN -> L2-normalised vector."""
    images = keras.Input(image_shape, name="images")
    x = images
    for i in range(int(np.log2(image_shape[0] // 4))):
        x = layers.Conv2D(width * 2**i, 3, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Conv2D(width * 2**i, 3, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(embedding_dim)(x)
    x = layers.UnitNormalization()(x)
    return keras.Model(images, x, name=name)


def check_text_encoder(encoder):
    """Checks that `encoder` maps a batch of strings to a batch of vectors;
    returns its output size."""
    if not isinstance(encoder, keras.Model):
        raise ValueError(
            "text_encoder must be a keras.Model mapping strings to vectors. "
            f"Received: text_encoder={encoder!r}"
        )
    try:
        out = encoder(tf.constant(["a small red sneaker", "a big bag"]), training=False)
    except Exception as e:  # Any failure means it does not take strings.
        raise ValueError(
            f"text_encoder must take a batch of strings; calling {encoder.name!r} on two "
            f"strings failed ({type(e).__name__}). Put a TextVectorization or StringLookup "
            "layer at its input."
        ) from None
    if len(out.shape) != 2 or out.shape[0] != 2:
        raise ValueError(
            "text_encoder must return one vector per string, shape (batch, dim). "
            f"Received output shape {tuple(out.shape)} for 2 strings."
        )
    return int(out.shape[-1])


def token_encoder_of(encoder):
    """The token-id half of a default text encoder, or None for other encoders."""
    try:
        return encoder.get_layer("token_encoder")
    except ValueError:
        return None


def tokenizer_of(encoder):
    """The `TextVectorization` of a default text encoder, or None."""
    for layer in encoder.layers:
        if isinstance(layer, layers.TextVectorization):
            return layer
    return None


def ds_sje_loss(image_embeddings, text_embeddings, match_ids, margin=0.2, reduction="mean"):
    """The deep symmetric structured joint embedding loss on one batch.

    With compatibility `F(v, t) = <v, t>` and a 0-1 loss (an example j is a
    negative of i when their match ids differ, e.g. other factor
    combinations), the image side is

        1/n sum_i  R_j [margin + F(v_i, t_j) - F(v_i, t_i)]_+   over negatives j,

    and the text side the same with the roles of v and t swapped, as in
    Reed et al.'s symmetric structured loss (their class averages replaced
    by the batch's single captions). `R` is the reduction over negatives:
    "max" is the paper's structured max (only the most violating negative
    counts); "mean" averages the hinges over all negatives. From a random
    start the max version collapsed every embedding onto one point here
    (loss stuck at 2 * margin: one negative's gradient cancels the
    positive's when all vectors agree), the mean version does not, so it
    is the default.

    Args:
        image_embeddings: `(n, d)` float tensor.
        text_embeddings: `(n, d)` float tensor.
        match_ids: `(n,)` int tensor.
        margin: float. Defaults to 0.2 (the embeddings are unit vectors).
        reduction: str. "mean" or "max". Defaults to "mean".

    Reference:
        Reed et al., "Learning Deep Representations of Fine-Grained Visual
        Descriptions", CVPR 2016, eq. 3-5.
    """
    if reduction not in ("mean", "max"):
        raise ValueError(f'reduction must be "mean" or "max". Received: reduction={reduction!r}')
    scores = ops.matmul(image_embeddings, ops.transpose(text_embeddings))
    positive = ops.diagonal(scores)
    match_ids = ops.reshape(match_ids, (-1,))
    negative = ops.cast(ops.not_equal(match_ids[:, None], match_ids[None, :]), scores.dtype)
    image_side = negative * ops.relu(margin + scores - positive[:, None])
    text_side = negative * ops.relu(margin + scores - positive[None, :])
    if reduction == "max":
        return ops.mean(ops.max(image_side, axis=1)) + ops.mean(ops.max(text_side, axis=0))
    image_count = ops.maximum(ops.sum(negative, axis=1), 1.0)
    text_count = ops.maximum(ops.sum(negative, axis=0), 1.0)
    return (ops.mean(ops.sum(image_side, axis=1) / image_count)
            + ops.mean(ops.sum(text_side, axis=0) / text_count))


@keras.saving.register_keras_serializable(package="keras_gan")
class JointEmbedding(keras.Model):
    """Trains a text encoder and an image encoder into one embedding space
    with the DS-SJE loss; `fit` on `(images, captions, match_ids)` batches
    (`data.load(..., with_factors=True)`).

    Args:
        text_encoder: keras.Model or None. Strings -> vectors. Defaults to
            `text_encoder(embedding_dim=embedding_dim)`.
        image_encoder: keras.Model or None. Images -> vectors of the same
            size. Defaults to `image_encoder(image_shape, embedding_dim)`.
        image_shape: tuple. Defaults to `(32, 32, 3)`.
        embedding_dim: int. Defaults to 128.
        margin: float. DS-SJE margin. Defaults to 0.2.
        reduction: str. "mean" or "max" over negatives (see `ds_sje_loss`).
            Defaults to "mean".

    Example:
    >>> joint = JointEmbedding(embedding_dim=16)
    >>> joint.compile(optimizer=keras.optimizers.Adam(1e-3))

    Reference:
        Reed et al., "Learning Deep Representations of Fine-Grained Visual
        Descriptions", CVPR 2016.
    """

    def __init__(self, text_encoder=None, image_encoder=None, image_shape=(32, 32, 3),
                 embedding_dim=128, margin=0.2, reduction="mean", **kwargs):
        super().__init__(**kwargs)
        if not margin > 0:
            raise ValueError(f"margin must be > 0. Received: margin={margin!r}")
        self.image_shape = tuple(image_shape)
        self.embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        self.margin = float(margin)
        if reduction not in ("mean", "max"):
            raise ValueError(f'reduction must be "mean" or "max". Received: reduction={reduction!r}')
        self.reduction = reduction
        self.text_encoder = text_encoder or globals()["text_encoder"](embedding_dim=embedding_dim)
        self.image_encoder = image_encoder or globals()["image_encoder"](self.image_shape, embedding_dim)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=False):
        images, captions = inputs
        return (self.image_encoder(images, training=training),
                self.text_encoder(captions, training=training))

    def train_step(self, data):
        images, captions, match_ids = data
        with tf.GradientTape() as tape:
            v, t = self((images, captions), training=True)
            loss = ds_sje_loss(v, t, match_ids, self.margin, self.reduction)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.loss_tracker.update_state(loss)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        images, captions, match_ids = data
        v, t = self((images, captions), training=False)
        self.loss_tracker.update_state(ds_sje_loss(v, t, match_ids, self.margin, self.reduction))
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        config = super().get_config()
        config.update({
            "text_encoder": keras.saving.serialize_keras_object(self.text_encoder),
            "image_encoder": keras.saving.serialize_keras_object(self.image_encoder),
            "image_shape": self.image_shape,
            "embedding_dim": self.embedding_dim,
            "margin": self.margin,
            "reduction": self.reduction,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("text_encoder", "image_encoder"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def tokenize_like_keras(text, vocabulary, sequence_length=SEQUENCE_LENGTH):
    """What an app must do to feed the TFLite model: the default tokenizer
    in plain Python.

    Lower-case; remove the characters of `[!"#$%&()*+,-./:;<=>?@\\[\\\\\\]^_`{|}~']`;
    split on whitespace; map each word to its index in `vocabulary` (the
    exported `vocabulary.txt`: index 0 is the padding "", 1 the unknown
    "[UNK]"); cut or pad with 0 to `sequence_length`.
    """
    import re
    import string

    text = re.sub("[%s]" % re.escape(string.punctuation), "", text.lower())
    index = {word: i for i, word in enumerate(vocabulary)}
    ids = [index.get(word, 1) for word in text.split()][:sequence_length]
    return np.asarray(ids + [0] * (sequence_length - len(ids)), "int32")


def train_joint_embedding(dataset, steps, image_shape=(32, 32, 3), embedding_dim=128,
                          tokenizer=None, learning_rate=1e-3, seed=0, verbose=0):
    """Trains a `JointEmbedding` for `steps` batches of `dataset`
    (`(images, captions, match_ids)`); returns it.

    Args:
        dataset: tf.data.Dataset of `(images, captions, match_ids)` batches
            that yields at least `steps` batches (repeat it).
        steps: int. Optimizer steps.
        image_shape: tuple. Defaults to `(32, 32, 3)`.
        embedding_dim: int. Defaults to 128.
        tokenizer: TextVectorization or None (the synthetic set's words).
        learning_rate: float. Adam's. Defaults to 1e-3.
        seed: int. Seeds the weight initialisation.
        verbose: int. Keras verbosity.
    """
    check_positive_int("steps", steps)
    keras.utils.set_random_seed(seed)
    joint = JointEmbedding(
        text_encoder=text_encoder(tokenizer, embedding_dim=embedding_dim),
        image_encoder=image_encoder(tuple(image_shape), embedding_dim),
        image_shape=image_shape, embedding_dim=embedding_dim,
    )
    joint.compile(optimizer=keras.optimizers.Adam(learning_rate))
    joint.fit(dataset.take(steps), epochs=1, verbose=verbose)
    return joint
