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
import hashlib
import os
import warnings

import numpy as np

from keras_gan.midinet.chords import (  # noqa: F401  (part of this module's API)
    PITCH_NAMES, _chord_of, _vote, chord_name, chord_vector, parse_chords, scale, triad,
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

STEPS = 16  # sixteenth notes per 4/4 bar
# The 4/4 chorale sopranos span A3..A5 (57..81); shifts of -6..+5 semitones
# (the 12 keys) stay inside 51..86.
LOWEST = 51
NUM_PITCHES = 36
NUM_ROWS = NUM_PITCHES + 1  # last row: silence
REST = -1
_CACHE_VERSION = 1


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


# === Parsing ===
def _is_common_time(score):
    from music21 import meter

    signatures = list(score.recurse().getElementsByClass(meter.TimeSignature))
    # MIDI files without a time-signature event are 4/4 by the standard.
    return all(ts.ratioString == "4/4" for ts in signatures)


def _highest_part(parts):
    def mean_pitch(part):
        pitches = [p.midi for n in part.recurse().notes for p in n.pitches]
        return np.mean(pitches) if pitches else -np.inf

    return max(range(len(parts)), key=lambda i: mean_pitch(parts[i]))


def parse_score(score, name, melody_part=None, require_common_time=True):
    """Turns a music21 score into a `Piece` (None if it has no usable bars).

    Args:
        score: music21 `Score`.
        name: str. Stored as `Piece.name`.
        melody_part: int or None. Index of the melody part; None: the part
            with the highest mean pitch.
        require_common_time: bool. Return None unless every time signature
            is 4/4. Defaults to True.
    """
    from music21 import stream

    if require_common_time and not _is_common_time(score):
        return None
    parts = list(score.parts)
    if not parts:
        return None
    index = _highest_part(parts) if melody_part is None else melody_part
    melody_part = parts[index]
    others = [p for i, p in enumerate(parts) if i != index] or [melody_part]
    measures = list(melody_part.getElementsByClass(stream.Measure))
    if not measures:
        melody_part = melody_part.makeMeasures()
        measures = list(melody_part.getElementsByClass(stream.Measure))
    starts, lengths, numbers = [], [], []
    for i, measure in enumerate(measures):
        start = float(measure.offset)
        length = float(measure.barDuration.quarterLength)
        if i == 0 and measure.duration.quarterLength < length:
            # A pickup sits at the end of its bar.
            start -= length - float(measure.duration.quarterLength)
        starts.append(start)
        lengths.append(length)
        numbers.append(measure.number)
    starts = np.asarray(starts)
    ends = starts + np.asarray(lengths)
    melody = np.full((len(starts), STEPS), REST, "int64")
    for note in melody_part.flatten().notes:
        if note.duration.quarterLength == 0:  # grace notes
            continue
        pitch = max(p.midi for p in note.pitches)
        _fill(melody, starts, float(note.offset), float(note.offset + note.quarterLength), pitch)
    weights = [dict() for _ in starts]
    accompaniment = stream.Score([p for p in others])
    for chord in accompaniment.chordify().flatten().notes:
        begin, end = float(chord.offset), float(chord.offset + chord.quarterLength)
        label = _chord_of({p.pitchClass for p in chord.pitches}, chord.root().pitchClass)
        for bar, (start, stop) in enumerate(zip(starts, ends)):
            overlap = min(end, stop) - max(begin, start)
            if overlap > 0:
                weights[bar][label] = weights[bar].get(label, 0.0) + overlap
    chords = np.zeros((len(starts), 2), "int64")
    for bar, weight in enumerate(weights):
        if weight:
            chords[bar] = _vote(weight)
        elif bar:
            chords[bar] = chords[bar - 1]
    keep = (melody != REST).any(axis=1) | np.asarray([bool(w) for w in weights])
    if not keep.any():
        return None
    key = score.analyze("key")
    return Piece(
        name=name,
        melody=melody[keep],
        chords=chords[keep],
        key=(key.tonic.pitchClass, int(key.mode == "minor")),
        measures=np.asarray(numbers, "int64")[keep],
    )


def _fill(melody, starts, begin, end, pitch):
    for bar, start in enumerate(starts):
        first = int(round((begin - start) * STEPS / 4))
        last = int(round((end - start) * STEPS / 4))
        first, last = max(first, 0), min(last, STEPS)
        if first < last:
            melody[bar, first:last] = pitch


def chorale_paths(names=None):
    """The corpus paths of the Bach chorales music21 ships (MusicXML)."""
    from music21 import corpus

    if names is not None:
        return [str(corpus.getWork(name)) for name in names]
    return sorted(str(p) for p in corpus.getComposer("bach") if str(p).endswith(".mxl"))


def _corpus_name(path):
    path = str(path).replace(os.sep, "/")
    return path.split("/corpus/")[-1].rsplit(".", 1)[0] if "/corpus/" in path else os.path.basename(path)


def default_cache_dir():
    return os.environ.get(
        "KERAS_GAN_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "keras_gan", "midinet")
    )


def _save_pieces(pieces, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    lengths = np.asarray([len(p.melody) for p in pieces], "int64")
    tmp = path + ".tmp.npz"
    np.savez(
        tmp,
        version=_CACHE_VERSION,
        names=np.asarray([p.name for p in pieces]),
        lengths=lengths,
        melody=np.concatenate([p.melody for p in pieces]) if pieces else np.zeros((0, STEPS)),
        chords=np.concatenate([p.chords for p in pieces]) if pieces else np.zeros((0, 2)),
        measures=np.concatenate([p.measures for p in pieces]) if pieces else np.zeros((0,)),
        keys=np.asarray([p.key for p in pieces], "int64").reshape(-1, 2),
    )
    os.replace(tmp, path)


def _load_pieces(path):
    with np.load(path) as f:
        if int(f["version"]) != _CACHE_VERSION:
            return None
        bounds = np.concatenate([[0], np.cumsum(f["lengths"])])
        return [
            Piece(
                name=str(name),
                melody=f["melody"][a:b].astype("int64"),
                chords=f["chords"][a:b].astype("int64"),
                key=tuple(int(k) for k in key),
                measures=f["measures"][a:b].astype("int64"),
            )
            for name, key, a, b in zip(f["names"], f["keys"], bounds[:-1], bounds[1:])
        ]


def _cached(paths, tag, parse, cache_dir):
    cache_dir = default_cache_dir() if cache_dir is None else cache_dir
    digest = hashlib.sha1("\n".join(sorted(map(str, paths))).encode()).hexdigest()[:12]
    path = os.path.join(cache_dir, f"{tag}-{digest}.npz")
    if os.path.exists(path):
        pieces = _load_pieces(path)
        if pieces is not None:
            return pieces
    pieces = [p for p in (parse(path_) for path_ in paths) if p is not None]
    _save_pieces(pieces, path)
    return pieces


def load_chorales(names=None, cache_dir=None):
    """The 4/4, four-voice Bach chorales of the music21 corpus as `Piece`s.

    Args:
        names: list of str or None. Corpus names such as "bach/bwv66.6";
            None: every chorale shipped.
        cache_dir: str or None. Where parsed corpora are cached. Defaults
            to `$KERAS_GAN_CACHE` or `~/.cache/keras_gan/midinet`.
    """
    from music21 import corpus

    def parse(path):
        score = corpus.parse(path)
        if len(score.parts) != 4:
            return None
        return parse_score(score, _corpus_name(path), melody_part=0)

    return _cached(chorale_paths(names), "chorales", parse, cache_dir)


def load_midi_folder(path, cache_dir=None):
    """A folder of `.mid` / `.midi` files as `Piece`s (4/4 files only).

    The part with the highest mean pitch is the melody; the chords come
    from the other parts (from the melody itself if it is the only part).
    """
    from music21 import converter

    if not os.path.isdir(path):
        raise ValueError(f"path must be a folder of MIDI files. Received: path={path!r}")
    files = sorted(
        os.path.join(path, f) for f in os.listdir(path) if f.lower().endswith((".mid", ".midi"))
    )
    if not files:
        raise ValueError(f"{path} holds no .mid or .midi files; put MIDI files in it.")

    def parse(file):
        try:
            score = converter.parse(file)
        except Exception as e:  # music21 raises many types for broken files.
            warnings.warn(f"Skipping {file}: music21 could not read it ({type(e).__name__}).")
            return None
        piece = parse_score(score, os.path.basename(file))
        if piece is None:
            warnings.warn(f"Skipping {file}: not in 4/4 or no notes.")
        return piece

    # The cache key holds each file's modification time: an edited file is parsed again.
    stamps = [f"{f}|{os.path.getmtime(f)}" for f in files]
    pieces = _cached(stamps, "midi", lambda stamp: parse(stamp.rsplit("|", 1)[0]), cache_dir)
    if not pieces:
        raise ValueError(f"No MIDI file in {path} could be used (4/4 with notes are needed).")
    return [_fold(p) for p in pieces]


def _fold(piece):
    """Moves notes outside the pitch range by octaves into it."""
    melody = piece.melody.copy()
    notes = melody != REST
    while (melody[notes] < LOWEST).any() or (melody[notes] >= LOWEST + NUM_PITCHES).any():
        low = notes & (melody < LOWEST)
        high = notes & (melody >= LOWEST + NUM_PITCHES)
        melody[low] += 12
        melody[high] -= 12
    return dataclasses.replace(piece, melody=melody)


# === Keys and splits ===
def transpose(piece, semitones):
    """`piece` moved by `semitones` (melody, chord roots and key)."""
    melody = np.where(piece.melody == REST, REST, piece.melody + semitones)
    chords = piece.chords.copy()
    chords[:, 0] = (chords[:, 0] + semitones) % 12
    return _fold(
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
