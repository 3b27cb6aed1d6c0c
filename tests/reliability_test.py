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
    assert "Traceback" not in stderr
    # model.keras is written at the checkpoint's step: the same networks,
    # both optimizers (G's holds the weight average) and samples (the
    # averaged copy's batch-norm statistics are derived when it samples).
    saved = keras.models.load_model(os.path.join(out, "model.keras"))
    checkpointed = testing.checkpointed_dcgan(out)
    assert checkpointed.g_optimizer.iterations.numpy() == step
    assert saved.train_steps == checkpointed.train_steps == step
    for network in ("generator", "discriminator"):
        for a, b in zip(getattr(saved, network).get_weights(),
                        getattr(checkpointed, network).get_weights()):
            np.testing.assert_array_equal(a, b)
    for name in ("d_optimizer", "g_optimizer"):
        for a, b in zip(getattr(saved, name).variables, getattr(checkpointed, name).variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(saved.generate(8, seed=3), checkpointed.generate(8, seed=3))


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


# === Round two (issue 22): run directories, full disks ===

QUICK = ["--epochs=1", "--steps_per_epoch=5", "--batch_size=16", "--width=8",
         "--latent_dim=8", "--num_samples=4", "--verbose=0", "--eval_every=0",
         "--final_eval_samples=0", "--export=false", "--health=false"]


def _files(directory):
    out = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, directory)] = f.read()
    return out


def _train_py(out_dir, *flags, timeout=300):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), f"--out_dir={out_dir}", *QUICK, *flags],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout)


@needs_fashion_mnist
def test_finished_run_run_again_trains_nothing_and_changes_no_file(tmp_path):
    out = str(tmp_path / "run")
    first = _train_py(out)
    assert first.returncode == 0, first.stderr
    before = _files(out)
    assert "model.keras" in before and "options.json" in before
    # The same command, and one asking for fewer steps than the run made.
    for flags in ((), ("--steps_per_epoch=3",)):
        again = _train_py(out, *flags)
        assert again.returncode == 0, again.stderr
        assert "nothing to train" in again.stdout and "Resuming" not in again.stdout
        assert "Traceback" not in again.stderr
        assert _files(out) == before
    # Killed after its last checkpoint but before model.keras: the re-run
    # trains nothing and writes the missing final files.
    os.remove(os.path.join(out, "model.keras"))
    again = _train_py(out)
    assert again.returncode == 0, again.stderr
    assert "nothing to train" not in again.stdout and "Trained to epoch 1" in again.stdout
    assert os.path.exists(os.path.join(out, "model.keras"))
    after = _files(out)
    for name in ("checkpoints/latest.weights.h5", "checkpoints/previous.weights.h5"):
        assert after.get(name) == before.get(name)


def test_out_dir_that_is_a_file_or_under_a_file_is_one_sentence(tmp_path):
    from keras_gan import trainer

    path = tmp_path / "file"
    path.write_text("not a directory")
    with pytest.raises(ValueError, match=r"--out_dir=.*file is a file, not a directory"):
        trainer.train(trainer.TrainConfig(out_dir=str(path)))
    with pytest.raises(ValueError, match=r"could not be created \(Not a directory"):
        trainer.train(trainer.TrainConfig(out_dir=str(path / "run")))
    assert path.read_text() == "not a directory"


def test_a_locked_run_directory_names_the_process_holding_it(tmp_path):
    from keras_gan import run_dir

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from keras_gan import run_dir; "
         f"run_dir.claim({str(tmp_path)!r}); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(run_dir.RunDirectoryError,
                           match=rf"in use by another training run \(pid {holder.pid}: .*python"):
            run_dir.claim(str(tmp_path))
    finally:
        holder.kill()
        holder.wait(timeout=30)
    # The lock dies with its process: nothing stale is left behind.
    run_dir.guarded(lambda config: run_dir.claim(config.out_dir))(
        type("Config", (), {"out_dir": str(tmp_path)}))
    assert os.listdir(tmp_path) == []


