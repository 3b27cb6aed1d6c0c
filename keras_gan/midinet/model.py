"""MidiNet: a convolutional GAN that writes a melody one bar at a time."""

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.midinet import data as data_lib
from keras_gan.midinet import losses as losses_lib
from keras_gan.midinet.networks import CHORD_DIM, STEPS
from keras_gan.midinet.networks import midinet_discriminator, midinet_generator
from keras_gan.models.gan import GAN

__all__ = ["MidiNet"]


@keras.saving.register_keras_serializable(package="keras_gan")
class MidiNet(GAN):
    """MidiNet trained with `fit` on (bar, previous bar, chord) batches.

    G maps z, the bar's chord (13-d: root one-hot and a minor flag) and the
    previous bar to a bar of 16 steps by `rows` pitch rows (the last row is
    silence); D judges a bar given its chord. Each training step makes one
    D update and `generator_updates` G updates on the same z (the reference
    code's ratio, 1:2, which it found keeps D from winning outright).

    D's loss is binary cross-entropy with one-sided label smoothing; G's is
    the non-saturating loss plus feature matching on D's first layer and
    the mean-bar term (`keras_gan.midinet.losses`).

    Batches are dicts `{"bar", "previous", "chord"}` (or tuples in that
    order) of float32 arrays `(b, 16, rows)`, `(b, 16, rows)`, `(b, 13)`.

    Tracked metrics: `d_loss`, `g_loss` (adversarial part), `d_real`,
    `d_fake` (mean probabilities), `feature_matching`, `mean_bar`.

    Args:
        generator: keras.Model or None. `[z, chord, previous] -> bar`.
            Defaults to `midinet_generator`.
        discriminator: keras.Model or None. `[bar, chord] -> [logit,
            features]`. Defaults to `midinet_discriminator`.
        latent_dim: int. Size of z. Defaults to 100.
        rows: int. Pitch rows of a bar. Defaults to
            `keras_gan.midinet.data.NUM_ROWS`.
        width: int. Network width (gf_dim / df_dim). Defaults to 64.
        dense_units: int. Dense layers of G and D. Defaults to 1024.
        label_smoothing: float. Taken off D's real target. Defaults to 0.1.
        feature_matching_weight: float. lambda_1. Defaults to 0.1.
        mean_bar_weight: float. lambda_2. Defaults to 0.01.
        generator_updates: int. G updates per D update. Defaults to 2.
        seed: int or None. Seeds the model's noise.

    Example:
    >>> model = MidiNet(latent_dim=8, width=4, dense_units=16, seed=0)
    >>> model.compile()
    >>> batch = {"bar": np.zeros((4, 16, 37), "float32"),
    ...          "previous": np.zeros((4, 16, 37), "float32"),
    ...          "chord": np.zeros((4, 13), "float32")}
    >>> logs = model.train_on_batch(batch, return_dict=True)
    >>> model.generate_melody("C G Am F", seed=0).shape
    (4, 16)

    Reference:
        Yang, Chou & Yang, "MidiNet: A Convolutional Generative Adversarial
        Network for Symbolic-domain Music Generation", ISMIR 2017.
    """

    # What keras_gan.generate tells a user who passes this model without its inputs.
    generate_command = "python -m keras_gan.midinet generate --model=PATH --chords=\"C G Am F\" --out=melody"

    default_loss = "non_saturating"
    train_options = ()

    def __init__(
        self,
        generator=None,
        discriminator=None,
        latent_dim=100,
        rows=data_lib.NUM_ROWS,
        width=64,
        dense_units=1024,
        label_smoothing=losses_lib.LABEL_SMOOTHING,
        feature_matching_weight=losses_lib.FEATURE_MATCHING_WEIGHT,
        mean_bar_weight=losses_lib.MEAN_BAR_WEIGHT,
        generator_updates=2,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("image_shape", None)  # read from the generator
        if kwargs.get("augment"):
            raise ValueError(
                f"MidiNet takes no DiffAugment policy (its inputs are piano rolls). "
                f"Received: augment={kwargs['augment']!r}"
            )
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f"label_smoothing must lie in [0, 1). Received: label_smoothing={label_smoothing!r}"
            )
        for name, value in (("feature_matching_weight", feature_matching_weight),
                            ("mean_bar_weight", mean_bar_weight)):
            if not value >= 0:
                raise ValueError(f"{name} must be >= 0. Received: {name}={value!r}")
        self.rows = check_positive_int("rows", rows)
        self.width = check_positive_int("width", width)
        self.dense_units = check_positive_int("dense_units", dense_units)
        self.generator_updates = check_positive_int("generator_updates", generator_updates)
        self.label_smoothing = float(label_smoothing)
        self.feature_matching_weight = float(feature_matching_weight)
        self.mean_bar_weight = float(mean_bar_weight)
        if generator is None:
            generator = midinet_generator(
                check_positive_int("latent_dim", latent_dim), rows, width, dense_units
            )
        if discriminator is None:
            discriminator = midinet_discriminator(rows, width, dense_units)
        super().__init__(generator=generator, discriminator=discriminator, seed=seed, **kwargs)
        self.rows = self.image_shape[-1]
        self._penalty_trackers["feature_matching"] = keras.metrics.Mean(name="feature_matching")
        self._penalty_trackers["mean_bar"] = keras.metrics.Mean(name="mean_bar")

    # === Network checks ===
    def _check_network(self, role, network):
        if not isinstance(network, keras.Model):
            raise ValueError(f"{role} must be a keras.Model. Received: {role}={network!r}")
        expected = {"generator": 3, "discriminator": 2}[role]
        if len(network.inputs) != expected:
            want = "[z, chord, previous]" if role == "generator" else "[bar, chord]"
            raise ValueError(
                f"MidiNet needs a {role} with inputs {want}; the given one has "
                f"{len(network.inputs)}. Received: {role}={network.name!r}"
            )

    def _check_pair(self, generator, discriminator):
        bar = tuple(generator.outputs[0].shape[1:])
        if bar[0] != STEPS or tuple(discriminator.inputs[0].shape[1:]) != bar:
            raise ValueError(
                f"The generator makes bars of shape {bar} but the discriminator takes "
                f"{tuple(discriminator.inputs[0].shape[1:])}; both need (16, rows)."
            )
        if len(discriminator.outputs) != 2:
            raise ValueError(
                "MidiNet's discriminator must return [logit, first-layer features] for "
                f"feature matching. Received {len(discriminator.outputs)} outputs."
            )

    # === Compile ===
    def compile(self, d_optimizer=None, g_optimizer=None, loss=None,
                discriminator_loss=None, generator_loss=None, **kwargs):
        """As `GAN.compile`; D's loss defaults to the label-smoothed BCE."""
        super().compile(d_optimizer, g_optimizer, loss, discriminator_loss, generator_loss, **kwargs)
        if discriminator_loss is None and self.loss_name == "non_saturating":
            smoothing = self.label_smoothing
            self.discriminator_loss = lambda real, fake: losses_lib.smoothed_discriminator_loss(
                real, fake, smoothing
            )

    @property
    def train_steps(self):
        """Steps taken: D makes exactly one update per step."""
        return int(self.d_optimizer.iterations.numpy())

    # === Training ===
    def _unpack_bars(self, data):
        # fit / train_on_batch pass a dict x as (x,) or (x, None, None).
        if isinstance(data, (tuple, list)) and data and isinstance(data[0], dict):
            data = data[0]
        if isinstance(data, dict):
            try:
                bar, previous, chord = data["bar"], data["previous"], data["chord"]
            except KeyError as e:
                raise ValueError(
                    f'MidiNet batches need the keys "bar", "previous" and "chord"; '
                    f"{e.args[0]!r} is missing."
                ) from None
        elif isinstance(data, (tuple, list)) and len(data) == 3:
            bar, previous, chord = data
        else:
            raise ValueError(
                'MidiNet batches must be {"bar", "previous", "chord"} dicts or '
                "(bar, previous, chord) tuples; load them with keras_gan.midinet.family."
            )
        self.check_batch_shape(bar)
        return (ops.cast(bar, "float32"), ops.cast(previous, "float32"),
                ops.cast(chord, "float32"))

    def train_step(self, data):
        bar, previous, chord = self._unpack_bars(data)
        z = self.sample_latent(ops.shape(bar)[0])
        # 1) D: real bars (target 0.9) against generated ones (0), same chords.
        with tf.GradientTape() as tape:
            fake = self.generator([z, chord, previous], training=True)
            real_logits, _ = self.discriminator([bar, chord], training=True)
            fake_logits, _ = self.discriminator([fake, chord], training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = scale_loss_for_distribution(d_loss)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(scaled, d_vars), d_vars)
        self.d_loss_tracker.update_state(d_loss)
        self.d_real_tracker.update_state(ops.mean(ops.sigmoid(real_logits)))
        self.d_fake_tracker.update_state(ops.mean(ops.sigmoid(fake_logits)))
        # D's first layer has no batch normalization: the real features
        # depend on D only and serve both G updates.
        _, real_features = self.discriminator([bar, chord], training=True)
        real_features = ops.stop_gradient(real_features)
        # 2) G, generator_updates times on the same z (reference code).
        for _ in range(self.generator_updates):
            with tf.GradientTape() as tape:
                fake = self.generator([z, chord, previous], training=True)
                fake_logits, fake_features = self.discriminator([fake, chord], training=True)
                g_loss = self.generator_loss(fake_logits)
                matching = self.feature_matching_weight * losses_lib.feature_matching_loss(
                    real_features, fake_features
                )
                mean_bar = self.mean_bar_weight * losses_lib.mean_bar_loss(bar, fake)
                scaled = scale_loss_for_distribution(g_loss + matching + mean_bar)
            g_vars = self.generator.trainable_variables
            self.g_optimizer.apply(tape.gradient(scaled, g_vars), g_vars)
        self.g_loss_tracker.update_state(g_loss)
        self._penalty_trackers["feature_matching"].update_state(matching)
        self._penalty_trackers["mean_bar"].update_state(mean_bar)
        return self.logs()

    # === Sampling ===
    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def default_chords(self, num):
        """Chords used when none are given: C, C#, ..., B major, then minor."""
        i = np.arange(num)
        return data_lib.chord_vector(np.stack([i % 12, (i // 12) % 2], axis=1))

    def generate(self, num, seed=None, chords=None, previous=None, batch_size=256):
        """`num` single bars of scores in [0, 1], `(num, 16, rows)` float32.

        Args:
            num: int. Number of bars.
            seed: int or None. Seed of z (stateless, as `GAN.generate`).
            chords: array `(num, 13)` or None. Defaults to `default_chords`.
            previous: array `(num, 16, rows)` or None. Defaults to silence.
            batch_size: int. Bars per generator call.
        """
        check_positive_int("num", num)
        z = self.latent_for(num, seed)
        chords = self.default_chords(num) if chords is None else np.asarray(chords, "float32")
        if previous is None:
            previous = np.repeat(self._empty_bar()[None], num, axis=0)
        return self._run(z, chords, previous, batch_size)

    def _empty_bar(self):
        bar = np.zeros((STEPS, self.rows), "float32")
        bar[:, -1] = 1.0
        return bar

    def _run(self, z, chords, previous, batch_size=256):
        z = np.asarray(ops.convert_to_numpy(z), "float32")
        chords = np.asarray(chords, "float32")
        previous = np.asarray(previous, "float32")
        num = int(z.shape[0])
        if chords.shape != (num, CHORD_DIM) or previous.shape != (num, STEPS, self.rows):
            raise ValueError(
                f"chords must have shape ({num}, {CHORD_DIM}) and previous ({num}, {STEPS}, "
                f"{self.rows}). Received: chords {chords.shape}, previous {previous.shape}"
            )
        generator = self.sampling_generator
        out = [
            ops.convert_to_numpy(
                generator([z[a : a + batch_size], chords[a : a + batch_size],
                           previous[a : a + batch_size]], training=False)
            )
            for a in range(0, num, batch_size)
        ]
        return np.concatenate(out).astype("float32")

    def generate_melodies(self, progressions, seed=0, use_previous=True, primer=None):
        """Melodies bar by bar, each bar conditioned on its chord and on the
        bar just generated (binarized to one note per step, as the paper).

        Args:
            progressions: list of int arrays `(bars, 2)` (root, minor), one
                per melody; lengths may differ.
            seed: int. Seeds z (one draw per melody and bar).
            use_previous: bool. With False every bar sees a silent previous
                bar (the ablation that shows what the conditioner does).
            primer: int array `(16,)` or None. Pitches of a bar before the
                first (-1 silence); None: silence.

        Returns:
            list of int arrays `(bars, 16)`: MIDI pitches, -1 for silence.
        """
        progressions = [np.asarray(p, "int64").reshape(-1, 2) for p in progressions]
        if not progressions or min(len(p) for p in progressions) == 0:
            raise ValueError("progressions must hold at least one chord per melody.")
        count, longest = len(progressions), max(len(p) for p in progressions)
        chords = np.zeros((count, longest, 2), "int64")
        for i, p in enumerate(progressions):
            chords[i, : len(p)] = p
        z = np.random.default_rng(seed).normal(size=(longest, count, self.latent_dim))
        start = self._empty_bar() if primer is None else data_lib.one_hot_bars(
            np.asarray(primer).reshape(1, STEPS))[0]
        previous = np.repeat(start[None], count, axis=0)
        bars = []
        for t in range(longest):
            scores = self._run(z[t].astype("float32"), data_lib.chord_vector(chords[:, t]), previous)
            pitches = data_lib.decode_bars(scores)
            bars.append(pitches)
            if use_previous:
                previous = data_lib.one_hot_bars(pitches)
        bars = np.stack(bars, axis=1)
        return [bars[i, : len(p)] for i, p in enumerate(progressions)]

    def generate_melody(self, chords, seed=0, use_previous=True, primer=None):
        """One melody over `chords` ("C G Am F" or `(bars, 2)`): `(bars, 16)`."""
        if isinstance(chords, str) or (len(chords) and isinstance(chords[0], str)):
            chords = data_lib.parse_chords(chords)
        return self.generate_melodies([chords], seed, use_previous, primer)[0]

    # === Config ===
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rows": self.rows,
                "width": self.width,
                "dense_units": self.dense_units,
                "label_smoothing": self.label_smoothing,
                "feature_matching_weight": self.feature_matching_weight,
                "mean_bar_weight": self.mean_bar_weight,
                "generator_updates": self.generator_updates,
            }
        )
        return config
