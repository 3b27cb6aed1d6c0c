"""Faults a long run must survive: kills, signals, NaN, broken files, bad input."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import keras

from keras_gan import callbacks
from keras_gan import testing
from keras_gan.models import ConditionalGAN, DCGAN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_fashion_mnist = pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="needs the dataset-fashion-mnist Debian package",
)
RUN = ["--epochs=2", "--steps_per_epoch=100", "--batch_size=32", "--width=16",
       "--latent_dim=8", "--num_samples=4", "--verbose=0", "--eval_every=0",
       "--final_eval_samples=0", "--export=false", "--health=false",
       "--checkpoint_every_steps=10", "--deterministic"]


def _command(out_dir):
    return [sys.executable, os.path.join(ROOT, "train.py"), f"--out_dir={out_dir}", *RUN]


def _start_and_wait_for_checkpoint(out_dir):
    process = subprocess.Popen(_command(out_dir), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    latest = os.path.join(out_dir, "checkpoints", "latest.weights.h5")
    deadline = time.monotonic() + 120
    while not os.path.exists(latest):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no checkpoint within 120 s"
        time.sleep(0.05)
    return process


def _weights(out_dir):
    model = keras.models.load_model(os.path.join(out_dir, "model.keras"))
    return model, [w for w in model.get_weights()]


@needs_fashion_mnist
def test_sigkill_at_a_random_moment_then_rerun_matches_uninterrupted_run(tmp_path):
    reference = str(tmp_path / "uninterrupted")
    done = subprocess.run(_command(reference), capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr

    killed = str(tmp_path / "killed")
    process = _start_and_wait_for_checkpoint(killed)
    time.sleep(random.uniform(0.0, 1.5))
    process.kill()  # SIGKILL: no handler, no clean-up.
    process.wait()
    assert process.returncode == -signal.SIGKILL
    resumed = subprocess.run(_command(killed), capture_output=True, text=True, cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming" in resumed.stdout
    resumed_at = int(resumed.stdout.split("at step ")[1].split()[0])
    # At most --checkpoint_every_steps steps were lost.
    assert resumed_at % 10 == 0 and 10 <= resumed_at < 200

    a, weights_a = _weights(reference)
    b, weights_b = _weights(killed)
    assert a.g_optimizer.iterations.numpy() == b.d_optimizer.iterations.numpy() == 200
    for wa, wb in zip(weights_a, weights_b):
        np.testing.assert_array_equal(wa, wb)
    for va, vb in zip(a.g_optimizer.variables, b.g_optimizer.variables):
        np.testing.assert_array_equal(va.numpy(), vb.numpy())


@needs_fashion_mnist
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_and_sigterm_finish_the_step_checkpoint_and_exit_0(tmp_path, signum):
    out = str(tmp_path / "run")
    process = _start_and_wait_for_checkpoint(out)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    name = signal.Signals(signum).name
    assert f"Stopped by {name} after step" in stdout and "Run the same command" in stdout
    step = int(stdout.split("after step ")[1].split(";")[0])
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, width=16)
    model.compile()
    model.load_weights(os.path.join(out, "checkpoints", "latest.weights.h5"))
    assert model.g_optimizer.iterations.numpy() == step
    assert "Traceback" not in stderr


def test_checkpoint_never_saves_nan_and_survives_a_failed_write(tmp_path, monkeypatch):
    model = testing.tiny_model(DCGAN)
    checkpoint = callbacks.Checkpoint(str(tmp_path))
    checkpoint.set_model(model)
    model.train_on_batch(*testing.fake_batch(model))
    good = checkpoint.save()
    before = open(good, "rb").read()

    model.train_on_batch(*testing.fake_batch(model))
    original = model.save_weights

    def disk_full(path, overwrite=True):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model, "save_weights", disk_full)
    with pytest.raises(OSError, match="No space left"):
        checkpoint.save()
    assert open(good, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["latest.weights.h5"]
    monkeypatch.setattr(model, "save_weights", original)

    v = model.generator.trainable_variables[0]
    v.assign(np.full(v.shape, np.nan, "float32"))
    with pytest.warns(RuntimeWarning, match="hold NaN or Inf"):
        assert checkpoint.save() is None
    assert open(good, "rb").read() == before
    fresh = testing.tiny_model(DCGAN)
    assert checkpoint.restore(fresh) == 1


def test_unreadable_latest_checkpoint_falls_back_to_previous(tmp_path):
    model = testing.tiny_model(DCGAN)
    checkpoint = callbacks.Checkpoint(str(tmp_path))
    checkpoint.set_model(model)
    for _ in range(2):
        model.train_on_batch(*testing.fake_batch(model))
        checkpoint.save()
    with open(checkpoint.latest, "r+b") as f:
        f.truncate(100)
    fresh = testing.tiny_model(DCGAN)
    with pytest.warns(RuntimeWarning, match="resumed from the one before"):
        assert callbacks.Checkpoint(str(tmp_path)).restore(fresh) == 1
    with open(checkpoint.previous, "r+b") as f:
        f.truncate(100)
    with pytest.raises(ValueError, match="could be read"):
        callbacks.Checkpoint(str(tmp_path)).restore(testing.tiny_model(DCGAN))


def test_export_refuses_nan_weights(tmp_path):
    from keras_gan import export

    model = testing.tiny_model(DCGAN)
    v = model.generator.trainable_variables[0]
    v.assign(np.full(v.shape, np.inf, "float32"))
    with pytest.raises(export.ExportError, match="NaN or Inf"):
        export.export(model, str(tmp_path / "out"))
    assert not os.path.exists(tmp_path / "out")


def test_bad_batches_are_one_clear_sentence():
    model = testing.tiny_model(ConditionalGAN, num_classes=10)
    images, labels = testing.fake_batch(model)
    labels[3] = 12
    with pytest.raises(Exception, match=r"labels must lie in \[0, 10\)"):
        model.train_on_batch(images, labels)
    dcgan = testing.tiny_model(DCGAN)
    with pytest.raises(ValueError, match=r"images of shape \(32, 32, 3\).*makes \(28, 28, 1\)"):
        dcgan.train_on_batch(np.zeros((4, 32, 32, 3), "float32"))
