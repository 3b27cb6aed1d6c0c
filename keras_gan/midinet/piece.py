"""A melody with its chords, bar by bar, and the sizes of MidiNet's bars."""

import dataclasses

import numpy as np

__all__ = ["Piece", "STEPS", "LOWEST", "NUM_PITCHES", "NUM_ROWS", "REST", "fold"]

STEPS = 16  # sixteenth notes per 4/4 bar
# The 4/4 chorale sopranos span A3..A5 (57..81); shifts of -6..+5 semitones
# (the 12 keys) stay inside 51..86.
LOWEST = 51
NUM_PITCHES = 36
NUM_ROWS = NUM_PITCHES + 1  # last row: silence
REST = -1


@dataclasses.dataclass
class Piece:
    """One melody with its chords, bar by bar.

    Attributes:
        name: str. Where it came from (corpus path or file name).
        melody: int array `(bars, 16)`: MIDI pitch per step, -1 for silence.
        chords: int array `(bars, 2)`: root pitch class, 1 if minor else 0.
        key: tuple `(tonic pitch class, 1 if minor else 0)`.
        measures: int array `(bars,)`: the score's measure numbers.
    """

    name: str
    melody: np.ndarray
    chords: np.ndarray
    key: tuple
    measures: np.ndarray


def fold(piece):
    """Moves notes outside the pitch range by octaves into it."""
    melody = piece.melody.copy()
    notes = melody != REST
    while (melody[notes] < LOWEST).any() or (melody[notes] >= LOWEST + NUM_PITCHES).any():
        low = notes & (melody < LOWEST)
        high = notes & (melody >= LOWEST + NUM_PITCHES)
        melody[low] += 12
        melody[high] -= 12
    return dataclasses.replace(piece, melody=melody)
