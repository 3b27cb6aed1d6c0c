"""MidiNet: chorale data, the model's training step and saved state, export,
MIDI out, the statistics and the baselines."""

import os

import numpy as np
import pytest

from keras_gan import testing
from keras_gan.midinet import baselines, data, metrics, midi_io
from keras_gan.midinet import export as midinet_export
from keras_gan.midinet.model import MidiNet

CHORALES = ["bach/bwv66.6", "bach/bwv10.7", "bach/bwv101.7", "bach/bwv102.7"]


@pytest.fixture(scope="module")
def pieces(tmp_path_factory):
    return data.load_chorales(CHORALES, cache_dir=str(tmp_path_factory.mktemp("cache")))


def tiny():
    model = MidiNet(latent_dim=8, width=4, dense_units=16, seed=1)
    model.compile()
    return model


def batch_of(pieces, size=16):
    arrays = data.encode(pieces)
    return ({k: v[:size] for k, v in arrays.items()},)


# === Data ===
def _score(parts_notes):
    """A music21 score in 4/4: one part per list of (midi pitches, quarters)."""
    from music21 import chord, meter, note, stream

    score = stream.Score()
    for notes in parts_notes:
        part = stream.Part()
        part.append(meter.TimeSignature("4/4"))
        for pitches, length in notes:
            if pitches is None:
                part.append(note.Rest(quarterLength=length))
            elif len(pitches) == 1:
                part.append(note.Note(pitches[0], quarterLength=length))
            else:
                part.append(chord.Chord(pitches, quarterLength=length))
        score.append(part.makeMeasures())
    return score


def test_parse_score_melody_steps_and_chords():
    soprano = [([72], 2), ([76], 1), ([79], 1), ([76], 4)]
    # Bar 1: C major in the lower voices; bar 2: A minor.
    alto = [([67], 4), ([64], 4)]
    tenor = [([64], 4), ([60], 4)]
    bass = [([48], 4), ([45], 4)]
    piece = data.parse_score(_score([soprano, alto, tenor, bass]), "made", melody_part=0)
    np.testing.assert_array_equal(piece.melody[0], [72] * 8 + [76] * 4 + [79] * 4)
    np.testing.assert_array_equal(piece.melody[1], [76] * 16)
    np.testing.assert_array_equal(piece.chords, [[0, 0], [9, 1]])


def test_chorales_shapes_labels_and_key(pieces):
    assert [p.name for p in pieces] == CHORALES  # all four are 4/4, four voices
    for piece in pieces:
        assert piece.melody.shape[1] == data.STEPS and len(piece.melody) == len(piece.chords) > 4
        notes = piece.melody[piece.melody != data.REST]
        assert notes.min() >= data.LOWEST + 6 and notes.max() < data.LOWEST + data.NUM_PITCHES - 5
        assert set(piece.chords[:, 1]) <= {0, 1} and piece.chords[:, 0].max() < 12
    bwv66 = pieces[0]
    assert bwv66.key == (6, 1)  # F-sharp minor
    # Its pickup bar: silence until the last beat.
    assert (bwv66.melody[0, :8] == data.REST).all() and (bwv66.melody[0, 12:] != data.REST).all()
    # Most bars' chords hold the bar's first soprano note.
    hits = [int(bar[bar != data.REST][0] % 12 in data.triad(*c)) for bar, c in zip(bwv66.melody, bwv66.chords)]
    assert np.mean(hits) > 0.6, hits


def test_cache_is_used(pieces, tmp_path):
    first = data.load_chorales(CHORALES[:1], cache_dir=str(tmp_path))
    (cached,) = os.listdir(tmp_path)
    again = data.load_chorales(CHORALES[:1], cache_dir=str(tmp_path))
    np.testing.assert_array_equal(first[0].melody, again[0].melody)
    assert cached.endswith(".npz")


