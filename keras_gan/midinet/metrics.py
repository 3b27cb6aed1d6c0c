"""Objective statistics of melodies (numpy, no network).

Every function takes melodies as lists of int arrays `(bars, 16)` of MIDI
pitches (-1 for silence); "notes" are the merged runs of
`keras_gan.midinet.midi_io.melody_notes` (a bar line starts a new note) and
rates are shares of notes. They follow the objective measures of MidiNet's
successors (e.g. Yang & Lerch, "On the evaluation of generative models in
music", 2018): statistics that a melody of the corpus has and a careless
generator lacks.
"""

import numpy as np

from keras_gan.midinet import data as data_lib
from keras_gan.midinet.midi_io import melody_notes

__all__ = [
    "pitch_class_histogram",
    "histogram_overlap",
    "note_density",
    "empty_bar_share",
    "in_scale_rate",
    "chord_tone_rate",
    "shuffled_chords",
    "boundary_interval",
    "statistics",
]


def _notes_by_bar(melody):
    notes = [[] for _ in range(len(melody))]
    for pitch, start, end in melody_notes(melody):
        notes[start // data_lib.STEPS].append(pitch)
    return notes


def pitch_class_histogram(melodies):
    """Share of sounding steps on each of the 12 pitch classes (float64)."""
    counts = np.zeros(12)
    for melody in melodies:
        steps = np.asarray(melody).reshape(-1)
        steps = steps[steps != data_lib.REST]
        counts += np.bincount(steps % 12, minlength=12)
    return counts / max(counts.sum(), 1.0)


def histogram_overlap(p, q):
    """`sum_i min(p_i, q_i)` of two normalized histograms: 1 when equal, 0
    when disjoint."""
    return float(np.minimum(np.asarray(p, "float64"), np.asarray(q, "float64")).sum())


def note_density(melodies):
    """Mean notes per bar."""
    bars = sum(len(m) for m in melodies)
    return sum(len(melody_notes(m)) for m in melodies) / max(bars, 1)


def empty_bar_share(melodies):
    """Share of bars with no note."""
    bars = np.concatenate([np.asarray(m).reshape(-1, data_lib.STEPS) for m in melodies])
    return float((bars == data_lib.REST).all(axis=1).mean())


def in_scale_rate(melodies, keys):
    """Share of notes in the scale of their piece's key (`data.scale`).

    Args:
        keys: list of `(tonic pitch class, minor flag)`, one per melody.
    """
    inside = total = 0
    for melody, key in zip(melodies, keys):
        pcs = data_lib.scale(*key)
        for pitch, _, _ in melody_notes(melody):
            total += 1
            inside += int(pitch % 12 in pcs)
    return inside / max(total, 1)


def chord_tone_rate(melodies, progressions):
    """Share of notes whose pitch class is in the triad of their bar's chord.

    Args:
        progressions: list of int arrays `(bars, 2)` (root, minor).
    """
    inside = total = 0
    for melody, chords in zip(melodies, progressions):
        for notes, (root, minor) in zip(_notes_by_bar(melody), np.asarray(chords)):
            tones = data_lib.triad(int(root), int(minor))
            total += len(notes)
            inside += sum(int(p % 12 in tones) for p in notes)
    return inside / max(total, 1)


def shuffled_chords(progressions, seed=0):
    """Each progression with its bars' chords permuted (same piece, so the
    same key: what is lost is which chord sits under which bar)."""
    rng = np.random.default_rng(seed)
    return [np.asarray(p)[rng.permutation(len(p))] for p in progressions]


def boundary_interval(melodies):
    """Mean absolute interval in semitones from the last note of a bar to
    the first note of the next, over pairs of bars that both have notes."""
    jumps = []
    for melody in melodies:
        notes = _notes_by_bar(melody)
        for a, b in zip(notes[:-1], notes[1:]):
            if a and b:
                jumps.append(abs(a[-1] - b[0]))
    return float(np.mean(jumps)) if jumps else float("nan")


def statistics(melodies, progressions, keys, reference_histogram, seed=0):
    """The table row of one method.

    Args:
        melodies: the method's melodies, conditioned on `progressions`.
        progressions: the chords they were made for (one array per melody).
        keys: the key of each melody's piece.
        reference_histogram: the held-out pieces' `pitch_class_histogram`.
    """
    return {
        "pitch_class_overlap": histogram_overlap(pitch_class_histogram(melodies), reference_histogram),
        "notes_per_bar": note_density(melodies),
        "empty_bars": empty_bar_share(melodies),
        "in_scale": in_scale_rate(melodies, keys),
        "chord_tones_true": chord_tone_rate(melodies, progressions),
        "chord_tones_shuffled": chord_tone_rate(melodies, shuffled_chords(progressions, seed)),
        "boundary_interval": boundary_interval(melodies),
    }
