"""Reading melodies and chords from scores: the Bach chorales music21 ships
and folders of MIDI files, parsed once and cached as `.npz` (music21 takes
about a second a chorale)."""

import hashlib
import os
import warnings

import numpy as np

from keras_gan.midinet.chords import _chord_of
from keras_gan.midinet.chords import _vote
from keras_gan.midinet.piece import REST
from keras_gan.midinet.piece import STEPS
from keras_gan.midinet.piece import Piece
from keras_gan.midinet.piece import fold

__all__ = ["chorale_paths", "default_cache_dir", "load_chorales", "load_midi_folder",
           "parse_score"]

_CACHE_VERSION = 1


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
    tmp = f"{path}.{os.getpid()}.tmp.npz"  # Concurrent writers never share one.
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
    return [fold(p) for p in pieces]