def test_transposition_and_encoding(pieces):
    piece = pieces[1]
    up = data.transpose(piece, 3)
    notes = piece.melody != data.REST
    np.testing.assert_array_equal(up.melody[notes], piece.melody[notes] + 3)
    np.testing.assert_array_equal(up.chords[:, 0], (piece.chords[:, 0] + 3) % 12)
    np.testing.assert_array_equal(up.chords[:, 1], piece.chords[:, 1])
    every = data.transpose_all([piece])
    assert len(every) == 12 and len({p.key[0] for p in every}) == 12
    arrays = data.encode(every)
    n = 12 * len(piece.melody)
    assert arrays["bar"].shape == (n, data.STEPS, data.NUM_ROWS)
    assert arrays["chord"].shape == (n, 13)
    np.testing.assert_array_equal(arrays["bar"].sum(-1), 1.0)
    np.testing.assert_array_equal(arrays["previous"][1:len(piece.melody)], arrays["bar"][:len(piece.melody) - 1])
    np.testing.assert_array_equal(arrays["previous"][0], data.empty_bar())
    np.testing.assert_array_equal(data.decode_bars(arrays["bar"][: len(piece.melody)]),
                                  every[0].melody)


def test_split_is_disjoint_by_chorale_and_tune(pieces):
    twin = data.Piece("twin", data.transpose(pieces[0], 2).melody, pieces[0].chords, (8, 1),
                      pieces[0].measures)
    train, test = data.split_pieces(list(pieces) + [twin], held_out=0.4, seed=0)
    names = lambda ps: {p.name for p in ps}
    assert not names(train) & names(test) and len(train) + len(test) == 5 and test
    # The same tune (a transposed copy) lands on one side.
    assert ("twin" in names(test)) == ("bach/bwv66.6" in names(test))
    with pytest.raises(ValueError, match="held_out"):
        data.split_pieces(pieces, held_out=1.5)


def test_chord_labels_agree_with_a_shipped_analysis():
    from keras_gan.midinet import analyses

    path = analyses.analysis_paths()[0]
    bwv, labels = analyses._analysis_labels(path)
    assert bwv == "269" and labels[0] == (7, 0)  # "m0 b3 G: I": G major
    result = analyses.chord_label_agreement([path])
    assert result["chorales"] == 1 and result["bars"] > 10
    assert result["root"] > 0.5 and result["root_and_quality"] <= result["root"]


def test_parse_chords():
    np.testing.assert_array_equal(data.parse_chords("C G Am F F#m Bb"),
                                  [[0, 0], [7, 0], [9, 1], [5, 0], [6, 1], [10, 0]])
    np.testing.assert_array_equal(data.chord_vector([[9, 1]])[0], np.eye(13)[9] + np.eye(13)[12])
    with pytest.raises(ValueError, match="H7"):
        data.parse_chords("C H7")


def test_midi_folder(tmp_path):
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=120)  # a quarter note is 0.5 s
    lead, pad = pretty_midi.Instrument(0), pretty_midi.Instrument(0)
    for i, pitch in enumerate([72, 74, 76, 77, 79, 77, 76, 74]):
        lead.notes.append(pretty_midi.Note(100, pitch, i * 0.5, i * 0.5 + 0.5))
    for bar, triad in enumerate([(48, 52, 55), (50, 53, 57)]):  # C, then D minor
        for pitch in triad:
            pad.notes.append(pretty_midi.Note(80, pitch, bar * 2.0, bar * 2.0 + 2.0))
    midi.instruments += [pad, lead]
    folder = tmp_path / "songs"
    folder.mkdir()
    midi.write(str(folder / "song.mid"))
    (piece,) = data.load_midi_folder(str(folder), cache_dir=str(tmp_path / "cache"))
    np.testing.assert_array_equal(piece.melody[:2], np.repeat([[72, 74, 76, 77], [79, 77, 76, 74]], 4, axis=1))
    np.testing.assert_array_equal(piece.chords[:2], [[0, 0], [2, 1]])
    with pytest.raises(ValueError, match="no .mid"):
        data.load_midi_folder(str(tmp_path / "cache"))


# === Model ===
def test_train_step_changes_both_networks(pieces):
    model = tiny()
    testing.assert_train_step_updates(model, batch_of(pieces))
    assert model.train_steps == 1 and int(model.g_optimizer.iterations.numpy()) == 2


def test_round_trip_gives_identical_next_step(pieces, tmp_path):
    model = tiny()
    batch = batch_of(pieces)
    model.train_on_batch(*batch)
    loaded = testing.assert_round_trip(model, str(tmp_path), batch)
    assert loaded.generator_updates == 2 and loaded.rows == data.NUM_ROWS


