"""MidiNet's `train.py --model` name and options, declared without TensorFlow
so that `train.py --help` lists them without importing the family."""

from keras_gan.family import Option

__all__ = ["DEFAULT_PROGRESSION", "MODELS", "OPTIONS"]

# The chords of the sample melody written each epoch.
DEFAULT_PROGRESSION = "C Am F G C F G C"
MODELS = ("midinet",)
OPTIONS = (
    Option("width", 64, "Filters of G's and D's convolutions (the paper's 64).",
           architecture=True),
    Option("held_out", 0.1, "Share of tunes held out for evaluation.", architecture=True),
    Option("dense_units", 1024, "Dense layers of G and D.", architecture=True),
    Option("generator_updates", 2, "G updates per D update."),
    Option("progression", DEFAULT_PROGRESSION, "Chords of the per-epoch sample melody."),
    Option("melody_cache", "", "Cache folder of parsed corpora ('' = default)."),
)
