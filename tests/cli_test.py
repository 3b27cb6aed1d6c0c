"""What train.py promises a user, run as a user runs it: a subprocess on
real Fashion-MNIST images (a 512-image IDX folder, so each run takes seconds)."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--batch_size=8", "--width=8", "--latent_dim=8", "--steps_per_epoch=2",
        "--num_samples=4", "--verbose=0", "--eval_every=0", "--final_eval_samples=0",
        "--export=false", "--health=false"]


def _load(path):
    import keras

    import keras_gan  # noqa: F401  (registers the classes)

    return keras.models.load_model(path)


def test_nan_losses_roll_back_at_most_three_times_or_stop(tiny_fashion_mnist, tmp_path, run_script):
    # An SGD step of 1e30 on D makes the losses NaN at the first step, and
    # again after every roll-back.
    args = [f"--dataset={tiny_fashion_mnist}", "--epochs=1", "--optimizer=sgd",
            "--d_learning_rate=1e30", *TINY, "--steps_per_epoch=8", "--health=true"]
    for on_nan, rollbacks in (("stop", 0), ("rollback", 3)):
        out = str(tmp_path / on_nan)
        result = run_script("train.py", f"--out_dir={out}", *args, f"--on_nan={on_nan}")
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("rolled back to the last good state") == rollbacks
        for n in range(1, rollbacks + 1):
            assert f"at step {n}; rolled back to the last good state (roll-back {n} of at most 3)" \
                in result.stderr
        stopped = f"Training stopped at step {rollbacks + 1}: the losses became NaN/Inf"
        assert result.stderr.count("Training stopped at step") == 1 and stopped in result.stderr
        assert "Lower the learning rates" in result.stderr
        assert "Traceback" not in result.stderr
        # No good state after step 0, so no checkpoint: NaN weights are never saved.
        assert not os.path.exists(os.path.join(out, "checkpoints", "latest.weights.h5"))


def _existing_run(out_dir, **options):
    from keras_gan import trainer

    os.makedirs(out_dir)
    config = trainer.make_config(out_dir=str(out_dir), **options)
    values = {**dataclasses.asdict(config), **config.family_options}
    del values["family_options"]
    with open(os.path.join(out_dir, "options.json"), "w") as f:
        json.dump(values, f)


@pytest.mark.parametrize("case", ["empty_folder", "image_size", "changed_option"])
def test_bad_input_is_one_sentence_on_stderr(tiny_fashion_mnist, tmp_path, case, run_script):
    out = tmp_path / "run"
    if case == "empty_folder":
        (tmp_path / "empty").mkdir()
        args, message = [f"--dataset={tmp_path / 'empty'}"], "no readable images"
    elif case == "image_size":
        args = [f"--dataset={tiny_fashion_mnist}", "--image_size=30"]
        message = "cannot produce image_shape=(30, 30, 1)"
    else:
        _existing_run(out, dataset=tiny_fashion_mnist, **{"latent_dim": 8, "width": 8})
        args = [f"--dataset={tiny_fashion_mnist}", "--model=wgan"]
        message = "--model='wgan' (was 'dcgan')"
    # As a newcomer runs it: no TF_CPP_MIN_LOG_LEVEL, so any TensorFlow
    # start-up notice would be a second line.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = run_script("train.py", f"--out_dir={out}", *args, *TINY, env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("train.py: error: ") and message in lines[0], lines[0]
    assert lines[0].endswith("."), lines[0]


@pytest.fixture(scope="module")
def mirrored_and_single(tiny_fashion_mnist, tmp_path_factory, run_script):
    """The same 3 SGD steps through train.py on one device and mirrored on 2 CPU devices."""
    root = tmp_path_factory.mktemp("strategies")
    # SGD: an update proportional to the gradient (Adam's is invariant to
    # its scale), so a replica scaling slip would show in the weights.
    # float32: in bfloat16 (--precision=auto on a CPU with avx512_bf16) a batch
    # of 8 and two of 4 round differently; measured 8e-4 apart after 3 steps.
    args = [f"--dataset={tiny_fashion_mnist}", "--epochs=1", "--optimizer=sgd",
            "--precision=float32", *TINY, "--steps_per_epoch=3"]
    runs = {}
    for name, extra in (("single", []), ("mirrored", ["--strategy=mirrored", "--cpu_devices=2"])):
        result = run_script("train.py", f"--out_dir={root / name}", *args, *extra)
        assert result.returncode == 0, result.stderr
        assert "Trained to epoch 1" in result.stdout
        runs[name] = str(root / name)
    return runs, args


@pytest.mark.xdist_group("cli_test.mirrored_and_single")  # the module fixture, built once
def test_mirrored_on_two_cpu_devices_trains_and_resumes_on_one(mirrored_and_single, tmp_path,
                                                                run_script):
    runs, args = mirrored_and_single
    assert _load(os.path.join(runs["mirrored"], "model.keras")).train_steps == 3
    # The checkpoint written under the strategy resumes on one device.
    out = str(tmp_path / "resumed")
    shutil.copytree(runs["mirrored"], out)
    resumed = run_script("train.py", f"--out_dir={out}", *[a for a in args if a != "--epochs=1"],
                         "--epochs=2")
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming" in resumed.stdout and "at step 3 (epoch 2, batch 1)" in resumed.stdout
    assert _load(os.path.join(out, "model.keras")).train_steps == 6


@pytest.mark.xdist_group("cli_test.mirrored_and_single")  # the module fixture, built once
def test_mirrored_through_train_py_equals_one_device(mirrored_and_single):
    # The same batches, noise and updates: 1.2e-7 apart when measured. (Before
    # data.load made its shuffle once per iterator, 5e-3: fit under a strategy
    # peeks at a batch with a first iterator and trained on a reshuffled second.)
    runs, _ = mirrored_and_single
    a = _load(os.path.join(runs["single"], "model.keras"))
    b = _load(os.path.join(runs["mirrored"], "model.keras"))
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, atol=1e-5)


# The process train.py --help runs in reports what it imported.
_HELP_PROBE = """
import runpy, sys
sys.argv = ["train.py", sys.argv[1]]
try:
    runpy.run_path("train.py", run_name="__main__")
except SystemExit:
    pass
print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("flag", ["--help", "--helpfull"])
def test_help_answers_without_importing_tensorflow(flag):
    result = subprocess.run([sys.executable, "-c", _HELP_PROBE, flag], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr[-2000:]
    # Every family's models and options are listed all the same.
    for text in ("--model", "dcgan", "pix2pix", "stylegan", "stackgan", "midinet",
                 "--dense_units", "--stage", "--max_width", "--l1_weight", "--precision"):
        assert text in result.stdout, text
