"""Melodies out: MIDI files, piano-roll pictures and audio.

MIDI goes through `pretty_midi` rather than `mido`: it is the
Magenta-era standard for note-level work (notes are objects with pitch,
start and end in seconds, so writing a melody and reading it back for a
check are a few lines each), it is maintained, pure Python, and builds on
`mido` for the file format itself. Audio goes through the `fluidsynth`
program with a General MIDI soundfont when Debian's `fluidsynth` and
`fluid-soundfont-gm` are installed.
"""

import os
import shutil
import subprocess

import numpy as np

from keras_gan.midinet import data as data_lib

__all__ = ["melody_notes", "write_midi", "read_midi_notes", "save_pianoroll", "write_wav",
           "soundfont"]

SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")


def melody_notes(melody):
    """`(bars, 16)` pitches -> list of `(pitch, start_step, end_step)`.

    Consecutive steps of one pitch within a bar are one note (MidiNet's
    roll has no onsets); a bar line always starts a new note.
    """
    notes = []
    for bar, steps in enumerate(np.asarray(melody)):
        start = None
        for s in range(data_lib.STEPS + 1):
            pitch = steps[s] if s < data_lib.STEPS else data_lib.REST
            if start is not None and pitch != steps[start]:
                notes.append((int(steps[start]), bar * data_lib.STEPS + start, bar * data_lib.STEPS + s))
                start = None
            if start is None and pitch != data_lib.REST:
                start = s
    return notes


def write_midi(melody, path, chords=None, tempo=90.0, program=0, chord_program=48):
    """Writes a melody (and optionally its chords, one per bar, as held
    triads an octave lower) to a `.mid` file; returns `path`.

    Args:
        melody: int array `(bars, 16)`: MIDI pitches, -1 silence.
        path: str. Output file.
        chords: int array `(bars, 2)` or None. (root, minor) per bar.
        tempo: float. Quarter notes per minute. Defaults to 90.
        program: int. General MIDI program of the melody (0: piano).
        chord_program: int. Program of the chords (48: strings).
    """
    import pretty_midi

    if not tempo > 0:
        raise ValueError(f"tempo must be > 0. Received: tempo={tempo!r}")
    step = 60.0 / tempo / 4  # a sixteenth note in seconds
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    lead = pretty_midi.Instrument(program=program, name="melody")
    for pitch, start, end in melody_notes(melody):
        lead.notes.append(pretty_midi.Note(velocity=96, pitch=pitch, start=start * step, end=end * step))
    midi.instruments.append(lead)
    if chords is not None:
        pad = pretty_midi.Instrument(program=chord_program, name="chords")
        for bar, (root, minor) in enumerate(np.asarray(chords).reshape(-1, 2)):
            for pc in sorted(data_lib.triad(int(root), int(minor))):
                pitch = 48 + (pc - int(root)) % 12 + int(root)
                pad.notes.append(pretty_midi.Note(
                    velocity=56, pitch=pitch, start=bar * 16 * step, end=(bar + 1) * 16 * step))
        midi.instruments.append(pad)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    midi.write(path)
    return path


def read_midi_notes(path, tempo=90.0, instrument=0):
    """The notes of one instrument of a `.mid` file as `(pitch, start_step,
    end_step)`, steps rounded to the sixteenth-note grid of `tempo`."""
    import pretty_midi

    step = 60.0 / tempo / 4
    midi = pretty_midi.PrettyMIDI(path)
    return [
        (n.pitch, int(round(n.start / step)), int(round(n.end / step)))
        for n in sorted(midi.instruments[instrument].notes, key=lambda n: (n.start, n.pitch))
    ]


def save_pianoroll(melody, path, chords=None, title=None):
    """Draws a melody as a piano roll (pitch up, time right) with bar lines
    and the chord names above the bars; returns `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    melody = np.asarray(melody)
    bars = len(melody)
    notes = melody_notes(melody)
    pitches = [p for p, _, _ in notes] or [60]
    low, high = min(pitches) - 2, max(pitches) + 2
    figure, axes = plt.subplots(figsize=(max(6, 1.4 * bars), 3.6))
    for pitch, start, end in notes:
        axes.add_patch(plt.Rectangle((start, pitch - 0.4), end - start - 0.15, 0.8, color="#1f5fa0"))
    for bar in range(bars + 1):
        axes.axvline(bar * data_lib.STEPS, color="0.6", lw=0.8)
    if chords is not None:
        for bar, (root, minor) in enumerate(np.asarray(chords).reshape(-1, 2)):
            axes.text(bar * data_lib.STEPS + 8, high + 0.6, data_lib.chord_name(root, minor),
                      ha="center", va="bottom", fontsize=10)
    names = data_lib.PITCH_NAMES
    ticks = [p for p in range(low, high + 1) if p % 12 in (0, 4, 7)]
    axes.set_yticks(ticks, [f"{names[p % 12]}{p // 12 - 1}" for p in ticks])
    axes.set_xticks([b * data_lib.STEPS for b in range(bars)], [str(b + 1) for b in range(bars)])
    axes.set_xlim(0, bars * data_lib.STEPS)
    axes.set_ylim(low - 0.5, high + 2.0)
    axes.set_xlabel("bar")
    axes.set_ylabel("pitch")
    if title:
        axes.set_title(title, fontsize=10)
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def soundfont():
    """The path of an installed General MIDI soundfont, or None."""
    return next((p for p in SOUNDFONTS if os.path.exists(p)), None)


def write_wav(midi_path, wav_path, sample_rate=44100):
    """Renders a `.mid` file to `.wav` with the `fluidsynth` program; returns
    `wav_path`, or None when fluidsynth or a GM soundfont is missing."""
    font = soundfont()
    if shutil.which("fluidsynth") is None or font is None:
        return None
    subprocess.run(
        ["fluidsynth", "-ni", "-g", "1.0", "-F", wav_path, "-r", str(sample_rate), font, midi_path],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
    )
    return wav_path
