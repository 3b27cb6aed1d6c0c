"""Melodies with chords as MidiNet's (previous bar, bar, chord) triples.

A piece becomes a list of bars. Each bar is 16 steps (sixteenth notes of a
4/4 bar) holding a MIDI pitch of the melody or -1 for silence, and one chord
(root pitch class, minor flag) taken from the other voices. Two sources:

- `load_chorales()`: the Bach chorales that `music21` ships (offline); the
  soprano is the melody, the chord of a bar comes from `chordify` of alto,
  tenor and bass. Only pieces in 4/4 with four voices are kept.
- `load_midi_folder(path)`: a user's `.mid` files; the highest part is the
  melody, the others give the chords.

Parsing with music21 is slow (about a second per chorale), so parsed corpora
are cached as `.npz` under `cache_dir` (default `$KERAS_GAN_CACHE` or
`~/.cache/keras_gan/midinet`).

`encode` turns pieces into network arrays: bars as one-hot piano rolls of
shape `(16, NUM_ROWS)` (time, pitch; `NUM_PITCHES` pitches from `LOWEST`
and a last "silence" row), chords as MidiNet's 13-d vector (12 one-hot root
pitch classes + 1 for minor). `transpose_all` makes the 12 keys of training
pieces; held-out pieces keep their own key.

Example:
>>> pieces = load_chorales(names=["bach/bwv66.6"])      # doctest: +SKIP
>>> arrays = encode(transpose_all(pieces))              # doctest: +SKIP
>>> arrays["bar"].shape[1:], arrays["chord"].shape[1:]  # doctest: +SKIP
((16, 37), (13,))

Reference:
    Yang, Chou & Yang, "MidiNet: A Convolutional Generative Adversarial
    Network for Symbolic-domain Music Generation", ISMIR 2017.
"""

import dataclasses

import numpy as np

from keras_gan.midinet.chords import (  # noqa: F401  (part of this module's API)
    PITCH_NAMES, chord_name, chord_vector, parse_chords, scale, triad,
)
from keras_gan.midinet.corpus import (  # noqa: F401  (part of this module's API)
    chorale_paths, default_cache_dir, load_chorales, load_midi_folder, parse_score,
)
from keras_gan.midinet.piece import (  # noqa: F401  (part of this module's API)
    LOWEST, NUM_PITCHES, NUM_ROWS, REST, STEPS, Piece, fold,
)

__all__ = [
    "Piece",
    "STEPS",
    "LOWEST",
    "NUM_PITCHES",
    "NUM_ROWS",
    "REST",
    "parse_score",
    "load_chorales",
    "load_midi_folder",
    "transpose",
    "transpose_all",
    "encode",
    "decode_bars",
    "split_pieces",
    "chord_vector",
    "parse_chords",
    "chord_name",
    "triad",
    "scale",
]


# === Keys and splits ===
def transpose(piece, semitones):
    """`piece` moved by `semitones` (melody, chord roots and key)."""
    melody = np.where(piece.melody == REST, REST, piece.melody + semitones)
    chords = piece.chords.copy()
    chords[:, 0] = (chords[:, 0] + semitones) % 12
    return fold(
        dataclasses.replace(
            piece,
            name=f"{piece.name}{semitones:+d}",
            melody=melody,
            chords=chords,
            key=((piece.key[0] + semitones) % 12, piece.key[1]),
        )
    )


def transpose_all(pieces):
    """Every piece in all 12 keys (shifts -6..+5 semitones)."""
    return [transpose(p, s) for p in pieces for s in range(-6, 6)]


def _tune(piece, notes=12):
    """The interval pattern of a melody's first notes: the same tune set
    twice (the corpus has many chorales on one hymn tune) gets one key."""
    steps = piece.melody.reshape(-1)
    pitches = [p for i, p in enumerate(steps) if p != REST and (i == 0 or steps[i - 1] != p)]
    return tuple(np.diff(pitches[: notes + 1]))


def split_pieces(pieces, held_out=0.1, seed=0):
    """Splits pieces into `(train, held_out)` by chorale.

    Pieces on the same tune (same first intervals) go to the same side, so
    a held-out melody is not a re-harmonisation of a training one.

    Args:
        pieces: list of `Piece`.
        held_out: float. Share of tunes held out. Defaults to 0.1.
        seed: int. Seed of the split. Defaults to 0.
    """
    if not 0.0 < held_out < 1.0:
        raise ValueError(f"held_out must lie in (0, 1). Received: held_out={held_out!r}")
    tunes = sorted({_tune(p) for p in pieces})
    order = np.random.default_rng(seed).permutation(len(tunes))
    count = max(1, int(round(held_out * len(tunes)))) if len(tunes) > 1 else 0
    chosen = {tunes[i] for i in order[:count]}
    train = [p for p in pieces if _tune(p) not in chosen]
    test = [p for p in pieces if _tune(p) in chosen]
    return train, test


# === Arrays ===
def rows_of(melody):
    """Row index of each step: pitch - LOWEST, or the silence row."""
    melody = np.asarray(melody)
    rows = np.where(melody == REST, NUM_PITCHES, melody - LOWEST)
    if ((rows < 0) | (rows > NUM_PITCHES)).any():
        raise ValueError(
            f"melody pitches must lie in [{LOWEST}, {LOWEST + NUM_PITCHES}) or be {REST}; "
            "fold them into the range first."
        )
    return rows


def one_hot_bars(melody):
    """`(bars, 16)` pitches -> `(bars, 16, NUM_ROWS)` one-hot piano rolls."""
    return np.eye(NUM_ROWS, dtype="float32")[rows_of(melody)]


def decode_bars(rolls):
    """`(bars, 16, NUM_ROWS)` scores -> `(bars, 16)` pitches: the highest
    row per step (MidiNet keeps one note per step), -1 for silence."""
    rows = np.asarray(rolls).argmax(axis=-1)
    return np.where(rows == NUM_PITCHES, REST, rows + LOWEST)


def empty_bar():
    """The previous-bar input of a first bar: silence throughout."""
    return one_hot_bars(np.full((1, STEPS), REST))[0]


def encode(pieces):
    """Pieces -> dict of arrays: "bar" and "previous" `(n, 16, NUM_ROWS)`,
    "chord" `(n, 13)`; a first bar's previous bar is silence."""
    bars, previous, chords = [], [], []
    for piece in pieces:
        rolls = one_hot_bars(piece.melody)
        bars.append(rolls)
        previous.append(np.concatenate([empty_bar()[None], rolls[:-1]]))
        chords.append(chord_vector(piece.chords))
    if not bars:
        raise ValueError("pieces must hold at least one bar. Received: no pieces")
    return {
        "bar": np.concatenate(bars),
        "previous": np.concatenate(previous),
        "chord": np.concatenate(chords),
    }
