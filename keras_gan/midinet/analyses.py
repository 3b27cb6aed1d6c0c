"""Checks the chord labels against music21's hand-made Roman-numeral analyses."""

import re

from keras_gan.midinet.chords import _chord_of, _vote
from keras_gan.midinet.data import parse_score

__all__ = ["analysis_paths", "chord_label_agreement"]


def analysis_paths():
    """The Roman-numeral analyses (RomanText) music21 ships for chorales."""
    from music21 import corpus

    return sorted(str(p) for p in corpus.getComposer("bach") if str(p).endswith(".rntxt"))


def _analysis_labels(path):
    """BWV number and per-measure (root, minor) by longest duration."""
    from music21 import converter, roman

    with open(path, encoding="utf-8") as f:
        header = f.read()
    match = re.search(r"^BWV:\s*([\d.]+)", header, re.M)
    if not match:
        return None, {}
    analysis = converter.parse(path, format="romanText")
    weights = {}
    for rn in analysis.recurse().getElementsByClass(roman.RomanNumeral):
        if rn.measureNumber is None:
            continue
        label = _chord_of({p.pitchClass for p in rn.pitches}, rn.root().pitchClass)
        bar = weights.setdefault(rn.measureNumber, {})
        bar[label] = bar.get(label, 0.0) + float(rn.quarterLength)
    return match.group(1), {m: _vote(w) for m, w in weights.items()}


def chord_label_agreement(paths=None):
    """Compares the chordify labels with music21's hand-made analyses.

    For each shipped analysis whose chorale is in the corpus, each measure's
    label (the chord sounding longest in it) is compared with ours; any
    meter is accepted here.

    Args:
        paths: list of str or None. RomanText files; None: `analysis_paths()`.

    Returns:
        dict: `chorales`, `bars`, `root` (share of bars with the same root)
        and `root_and_quality` (same root and major/minor).
    """
    from music21 import corpus

    bars = same_root = same_chord = chorales = 0
    for path in analysis_paths() if paths is None else paths:
        bwv, labels = _analysis_labels(path)
        if not bwv:
            continue
        try:
            score = corpus.parse(f"bach/bwv{bwv}")
        except Exception:  # an analysis of a chorale the corpus lacks
            continue
        if len(score.parts) != 4:
            continue
        piece = parse_score(score, bwv, melody_part=0, require_common_time=False)
        if piece is None:
            continue
        chorales += 1
        for number, (root, minor) in zip(piece.measures, piece.chords):
            if int(number) in labels:
                bars += 1
                truth = labels[int(number)]
                same_root += int(truth[0] == root)
                same_chord += int(truth == (root, minor))
    return {
        "chorales": chorales,
        "bars": bars,
        "root": same_root / max(bars, 1),
        "root_and_quality": same_chord / max(bars, 1),
    }
