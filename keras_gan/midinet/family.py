"""The melody family: MidiNet on the Bach chorales (or a MIDI folder)."""

import dataclasses
import math
import os

import numpy as np
import tensorflow as tf
import keras

from keras_gan import callbacks as callbacks_lib
from keras_gan.families import common
from keras_gan.families import midinet_options
from keras_gan.families.midinet_options import DEFAULT_PROGRESSION
from keras_gan.family import Family
from keras_gan.midinet import data as data_lib
from keras_gan.midinet import evaluation
from keras_gan.midinet import export as export_lib
from keras_gan.midinet.callbacks import MelodySamples
from keras_gan.midinet.model import MidiNet

__all__ = ["MidiNetFamily", "MelodyDataInfo", "CHORALES"]

CHORALES = "bach_chorales"


@dataclasses.dataclass
class MelodyDataInfo:
    """What `MidiNetFamily.load_data` produced.

    Attributes:
        num_examples: int. Triples in the split (all 12 keys for "train").
        train_pieces: list of `data.Piece`. Training pieces, own keys.
        test_pieces: list of `data.Piece`. Held-out pieces, own keys.
        source: str. "bach_chorales" or the MIDI folder.
        real_bars: array. Up to 256 real bars (for the health check).
    """

    num_examples: int
    train_pieces: list
    test_pieces: list
    source: str
    real_bars: np.ndarray


class MidiNetFamily(Family):
    """Melodies bar by bar from chords and the bar before.

    Data: `--dataset=bach_chorales` (music21's corpus, default) or a folder
    of MIDI files; split "train" is the training tunes in all 12 keys,
    "test" the held-out tunes in their own keys.

    Example:
    >>> # family = MidiNetFamily(); data, info = family.load_data(ctx, split="train", ...)
    """

    name = "midinet"
    models = {"midinet": MidiNet}
    options = midinet_options.OPTIONS
    default_dataset = CHORALES

    def _pieces(self, ctx):
        cache = ctx.options.get("melody_cache") or None
        source = ctx.config.dataset or CHORALES
        if source == CHORALES:
            pieces = data_lib.load_chorales(cache_dir=cache)
        elif os.path.isdir(source):
            pieces = data_lib.load_midi_folder(source, cache_dir=cache)
        else:
            raise ValueError(
                f"dataset must be {CHORALES!r} or a folder of MIDI files. Received: dataset={source!r}"
            )
        held_out = ctx.options.get("held_out")
        train, test = data_lib.split_pieces(pieces, 0.1 if held_out is None else held_out)
        return source, train, test

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        source, train, test = self._pieces(ctx)
        if split == "train":
            arrays = data_lib.encode(data_lib.transpose_all(train))
        elif split in ("test", "validation"):
            arrays = data_lib.encode(test)
        else:
            raise ValueError(f'split must be "train" or "test". Received: split={split!r}')
        count = len(arrays["bar"])
        dataset = tf.data.Dataset.from_tensor_slices(arrays)
        if split == "train":
            # A fixed seed: every process's first pass gives the same batches.
            dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size, drop_remainder=split == "train")
        if repeat:
            dataset = dataset.repeat()
        info = MelodyDataInfo(count, train, test, source, arrays["bar"][:256])
        return dataset.prefetch(tf.data.AUTOTUNE), info

    def resumed(self, ctx, model):
        return common.reapply_learning_rates(ctx.config, model)

    def build(self, ctx, model_cls, info):
        config = ctx.config
        options = ctx.options
        model = model_cls(
            latent_dim=config.latent_dim,
            width=options.get("width") or 64,
            dense_units=options.get("dense_units") or 1024,
            generator_updates=options.get("generator_updates") or 2,
            seed=config.seed,
        )
        d_optimizer, g_optimizer = model.default_optimizers()
        for optimizer, rate in ((d_optimizer, getattr(config, "d_learning_rate", 0)),
                                (g_optimizer, getattr(config, "g_learning_rate", 0))):
            if rate and rate > 0:
                optimizer.learning_rate = rate
        model.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)
        return model

    def callbacks(self, ctx, model, info):
        progression = ctx.options.get("progression") or DEFAULT_PROGRESSION
        samples = MelodySamples(os.path.join(ctx.out_dir, "samples"), progression,
                                every=getattr(ctx.config, "samples_every", 1) or 1)
        ctx.state["samples"] = samples
        return [
            samples,
            callbacks_lib.TrainingHealth(real_images=info.real_bars,
                                         on_nan=getattr(ctx.config, "on_nan", "rollback")),
        ]

    def final_preview(self, ctx, model, epochs_done):
        samples = ctx.state["samples"]
        png = os.path.join(samples.directory, f"melody_epoch_{epochs_done:04d}.png")
        if not os.path.exists(png):
            samples.set_model(model)
            png, _ = samples.save(epochs_done)
        return png

    def evaluate(self, ctx, model, info):
        rows = evaluation.evaluate(model, info.train_pieces, info.test_pieces,
                                   seed=getattr(ctx.config, "seed", 0))
        # JSON has no NaN: statistics that do not apply are null.
        return {
            name: {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in stats.items()}
            for name, stats in rows.items()
        }

    def export(self, model, export_dir):
        info = export_lib.export(model, export_dir, overwrite=True)
        return {"files": info["files"], "parity": info["parity"]}
