"""tf.distribute on this CPU: 2 logical devices and 2 worker processes on loopback."""

import json
import os
import socket
import subprocess
import sys

import keras

import keras_gan  # noqa: F401  (registers the model classes for load_model)
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# SGD, whose update (unlike Adam's) scales with the gradient, catches a
# replica scaling slip; Adam is the models' default. SNGAN runs DCGAN's
# train step (with spectral norm's power-iteration state on top), so
# "sngan:sgd" covers DCGAN under SGD too; WGAN-GP has its own step.
CASES = ("dcgan:default", "wgan_gp:sgd", "sngan:sgd")


@pytest.fixture(scope="module")
def strategy_reports():
    # One process for every case: the CPU is split before TensorFlow starts.
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "strategy_check.py"), *CASES],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.xdist_group("distribute_test.strategy_reports")  # the module fixture, built once
@pytest.mark.parametrize("case", CASES)
def test_mirrored_steps_equal_single_device_steps_and_checkpoints_cross(strategy_reports, case):
    report = strategy_reports[case]
    assert report["replicas"] == 2
    for key, single in report["single"].items():
        np.testing.assert_allclose(report["mirrored"][key], single, rtol=2e-5, atol=2e-5,
                                   err_msg=key)
    # The README's claim: weights agree to 1e-5. The networks moved by far
    # more, and with SGD (whose update, unlike Adam's, scales with the
    # gradient) a replica that summed instead of averaging would double it.
    assert report["weight_diff"] < 1e-5, report["weight_diff"]
    assert report["weight_change"] > 1e-3, report["weight_change"]
    for direction in ("mirrored_to_single", "single_to_mirrored"):
        assert report[direction] == {"step": 3, "weight_diff": 0.0}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_on_loopback_train_together(tmp_path):
    if not os.path.isdir("/usr/share/datasets/fashion-mnist"):
        pytest.skip("needs the dataset-fashion-mnist Debian package")
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    out = str(tmp_path / "run")
    args = [sys.executable, os.path.join(ROOT, "train.py"), f"--out_dir={out}",
            "--strategy=multiworker", "--epochs=2", "--steps_per_epoch=3", "--batch_size=16",
            "--width=8", "--latent_dim=8", "--num_samples=4", "--verbose=0", "--eval_every=0",
            "--final_eval_samples=0", "--export=false", "--health=false"]
    processes = []
    try:
        for index in range(2):
            env = {**os.environ, "TF_CONFIG": json.dumps(
                {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})}
            processes.append(subprocess.Popen(args, env=env, cwd=ROOT, text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        outputs = [p.communicate(timeout=240) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (stdout, stderr) in zip(processes, outputs):
        assert p.returncode == 0, stderr[-3000:]
        assert "Trained to epoch 2" in stdout
    # The chief (worker 0) writes the run; worker 1 keeps its files apart.
    assert os.path.exists(os.path.join(out, "checkpoints", "latest.weights.h5"))
    assert os.path.exists(os.path.join(out, "samples", "samples_epoch_0002.png"))
    chief = keras.models.load_model(os.path.join(out, "model.keras"))
    other = keras.models.load_model(os.path.join(out, "workers", "1", "model.keras"))
    assert chief.g_optimizer.iterations.numpy() == 6
    for a, b in zip(chief.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_multiworker_without_tf_config_is_one_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), f"--out_dir={tmp_path}",
         "--strategy=multiworker"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert result.returncode == 2
    assert "needs the TF_CONFIG environment variable" in result.stderr
    assert "Traceback" not in result.stderr
