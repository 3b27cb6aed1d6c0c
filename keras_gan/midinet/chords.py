"""Chords and keys: MidiNet's 13-d chord vector, chord symbols, triads, scales."""

import re

import numpy as np

__all__ = ["PITCH_NAMES", "triad", "scale", "chord_vector", "parse_chords", "chord_name"]

PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def triad(root, minor):
    """The three pitch classes of a major or minor triad."""
    return {root % 12, (root + (3 if minor else 4)) % 12, (root + 7) % 12}


def scale(tonic, minor):
    """The pitch classes of a key: major scale, or for minor the natural
    minor with the raised 6th and 7th that the melodic minor adds."""
    steps = (0, 2, 3, 5, 7, 8, 9, 10, 11) if minor else (0, 2, 4, 5, 7, 9, 11)
    return {(tonic + s) % 12 for s in steps}


def chord_vector(chords):
    """MidiNet's 13-d condition: one-hot root (12) and a minor flag (1).

    Args:
        chords: int array `(n, 2)` of (root pitch class, minor flag).
    """
    chords = np.asarray(chords).reshape(-1, 2)
    vectors = np.zeros((len(chords), 13), "float32")
    vectors[np.arange(len(chords)), chords[:, 0] % 12] = 1.0
    vectors[:, 12] = chords[:, 1]
    return vectors


_CHORD_RE = re.compile(r"^([A-Ga-g])([#b]?)(m|min|-|maj|M)?$")


def parse_chords(text):
    """Parses a progression such as "C G Am F" or "F# Bbm" into `(n, 2)`.

    Args:
        text: str or list of str. Chord symbols: a letter, an optional # or
            b, and "m" for minor.
    """
    symbols = text.split() if isinstance(text, str) else list(text)
    if not symbols:
        raise ValueError(f'chords must name at least one chord, e.g. "C G Am F". Received: chords={text!r}')
    chords = []
    for symbol in symbols:
        match = _CHORD_RE.match(symbol)
        if not match:
            raise ValueError(
                f'Each chord must be a root (A-G, optional # or b) and an optional "m" '
                f"for minor, e.g. C, F#m, Bb. Received: {symbol!r} in chords={text!r}"
            )
        letter, accidental, quality = match.groups()
        root = PITCH_NAMES.index(letter.upper()) + {"#": 1, "b": -1, "": 0}[accidental]
        chords.append((root % 12, int(quality in ("m", "min", "-"))))
    return np.asarray(chords, "int64")


def chord_name(root, minor):
    return PITCH_NAMES[int(root) % 12] + ("m" if minor else "")


def _chord_of(pitch_classes, root):
    """(root, minor) of a sounding chord: minor when the minor third above
    the root sounds and the major third does not."""
    minor = (root + 3) % 12 in pitch_classes and (root + 4) % 12 not in pitch_classes
    return root, int(minor)


def _vote(weights):
    """The label with the largest weight; ties go to the earliest seen."""
    return max(weights.items(), key=lambda item: item[1])[0]
