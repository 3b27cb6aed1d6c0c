"""MidiNet: melodies bar by bar from chords and the bar before, out as MIDI.

`data` (chorales and MIDI folders to (previous bar, bar, chord) triples),
`chords` (the 13-d condition, chord symbols), `analyses` (labels checked
against music21's Roman-numeral analyses), `model.MidiNet`, `midi_io` (.mid, piano roll, .wav), `metrics`, `baselines`,
`evaluation`, `export` and `family.MidiNetFamily`. Command line:
`python -m keras_gan.midinet --help`.
"""

from keras_gan.midinet.model import MidiNet

__all__ = ["MidiNet"]
