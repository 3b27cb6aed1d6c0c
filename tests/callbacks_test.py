import csv
import os

import numpy as np
import pytest
import keras

from keras_gan import callbacks
from keras_gan import images
from keras_gan import testing
from keras_gan.models import ACGAN, ConditionalGAN, DCGAN, UnrolledGAN, WGAN


def _fit(model, cbs, epochs=2, steps=4):
    x, y = testing.fake_batch(model, 16 * steps)
    data = (x, y) if model.num_classes else (x,)
    return model.fit(*data, batch_size=16, epochs=epochs, callbacks=cbs, verbose=0)


def test_sample_grid_writes_zero_padded_grids_from_a_fixed_seed(tmp_path):
    model = testing.tiny_model(DCGAN)
    cb = callbacks.SampleGrid(str(tmp_path), every=2, num=16, seed=5, scale=1)
    _fit(model, [cb], epochs=4)
    assert sorted(os.listdir(tmp_path)) == ["samples_epoch_0002.png", "samples_epoch_0004.png"]
    grid = keras.utils.img_to_array(keras.utils.load_img(cb.last_path, color_mode="grayscale"))
    # 4 x 4 images of 28 px with 2 px padding around each.
    assert grid.shape == (4 * 30 + 2, 4 * 30 + 2, 1)
    expected = images.make_grid(model.generate(16, seed=5))
    np.testing.assert_array_equal(grid.astype("uint8"), expected)


def test_sample_grid_of_conditional_model_has_one_class_per_column(tmp_path):
    model = testing.tiny_model(ConditionalGAN, num_classes=4)
    cb = callbacks.SampleGrid(str(tmp_path), num=8, scale=1)
    _fit(model, [cb], epochs=1)
    grid = keras.utils.img_to_array(keras.utils.load_img(cb.last_path, color_mode="grayscale"))
    assert grid.shape == (2 * 30 + 2, 4 * 30 + 2, 1)


def test_loss_plot_records_and_continues_across_fits(tmp_path):
    model = testing.tiny_model(DCGAN)
    csv_path, png_path = str(tmp_path / "l.csv"), str(tmp_path / "l.png")
    _fit(model, [callbacks.LossPlot(csv_path, png_path, every_steps=2)], epochs=2)
    _fit(model, [callbacks.LossPlot(csv_path, png_path, every_steps=2)], epochs=1)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [2, 4, 6, 8, 10, 12]
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(rows[0])
    assert os.path.getsize(png_path) > 10_000


def test_time_limit_stops_training():
    model = testing.tiny_model(DCGAN)
    cb = callbacks.TimeLimit(1e-6)
    history = _fit(model, [cb], epochs=5)
    assert cb.stopped and len(history.epoch) == 1
    assert model.g_optimizer.iterations.numpy() == 1


