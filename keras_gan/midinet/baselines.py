"""Two melody baselines that MidiNet must beat on the statistics.

- `UniformInKey`: every note a pitch drawn uniformly from the piece's scale
  within the corpus range, with the corpus's onset rate at each step of the
  bar (so its rhythm density is right and only the pitch choice is naive).
- `MarkovChain`: a first-order chain over step tokens (pitch or silence),
  with one transition matrix per step position in the bar, so it learns
  the metre; fitted on training bars, it continues across bar lines.

Neither sees the chords: their chord-tone rate should not drop when the
chords are shuffled.
"""

import numpy as np

from keras_gan.midinet import data as data_lib

__all__ = ["UniformInKey", "MarkovChain"]

_TOKENS = data_lib.NUM_ROWS  # pitch rows and silence


def _onsets(melody):
    melody = np.asarray(melody)
    onset = melody != data_lib.REST
    onset[:, 1:] &= melody[:, 1:] != melody[:, :-1]
    return onset


class UniformInKey:
    """Uniform random notes in the key.

    Args:
        pieces: list of `data.Piece`. Training pieces: give the pitch range
            and the onset probability of each of the 16 steps.
    """

    def __init__(self, pieces):
        melodies = np.concatenate([p.melody for p in pieces])
        notes = melodies[melodies != data_lib.REST]
        self.low, self.high = int(notes.min()), int(notes.max())
        self.onset_rate = _onsets(melodies).mean(axis=0)
        self.onset_rate[0] = 1.0  # every bar starts a note (bars are units)

    def generate(self, progression, key, rng, use_previous=True):
        """`(bars, 16)` pitches for a piece in `key` with `len(progression)`
        bars (the chords and `use_previous` are ignored)."""
        pitches = [p for p in range(self.low, self.high + 1) if p % 12 in data_lib.scale(*key)]
        melody = np.zeros((len(progression), data_lib.STEPS), "int64")
        for bar in melody:
            for s in range(data_lib.STEPS):
                bar[s] = rng.choice(pitches) if rng.random() < self.onset_rate[s] else bar[s - 1]
        return melody


class MarkovChain:
    """First-order Markov chain on steps, one transition matrix per step.

    Args:
        pieces: list of `data.Piece` to count transitions in.
        smoothing: float. Added to every count. Defaults to 0.01.
    """

    def __init__(self, pieces, smoothing=0.01):
        counts = np.full((data_lib.STEPS, _TOKENS, _TOKENS), smoothing)
        first = np.full(_TOKENS, smoothing)
        for piece in pieces:
            tokens = data_lib.rows_of(piece.melody).reshape(-1)
            first[tokens[0]] += 1
            for i in range(1, len(tokens)):
                counts[i % data_lib.STEPS, tokens[i - 1], tokens[i]] += 1
        self.transitions = counts / counts.sum(axis=-1, keepdims=True)
        # A bar without the one before starts from the distribution of
        # first steps of bars (the chain's start when cut at bar lines).
        starts = counts[0].sum(axis=0)
        self.bar_start = starts / starts.sum()
        self.first = first / first.sum()

    def generate(self, progression, key, rng, use_previous=True):
        """`(bars, 16)` pitches; with `use_previous=False` every bar starts
        afresh from `bar_start` (the chain cut at the bar lines)."""
        tokens = np.zeros((len(progression), data_lib.STEPS), "int64")
        previous = None
        for bar in range(len(progression)):
            for s in range(data_lib.STEPS):
                if s == 0 and (previous is None or not use_previous):
                    p = self.first if bar == 0 else self.bar_start
                else:
                    p = self.transitions[s, previous]
                previous = rng.choice(_TOKENS, p=p)
                tokens[bar, s] = previous
        return np.where(tokens == data_lib.NUM_PITCHES, data_lib.REST, tokens + data_lib.LOWEST)