def test_bad_arguments():
    with pytest.raises(ValueError, match="generator_updates"):
        MidiNet(generator_updates=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        MidiNet(label_smoothing=1.0)
    model = tiny()
    with pytest.raises(ValueError, match='"bar", "previous" and "chord"'):
        model.train_on_batch({"bar": np.zeros((2, 16, data.NUM_ROWS), "float32")})


def test_melody_generation_uses_the_bar_before(pieces):
    model = tiny()
    for _ in range(3):
        model.train_on_batch(*batch_of(pieces))
    chords = data.parse_chords("C G Am F")
    melody = model.generate_melody("C G Am F", seed=3)
    assert melody.shape == (4, data.STEPS)
    np.testing.assert_array_equal(melody, model.generate_melody(chords, seed=3))
    # Bar 1 is the same either way (silence before it); later bars see it.
    alone = model.generate_melody(chords, seed=3, use_previous=False)
    np.testing.assert_array_equal(melody[0], alone[0])
    # The previous-bar input reaches the output.
    given = model.generate(2, seed=0, chords=data.chord_vector(chords[:2]),
                           previous=data.one_hot_bars(melody[:2]))
    silent = model.generate(2, seed=0, chords=data.chord_vector(chords[:2]))
    assert np.abs(given - silent).max() > 1e-4
    np.testing.assert_array_equal(silent, model.generate(2, seed=0, chords=data.chord_vector(chords[:2])))


def test_export_parity(tmp_path):
    info = midinet_export.export(tiny(), str(tmp_path))
    assert info["parity"]["saved_model"] < 1e-5
    assert info["parity"]["tflite_float32"] < 1e-4
    assert info["parity"]["tflite_float16"] < 5e-2
    assert os.path.exists(str(tmp_path / "midinet.json"))
    assert sorted(info["inputs"]) == ["chord", "previous", "z"]


# === MIDI out ===
def test_midi_written_and_read_back(tmp_path):
    melody = np.full((3, data.STEPS), data.REST)
    melody[0, :8], melody[0, 8:] = 60, 64
    melody[1, 2:6], melody[1, 6:] = 67, 67  # one long note
    melody[2, :4] = 72
    notes = midi_io.melody_notes(melody)
    assert notes == [(60, 0, 8), (64, 8, 16), (67, 18, 32), (72, 32, 36)]
    path = midi_io.write_midi(melody, str(tmp_path / "m.mid"), chords=[[0, 0], [7, 0], [9, 1]], tempo=100)
    assert midi_io.read_midi_notes(path, tempo=100) == notes
    chord_notes = midi_io.read_midi_notes(path, tempo=100, instrument=1)
    assert {p % 12 for p, s, _ in chord_notes if s == 32} == {9, 0, 4}
    png = midi_io.save_pianoroll(melody, str(tmp_path / "m.png"), [[0, 0], [7, 0], [9, 1]])
    assert os.path.getsize(png) > 1000
    if midi_io.soundfont() and midi_io.write_wav(path, str(tmp_path / "m.wav")):
        assert os.path.getsize(str(tmp_path / "m.wav")) > 10000


# === Statistics ===
def test_metrics_on_hand_made_melodies():
    c, e, g, b = 60, 64, 67, 71
    melody = np.full((3, data.STEPS), data.REST)
    melody[0] = [c] * 4 + [e] * 4 + [g] * 4 + [b] * 4  # 4 notes; B not in C major triad
    melody[2, :8], melody[2, 8:] = 62, 61  # D, C#: C# outside C major
    chords = np.array([[0, 0], [0, 0], [7, 0]])  # C, C, G
    assert metrics.note_density([melody]) == pytest.approx(6 / 3)
    assert metrics.empty_bar_share([melody]) == pytest.approx(1 / 3)
    assert metrics.in_scale_rate([melody], [(0, 0)]) == pytest.approx(5 / 6)
    # C E G are tones of C; D is a tone of G; B and C# are not.
    assert metrics.chord_tone_rate([melody], [chords]) == pytest.approx(4 / 6)
    histogram = metrics.pitch_class_histogram([melody])
    assert histogram[0] == pytest.approx(4 / 32) and histogram[1] == pytest.approx(8 / 32)
    assert metrics.histogram_overlap(histogram, histogram) == pytest.approx(1.0)
    assert metrics.histogram_overlap(np.eye(12)[0], np.eye(12)[1]) == 0.0
    # Bar 1 -> bar 2 has no pair (bar 2 is empty); one more melody: B4 -> D5.
    other = np.array([[b] * 16, [74] * 16])
    assert metrics.boundary_interval([melody, other]) == pytest.approx(3.0)
    shuffled = metrics.shuffled_chords([chords], seed=0)[0]
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, chords))