def test_make_grid_and_uint8_mapping():
    batch = np.stack([np.full((2, 3, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    np.testing.assert_array_equal(images.to_uint8(batch)[:, 0, 0, 0], [0, 128, 255])
    grid = images.make_grid(batch, columns=3, padding=1)
    assert grid.shape == (4, 13, 1)
    assert grid[1, 1, 0] == 0 and grid[1, 5, 0] == 128 and grid[1, 9, 0] == 255


def test_loss_plot_rows_are_window_means_not_running_means(tmp_path):
    values = [1.0, 3.0, 5.0, 7.0, 2.0, 4.0]
    cb = callbacks.LossPlot(str(tmp_path / "l.csv"), str(tmp_path / "l.png"), every_steps=2)
    import types

    cb.set_model(types.SimpleNamespace(metrics=[types.SimpleNamespace(name="d_loss")]))
    cb._step = 0
    for epoch, chunk in enumerate((values[:4], values[4:])):
        cb.on_epoch_begin(epoch)
        for batch in range(len(chunk)):
            running = float(np.mean(chunk[: batch + 1]))
            cb.on_train_batch_end(batch, {"d_loss": running})
    with open(tmp_path / "l.csv") as f:
        rows = [float(r["d_loss"]) for r in csv.DictReader(f)]
    np.testing.assert_allclose(rows, [2.0, 6.0, 3.0])


class _Poison(keras.callbacks.Callback):
    """Writes NaN into D's first kernel at one step."""

    def __init__(self, at_step):
        super().__init__()
        self.at_step, self.step = at_step, 0

    def on_train_batch_begin(self, batch, logs=None):
        self.step += 1
        if self.step == self.at_step:
            v = self.model.discriminator.trainable_variables[0]
            v.assign(np.full(v.shape, np.nan, "float32"))


class _Record(keras.callbacks.Callback):
    """Copies every weight and both optimizers' state at the end of the given steps."""

    def __init__(self, steps):
        super().__init__()
        self.steps, self.step, self.states = steps, 0, {}

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step in self.steps:
            model = self.model
            self.states[self.step] = [np.array(v.numpy()) for v in (
                model.generator.variables + model.discriminator.variables
                + model.d_optimizer.variables + model.g_optimizer.variables)]


def test_training_health_rolls_back_nan_and_continues():
    model = testing.tiny_model(DCGAN)
    health = callbacks.TrainingHealth(snapshot_every=2)
    record = _Record({2, 4})  # After health: it sees the rolled-back state.
    import warnings as w
    with w.catch_warnings(record=True) as caught:
        w.simplefilter("always")
        history = _fit(model, [_Poison(at_step=4), health, record], epochs=2, steps=4)
    assert health.rollbacks == 1
    assert any("rolled back" in str(c.message) and "step 4" in str(c.message) for c in caught)
    # Step 4's NaN is undone to exactly the snapshot of step 2: weights,
    # batch-norm statistics and both optimizers (their step counters too).
    for a, b in zip(record.states[2], record.states[4]):
        np.testing.assert_array_equal(a, b)
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 8 - 2
    for v in model.generator.variables + model.discriminator.variables:
        assert np.isfinite(v.numpy()).all()
    assert np.isfinite(history.history["d_loss"][-1])


def test_training_health_stops_on_nan_when_asked():
    model = testing.tiny_model(DCGAN)
    health = callbacks.TrainingHealth(on_nan="stop")
    import warnings as w
    with w.catch_warnings(record=True):
        w.simplefilter("always")
        history = _fit(model, [_Poison(at_step=2), health], epochs=3, steps=4)
    assert len(history.epoch) == 1 and "losses became NaN" in health.alarms[0]


def test_training_health_alarms_when_d_wins_and_on_collapse():
    model = testing.tiny_model(DCGAN)
    health = callbacks.TrainingHealth(
        real_images=testing.fake_batch(model, 64)[0], check_every=1, d_win_patience=3
    )
    health.set_model(model)
    health.on_train_begin()
    import warnings as w
    with w.catch_warnings(record=True):
        w.simplefilter("always")
        for step in range(3):
            logs = {"d_loss": 0.01, "g_loss": 6.0, "d_real": 0.999, "d_fake": 0.001}
            health.on_train_batch_end(step, logs)
        assert logs["d_wins_alarm"] == 1.0 and "won outright" in health.alarms[0]
        # A generator whose output ignores z: every sample is the same image.
        last = model.generator.layers[-2]
        last.kernel.assign(np.zeros(last.kernel.shape, "float32"))
        logs = {}
        health.on_epoch_end(0, logs)
        # One collapsed epoch is not yet an alarm (collapse_patience=2).
        assert logs["diversity_ratio"] < 0.01 and logs["collapse_alarm"] == 0.0
        assert len(health.alarms) == 1
        health.on_epoch_end(1, logs)
    assert logs["collapse_alarm"] == 1.0 and "Mode collapse" in health.alarms[-1]
    assert "after epoch 2" in health.alarms[-1] and "2 epochs in a row" in health.alarms[-1]
    assert "Try a Wasserstein or unrolled GAN" in health.alarms[-1]


def test_one_low_early_epoch_is_not_a_collapse_alarm():
    # The diversity ratios one ACGAN run logged in its first epochs: a young
    # generator's samples are alike, then spread out.
    model = testing.tiny_model(DCGAN)
    health = callbacks.TrainingHealth(real_images=testing.fake_batch(model, 16)[0])
    health.set_model(model)
    health.on_train_begin()
    ratios = iter([0.49, 0.60, 0.45, 0.40, 0.30, 0.70])
    health._diversity = lambda images: next(ratios) * health._real_diversity
    import warnings as w
    with w.catch_warnings(record=True):
        w.simplefilter("always")
        flags = []
        for epoch in range(6):
            logs = {}
            health.on_epoch_end(epoch, logs)
            flags.append(logs["collapse_alarm"])
    # Epoch 1 alone stays quiet; epochs 3-5 are one streak: one alarm, flagged
    # until the ratio recovers.
    assert flags == [0.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    assert len(health.alarms) == 1 and "after epoch 4" in health.alarms[0]
    with pytest.raises(ValueError, match="collapse_patience must be a positive int"):
        callbacks.TrainingHealth(collapse_patience=0)


@pytest.mark.parametrize("cls, advice", [(UnrolledGAN, "--unroll_steps"), (WGAN, "--n_critic"),
                                         (ACGAN, "--g_class_weight")])
def test_collapse_alarm_advises_what_the_model_itself_can_change(cls, advice):
    # Advising an unrolled GAN to try an unrolled GAN helps no one.
    model = testing.tiny_model(cls, num_classes=4 if cls is ACGAN else None)
    health = callbacks.TrainingHealth(real_images=testing.fake_batch(model, 64)[0],
                                      collapse_patience=1)
    health.set_model(model)
    health.on_train_begin()
    last = model.generator.layers[-2]
    last.kernel.assign(np.zeros(last.kernel.shape, "float32"))
    with pytest.warns(RuntimeWarning, match="Mode collapse"):
        health.on_epoch_end(0, {})
    assert advice in health.alarms[-1] and "unrolled GAN" not in health.alarms[-1]
    if cls is UnrolledGAN:
        # The constant look-ahead (train.py's recipe) is told of the paper's.
        assert "--second_order" not in health.alarms[-1]
        model.second_order = False
        assert "--second_order" in model.collapse_advice


def test_evaluation_callback_feeds_model_checkpoint(tmp_path):
    from keras_gan import evaluation

    model = testing.tiny_model(DCGAN)
    reference = evaluation.reference_statistics(
        testing.fake_batch(model, 300)[0], extractor="fashion_mnist", cache=False
    )
    best = str(tmp_path / "best.keras")
    history = _fit(model, [
        callbacks.Evaluation(reference, num_samples=300),
        keras.callbacks.ModelCheckpoint(best, monitor="fid", mode="min", save_best_only=True),
    ], epochs=2)
    assert len(history.history["fid"]) == 2 and os.path.exists(best)
    assert {"kid", "precision", "recall", "is"} <= set(history.history)
    import pytest

    with pytest.raises(ValueError, match="every must be a positive int. Received: every=0"):
        callbacks.Evaluation(reference, every=0)


def test_tensorboard_images_and_scalars(tmp_path):
    import tensorflow as tf

    model = testing.tiny_model(DCGAN)
    log_dir = str(tmp_path / "tb")
    _fit(model, [keras.callbacks.TensorBoard(log_dir),
                 callbacks.TensorBoardImages(log_dir, num=9)], epochs=2)
    tags = {}
    for root, _, files in os.walk(log_dir):
        for name in files:
            for record in tf.data.TFRecordDataset(os.path.join(root, name)):
                event = tf.compat.v1.Event.FromString(record.numpy())
                for value in event.summary.value:
                    tags.setdefault(value.tag, []).append((event.step, value))
    assert [step for step, _ in tags["samples"]] == [1, 2]
    image = tf.make_ndarray(tags["samples"][0][1].tensor)
    decoded = tf.io.decode_png(image[2]).numpy()  # [width, height, png bytes]
    assert decoded.shape == (3 * 30 + 2, 3 * 30 + 2, 1)
    assert any("d_loss" in tag for tag in tags)