@needs_fashion_mnist
def test_second_train_py_on_a_run_directory_is_refused_at_once(tmp_path):
    out = str(tmp_path / "run")
    long_run = _command(out) + ["--epochs=100"]
    first = subprocess.Popen(long_run, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
    try:
        latest = os.path.join(out, "checkpoints", "latest.weights.h5")
        deadline = time.monotonic() + 120
        while not os.path.exists(latest):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        start = time.monotonic()
        second = subprocess.run(long_run, capture_output=True, text=True, cwd=ROOT, timeout=120)
        seconds = time.monotonic() - start
        assert first.poll() is None, "the first run ended before the second started"
        assert second.returncode == 2, second.stderr
        assert f"in use by another training run (pid {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr and seconds < 60
        first.send_signal(signal.SIGINT)
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    step = int(stdout.split("after step ")[1].split(";")[0])
    model = testing.checkpointed_dcgan(out)
    assert model.train_steps == step
    assert sorted(os.listdir(os.path.join(out, "checkpoints"))) == [
        "latest.weights.h5", "previous.weights.h5"]


def test_checkpoint_on_a_full_disk_is_one_sentence_and_keeps_the_last_good_one(
        tmp_path, monkeypatch):
    import collections

    model = testing.tiny_model(DCGAN)
    checkpoint = callbacks.Checkpoint(str(tmp_path))
    checkpoint.set_model(model)
    model.train_on_batch(*testing.fake_batch(model))
    good = checkpoint.save()
    before = open(good, "rb").read()
    model.train_on_batch(*testing.fake_batch(model))
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(callbacks.checkpoint.shutil, "disk_usage", lambda path: usage(10**6, 10**6, 1000))

    def must_not_write(*args, **kwargs):
        raise AssertionError("HDF5 must not start a write that cannot fit")

    monkeypatch.setattr(model, "save_weights", must_not_write)
    with pytest.raises(OSError, match=r"No space left on the disk of .* to checkpoint step 2 "
                                      r".*the last good checkpoint \(step 1\) .* is kept"):
        checkpoint.save()
    assert open(good, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["latest.weights.h5"]


def test_file_system_errors_during_a_run_are_one_sentence(tmp_path):
    import errno

    from keras_gan import run_dir

    config = type("Config", (), {"out_dir": str(tmp_path)})
    for code, pattern in ((errno.ENOSPC, "No space left on the disk of .*losses.csv.*intact"),
                          (errno.EROFS, "Cannot write .*losses.csv.*make it writable")):
        def fails(config, code=code):
            raise OSError(code, os.strerror(code), os.path.join(config.out_dir, "losses.csv"))

        with pytest.raises(run_dir.RunDirectoryError, match=pattern):
            run_dir.guarded(fails)(config)

    def bug(config):
        raise OSError(errno.EBADF, "a bug, not the disk")

    with pytest.raises(OSError, match="a bug"):  # Not a file-system condition: unchanged.
        run_dir.guarded(bug)(config)


def _mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True, timeout=30)
    return done.returncode == 0


@needs_fashion_mnist
def test_train_py_on_a_really_full_disk_ends_in_one_sentence(tmp_path):
    disk = tmp_path / "disk"
    if os.geteuid() != 0 or not _mount_tmpfs(disk, "1200k"):
        pytest.skip("needs root and tmpfs to make a small disk")
    try:
        out = str(disk / "run")
        # The paper's networks without EMA: one checkpoint (~0.5 MB) fits
        # on the 1.2 MB disk, a second copy beside it does not.
        done = _train_py(out, "--epochs=2", "--steps_per_epoch=30", "--batch_size=32",
                         "--width=16", "--checkpoint_every_steps=1", "--extra_layers=0",
                         "--ema=0")
        assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
        errors = [line for line in done.stderr.splitlines() if line.startswith("train.py")]
        assert len(errors) == 1 and "No space left on the disk of" in errors[0], errors
        assert "Traceback" not in done.stderr and "Segmentation" not in done.stderr
        step = int(errors[0].split("(step ")[1].split(")")[0])
        model = testing.checkpointed_dcgan(out)
        assert model.train_steps == step >= 1
    finally:
        subprocess.run(["umount", str(disk)], timeout=30)


def test_health_check_on_a_one_image_dataset_warns_instead_of_logging_nan():
    model = testing.tiny_model(DCGAN)
    images, _ = testing.fake_batch(model, 4)
    health = callbacks.TrainingHealth(real_images=images[:1])
    with pytest.warns(RuntimeWarning, match="needs at least 2 real images; the data has 1"):
        history = model.fit(np.repeat(images[:1], 4, axis=0), batch_size=4, epochs=1,
                            verbose=0, callbacks=[health]).history
    assert "diversity_ratio" not in history
    assert all(np.isfinite(v[-1]) for v in history.values())
    two = callbacks.TrainingHealth(real_images=images[:2])
    history = model.fit(images, batch_size=4, epochs=1, verbose=0, callbacks=[two]).history
    assert np.isfinite(history["diversity_ratio"][-1])
