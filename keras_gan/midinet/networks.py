"""MidiNet's generator (with its previous-bar conditioner) and discriminator.

Bars are `(16, rows)` arrays: time steps by pitch rows. The paper's 2-D
convolutions all span either the whole pitch axis (kernel `1 x h`) or one
pitch column over time (kernel `k x 1`), so here they are 1-D convolutions
over time with the pitch rows as channels: the same maps, written simply.
"""

import keras
from keras import layers

from keras_gan.architectures.common import check_positive_int

__all__ = ["midinet_generator", "midinet_discriminator", "CHORD_DIM", "STEPS"]

CHORD_DIM = 13
STEPS = 16


def _tiled(chord, steps):
    """The 1-D condition repeated at every time step: `(steps, 13)`."""
    return layers.RepeatVector(steps)(chord)


def midinet_generator(latent_dim=100, rows=37, width=64, dense_units=1024, conditioner_filters=16):
    """G(z, chord, previous bar) -> bar of pitch-row scores in [0, 1].

    z and the chord go through two dense layers to a `(2, 2 * width)` map
    that three transposed convolutions double in time (2 -> 4 -> 8 -> 16);
    a last per-step layer spreads each step over the pitch rows. Before
    every layer the chord is tiled in, and so are the conditioner's feature
    maps of the previous bar at the same time resolution (16, 8, 4, 2).

    Args:
        latent_dim: int. Size of z. Defaults to 100.
        rows: int. Pitch rows of a bar (the last one is silence).
        width: int. Channels of the transposed convolutions are `2 * width`.
            Defaults to 64 (the reference code's gf_dim).
        dense_units: int. First dense layer. Defaults to 1024.
        conditioner_filters: int. Channels of the previous-bar CNN.
            Defaults to 16.

    Example:
    >>> g = midinet_generator(latent_dim=8, rows=37, width=4, dense_units=16)
    >>> [tuple(i.shape[1:]) for i in g.inputs], tuple(g.output.shape[1:])
    ([(8,), (13,), (16, 37)], (16, 37))

    Reference:
        Yang, Chou & Yang, "MidiNet", ISMIR 2017, figure 1.
    """
    for name, value in (("latent_dim", latent_dim), ("rows", rows), ("width", width),
                        ("dense_units", dense_units), ("conditioner_filters", conditioner_filters)):
        check_positive_int(name, value)
    z = keras.Input((latent_dim,), name="z")
    chord = keras.Input((CHORD_DIM,), name="chord")
    previous = keras.Input((STEPS, rows), name="previous")

    # The conditioner CNN: the previous bar at 16, 8, 4 and 2 steps.
    conditions = []
    h = previous
    for i in range(4):
        h = layers.Conv1D(conditioner_filters, 1 if i == 0 else 2, strides=1 if i == 0 else 2,
                          padding="same", name=f"prev_conv{i}")(h)
        h = layers.BatchNormalization(name=f"prev_bn{i}")(h)
        h = layers.LeakyReLU(0.2)(h)
        conditions.append(h)

    h = layers.Concatenate()([z, chord])
    h = layers.Dense(dense_units, name="dense0")(h)
    h = layers.ReLU()(layers.BatchNormalization(name="bn0")(h))
    h = layers.Concatenate()([h, chord])
    h = layers.Dense(2 * 2 * width, name="dense1")(h)
    h = layers.ReLU()(layers.BatchNormalization(name="bn1")(h))
    h = layers.Reshape((2, 2 * width))(h)
    for i, steps in enumerate((2, 4, 8)):
        h = layers.Concatenate()([h, _tiled(chord, steps), conditions[3 - i]])
        h = layers.Conv1DTranspose(2 * width, 2, strides=2, padding="same", name=f"deconv{i}")(h)
        h = layers.ReLU()(layers.BatchNormalization(name=f"bn{i + 2}")(h))
    h = layers.Concatenate()([h, _tiled(chord, STEPS), conditions[0]])
    bar = layers.Conv1D(rows, 1, activation="sigmoid", name="bar")(h)
    return keras.Model([z, chord, previous], bar, name="midinet_generator")


def midinet_discriminator(rows=37, width=64, dense_units=1024):
    """D(bar, chord) -> [logit, first-layer features].

    The chord is tiled onto the bar; a first convolution (2 steps by all
    pitches, stride 2) gives the features that the generator's feature
    matching compares; the chord is tiled in again before a second
    convolution and appended to both dense layers.

    Args:
        rows: int. Pitch rows of a bar.
        width: int. Channels of the second convolution are `width + 13`.
            Defaults to 64 (df_dim).
        dense_units: int. Dense layer. Defaults to 1024.

    Example:
    >>> d = midinet_discriminator(rows=37, width=4, dense_units=16)
    >>> [tuple(o.shape[1:]) for o in d.outputs]
    [(1,), (8, 14)]
    """
    for name, value in (("rows", rows), ("width", width), ("dense_units", dense_units)):
        check_positive_int(name, value)
    bar = keras.Input((STEPS, rows), name="bar")
    chord = keras.Input((CHORD_DIM,), name="chord")
    h = layers.Concatenate()([bar, _tiled(chord, STEPS)])
    features = layers.LeakyReLU(0.2, name="features")(
        layers.Conv1D(1 + CHORD_DIM, 2, strides=2, padding="same", name="conv0")(h)
    )
    h = layers.Concatenate()([features, _tiled(chord, STEPS // 2)])
    h = layers.Conv1D(width + CHORD_DIM, 4, strides=2, padding="same", name="conv1")(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization(name="bn1")(h))
    h = layers.Concatenate()([layers.Flatten()(h), chord])
    h = layers.Dense(dense_units, name="dense0")(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization(name="bn2")(h))
    h = layers.Concatenate()([h, chord])
    logit = layers.Dense(1, name="logit")(h)
    return keras.Model([bar, chord], [logit, features], name="midinet_discriminator")