def test_baselines(pieces):
    rng = np.random.default_rng(0)
    uniform = baselines.UniformInKey(pieces)
    made = [uniform.generate(p.chords, p.key, rng) for p in pieces]
    assert metrics.in_scale_rate(made, [p.key for p in pieces]) == 1.0
    real = metrics.note_density([p.melody for p in pieces])
    assert abs(metrics.note_density(made) - real) < 0.25 * real + 1  # rhythm from the corpus
    chain = baselines.MarkovChain(pieces)
    np.testing.assert_allclose(chain.transitions.sum(-1), 1.0)
    made = [chain.generate(p.chords, p.key, rng) for p in pieces]
    assert metrics.in_scale_rate(made, [p.key for p in pieces]) > 0.7
    assert metrics.boundary_interval(made) < metrics.boundary_interval(
        [chain.generate(p.chords, p.key, rng, use_previous=False) for p in pieces])
    # A chain fitted on one repeated scale reproduces it exactly.
    scale = np.tile(np.repeat([60, 62, 64, 65], 4), (6, 1))
    piece = data.Piece("scale", scale, np.zeros((6, 2), "int64"), (0, 0), np.arange(6))
    out = baselines.MarkovChain([piece], smoothing=1e-9).generate(piece.chords, (0, 0), rng)
    np.testing.assert_array_equal(out, scale)


# === Family ===
def test_family_protocol(pieces, tmp_path, monkeypatch):
    import argparse

    from keras_gan.midinet import family as family_lib
    from keras_gan.family import Family, RunContext

    monkeypatch.setattr(family_lib.data_lib, "load_chorales", lambda cache_dir=None: list(pieces))
    family = family_lib.MidiNetFamily()
    assert isinstance(family, Family) and family.models == {"midinet": MidiNet}
    config = argparse.Namespace(dataset="bach_chorales", latent_dim=8, width=4, seed=0)
    options = {o.name: o.default for o in family.options}
    options.update(width=4, dense_units=16, held_out=0.25)
    ctx = RunContext(config=config, options=options, out_dir=str(tmp_path))
    dataset, info = family.load_data(ctx, split="train", seed=0, repeat=False, batch_size=8)
    assert info.num_examples == 12 * sum(len(p.melody) for p in info.train_pieces)
    assert {p.name for p in info.train_pieces}.isdisjoint({p.name for p in info.test_pieces})
    batch = next(iter(dataset))
    assert tuple(batch["bar"].shape) == (8, 16, data.NUM_ROWS) and tuple(batch["chord"].shape) == (8, 13)
    test_data, test_info = family.load_data(ctx, split="test", seed=0, repeat=False, batch_size=8)
    assert test_info.num_examples == sum(len(p.melody) for p in info.test_pieces)
    model = family.build(ctx, MidiNet, info)
    model.fit(dataset.take(2), epochs=1, verbose=0, callbacks=family.callbacks(ctx, model, info))
    samples = sorted(os.listdir(tmp_path / "samples"))
    assert samples == ["melody_epoch_0001.mid", "melody_epoch_0001.png"]
    scores = family.evaluate(ctx, model, info)
    assert sorted(scores) == ["held_out", "markov_chain", "midinet", "uniform_in_key"]
    assert scores["held_out"]["pitch_class_overlap"] == pytest.approx(1.0)
    assert scores["held_out"]["boundary_interval_no_previous"] is None


def test_generate_command(tmp_path):
    from keras_gan.midinet.__main__ import main

    path = str(tmp_path / "tiny.keras")
    tiny().save(path)
    stem = str(tmp_path / "out" / "melody")
    main(["generate", "--model", path, "--chords", "C G Am F", "--out", stem, "--no_wav"])
    notes = midi_io.read_midi_notes(stem + ".mid")
    assert notes and max(end for _, _, end in notes) <= 4 * data.STEPS
    assert os.path.getsize(stem + ".png") > 1000
    with pytest.raises(SystemExit, match="H7"):
        main(["generate", "--model", path, "--chords", "C H7", "--out", stem])
