"""The statistics table: MidiNet and two baselines against held-out chorales.

Every method writes one melody per held-out piece over that piece's true
chords (bar count and key as the piece's), then `metrics.statistics` is
taken; the row "held_out" is the pieces' own melodies. Two ablations:
`chord_tones_shuffled` scores the same melodies against the piece's chords
in shuffled order (a method that follows the chords loses chord tones), and
`boundary_interval_no_previous` is the bar-line interval of melodies made
with the previous-bar input silenced (a method that uses it gets smoother
bar lines with it).
"""

import numpy as np

from keras_gan.midinet import baselines
from keras_gan.midinet import metrics

__all__ = ["evaluate", "format_table", "COLUMNS"]

COLUMNS = (
    ("pitch_class_overlap", "PC-histogram overlap"),
    ("notes_per_bar", "notes / bar"),
    ("empty_bars", "empty bars"),
    ("in_scale", "in scale"),
    ("chord_tones_true", "chord tones (true chords)"),
    ("chord_tones_shuffled", "chord tones (shuffled)"),
    ("boundary_interval", "bar-line interval, with previous bar"),
    ("boundary_interval_no_previous", "without"),
)


def evaluate(model, train_pieces, test_pieces, seed=0, repeats=4):
    """Returns `{method: {statistic: value}}` for "held_out", "midinet" (if
    `model` is given), "uniform_in_key" and "markov_chain".

    Args:
        model: a trained `MidiNet` or None.
        train_pieces: list of `data.Piece` the baselines are fitted on.
        test_pieces: list of `data.Piece`: the held-out chorales.
        seed: int. Seeds every method's draws and the chord shuffle.
        repeats: int. Melodies per held-out piece for each method.
    """
    progressions = [p.chords for p in test_pieces] * repeats
    keys = [p.key for p in test_pieces] * repeats
    real = [p.melody for p in test_pieces]
    reference = metrics.pitch_class_histogram(real)
    rows = {"held_out": metrics.statistics(real, [p.chords for p in test_pieces],
                                           [p.key for p in test_pieces], reference, seed)}
    rows["held_out"]["boundary_interval_no_previous"] = float("nan")

    def row(with_previous, without_previous):
        stats = metrics.statistics(with_previous, progressions, keys, reference, seed)
        stats["boundary_interval_no_previous"] = metrics.boundary_interval(without_previous)
        return stats

    if model is not None:
        rows["midinet"] = row(
            model.generate_melodies(progressions, seed=seed),
            model.generate_melodies(progressions, seed=seed, use_previous=False),
        )
    for name, cls in (("uniform_in_key", baselines.UniformInKey),
                      ("markov_chain", baselines.MarkovChain)):
        method = cls(train_pieces)
        made = []
        for use_previous in (True, False):
            rng = np.random.default_rng(seed)
            made.append([method.generate(c, k, rng, use_previous) for c, k in zip(progressions, keys)])
        rows[name] = row(*made)
    return rows


def format_table(rows):
    """The rows as a Markdown table."""
    header = "| method | " + " | ".join(title for _, title in COLUMNS) + " |"
    lines = [header, "|---" * (len(COLUMNS) + 1) + "|"]
    for name, stats in rows.items():
        cells = []
        for key, _ in COLUMNS:
            value = stats.get(key)
            value = float("nan") if value is None else value
            cells.append("n/a" if value != value else f"{value:.3f}" if abs(value) < 10 else f"{value:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
