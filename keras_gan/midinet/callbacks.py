"""A callback that writes a melody over a fixed progression each epoch."""

import os

import keras

from keras_gan.architectures.common import check_positive_int
from keras_gan.families.midinet_options import DEFAULT_PROGRESSION
from keras_gan.midinet import data as data_lib
from keras_gan.midinet import midi_io

__all__ = ["MelodySamples", "DEFAULT_PROGRESSION"]


class MelodySamples(keras.callbacks.Callback):
    """Writes `melody_epoch_NNNN.png` (piano roll) and `.mid` under
    `directory` every `every` epochs: one melody over `progression` from a
    fixed seed, so epochs can be compared.

    Args:
        directory: str. Where the files go (e.g. `out_dir/samples`).
        progression: str. Chord symbols, one per bar. Defaults to
            "C Am F G C F G C".
        every: int. Epochs between samples. Defaults to 1.
        seed: int. Seed of the melody's z. Defaults to 0.

    Example:
    >>> # model.fit(data, callbacks=[MelodySamples("run/samples")])
    """

    def __init__(self, directory, progression=DEFAULT_PROGRESSION, every=1, seed=0):
        super().__init__()
        self.directory = directory
        self.chords = data_lib.parse_chords(progression)
        self.progression = progression
        self.every = check_positive_int("every", every)
        self.seed = seed

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)

    def save(self, epoch):
        """Writes the files of `epoch`; returns `(png_path, mid_path)`."""
        melody = self.model.generate_melody(self.chords, seed=self.seed)
        stem = os.path.join(self.directory, f"melody_epoch_{epoch:04d}")
        png = midi_io.save_pianoroll(melody, stem + ".png", self.chords,
                                     title=f"epoch {epoch}: {self.progression}")
        mid = midi_io.write_midi(melody, stem + ".mid", self.chords)
        return png, mid
