import json
import os
import re

import numpy as np
import pytest

from keras_gan import trainer

from helpers import FAST, _config, _image_folder

needs_fashion_mnist = pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="needs the dataset-fashion-mnist Debian package",
)


@needs_fashion_mnist
def test_train_py_end_to_end_and_resume(tmp_path, run_script, tiny_fashion_mnist):
    # Real Fashion-MNIST images, 512 of them (an IDX folder): the scores'
    # reference statistics take a second instead of the whole split's ~35 s.
    out = str(tmp_path / "run")
    data = f"--dataset={tiny_fashion_mnist}"
    first = run_script("train.py", f"--out_dir={out}", "--epochs=2", data, *FAST)
    assert first.returncode == 0, first.stderr
    for name in ("options.json", "losses.csv", "losses.png", "model.keras",
                 "samples/samples_epoch_0001.png", "samples/samples_epoch_0002.png",
                 "checkpoints/latest.weights.h5"):
        assert os.path.exists(os.path.join(out, name)), name
    options = json.load(open(os.path.join(out, "options.json")))
    assert options["model"] == "dcgan" and options["dataset"] == tiny_fashion_mnist
    assert "Model: " in first.stdout and "Trained to epoch 2" in first.stdout

    # Same command with more epochs: continues after epoch 2.
    second = run_script("train.py", f"--out_dir={out}", "--epochs=3", data, *FAST)
    assert second.returncode == 0, second.stderr
    assert "Resuming" in second.stdout and "at step 6 (epoch 3, batch 1)" in second.stdout
    assert "Trained to epoch 3" in second.stdout
    assert os.path.exists(os.path.join(out, "samples/samples_epoch_0003.png"))
    assert not os.path.exists(os.path.join(out, "samples/samples_epoch_0004.png"))

    assert "Export parity" in second.stdout
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["epoch"] == 3 and metrics["num_samples"] == 300
    with open(os.path.join(out, "history.csv")) as f:
        header, *epochs = f.read().splitlines()
    assert "fid" in header.split(",") and len(epochs) == 3
    assert os.path.exists(os.path.join(out, "export", "generator", "1", "saved_model.pb"))
    assert os.path.exists(os.path.join(out, "export", "generator.float16.tflite"))

    import keras
    from keras_gan import evaluation

    model = keras.models.load_model(os.path.join(out, "model.keras"))
    assert model.g_optimizer.iterations.numpy() == 9
    assert model.generate(2, seed=0).shape == (2, 28, 28, 1)
    # metrics.json holds the scores of exactly this model: recomputed here
    # from model.keras (300 samples, seed 0, the cached train statistics).
    again = evaluation.evaluate(model, evaluation.reference_statistics(tiny_fashion_mnist),
                                num_samples=300, seed=0)
    for key in ("fid", "kid", "precision", "recall"):
        assert again[key] == pytest.approx(metrics[key], rel=1e-4, abs=1e-6), key


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model=stylegan9"], "--model=stylegan9: value should be one of"),
        (["--dataset=no_such_dataset_xyz"], "Unknown dataset 'no_such_dataset_xyz'"),
        # Another model's option is refused before anything trains, not ignored.
        (["--l1_weight=3", "--n_critic=2"],
         "--l1_weight, --n_critic do not apply to --model=dcgan; its own options are"),
        (["--d_learning_rate=0"], "--d_learning_rate must be positive"),
    ],
)
def test_train_py_bad_input_is_one_clear_sentence(tmp_path, args, message, run_script):
    result = run_script("train.py", f"--out_dir={tmp_path}", *args, *FAST)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_train_on_an_image_folder_with_every_model(tmp_path):
    folder = _image_folder(tmp_path / "images")
    for model in ("gan", "dcgan", "cgan", "wgan", "wgan_gp"):
        result = trainer.train(
            _config(tmp_path, model=model, dataset=folder, out_dir=str(tmp_path / model))
        )
        assert result.model.image_shape == (16, 16, 3)
        assert all(np.isfinite(v[-1]) for v in result.history.values())
        assert os.path.exists(result.last_samples)
    assert result.model.num_classes is None
    cgan = trainer.train(_config(tmp_path, model="cgan", dataset=folder,
                                 out_dir=str(tmp_path / "cgan2")))
    assert cgan.model.num_classes == 2


def test_resume_from_an_image_folder_ends_where_an_uninterrupted_run_does(tmp_path):
    folder = _image_folder(tmp_path / "images")
    # float32: oneDNN's bfloat16 kernels may sum in another order run to run.
    exact = dict(dataset=folder, model="cgan", precision="float32")
    first = trainer.train(_config(tmp_path, **exact))
    resumed = trainer.train(_config(tmp_path, epochs=2, **exact))
    straight = trainer.train(_config(tmp_path, epochs=2, out_dir=str(tmp_path / "straight"),
                                     **exact))
    assert (first.step, resumed.start_step, resumed.step, straight.step) == (2, 2, 4, 4)
    for a, b in zip(straight.model.get_weights(), resumed.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(straight.model.g_optimizer.variables, resumed.model.g_optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_a_resumed_run_takes_the_learning_rates_it_is_given(tmp_path, capsys):
    folder = _image_folder(tmp_path / "images")
    trainer.train(_config(tmp_path, dataset=folder, d_learning_rate=1e-4))
    # Resumed without the flag: the checkpoint's rates stay.
    kept = trainer.train(_config(tmp_path, dataset=folder, epochs=2))
    assert float(kept.model.d_optimizer.learning_rate) == np.float32(1e-4)
    assert float(kept.model.g_optimizer.learning_rate) == np.float32(2e-4)
    assert "applies from here on" not in capsys.readouterr().out
    # Resumed with new rates (the NaN message's advice): they apply.
    lowered = trainer.train(_config(tmp_path, dataset=folder, epochs=3, d_learning_rate=5e-5,
                                    g_learning_rate=2e-4))
    assert lowered.start_step == 4
    assert float(lowered.model.d_optimizer.learning_rate) == np.float32(5e-5)
    assert float(lowered.model.g_optimizer.learning_rate) == np.float32(2e-4)
    out = capsys.readouterr().out
    assert "--d_learning_rate=5e-05 applies from here on (the checkpoint had 0.0001)." in out
    assert "--g_learning_rate" not in out
    with open(tmp_path / "run" / "options.json") as f:
        assert json.load(f)["d_learning_rate"] == 5e-5


# What the version before family options wrote into every run's options.json,
# whatever the model (the values of its defaults).
OLDER_OPTIONS_JSON = {
    "loss": "", "optimizer": "", "d_learning_rate": 0.0, "g_learning_rate": 0.0,
    "beta_1": -1.0, "beta_2": -1.0, "width": 32, "extra_layers": 2, "n_critic": 5,
    "clip_value": 0.01, "gp_weight": 10.0, "ema": 0.999, "augment": "", "r1_weight": 0.0,
    "r1_interval": 1, "categories": 10, "continuous": 2, "info_weight": 1.0,
    "code_embedding": True, "unroll_steps": 5, "l1_weight": 100.0, "cycle_weight": 10.0,
    "identity_weight": 0.5, "domains": "7,9", "content_loss": "pixel", "scale": 2,
    "mask": "center"}


def test_options_json_records_the_options_that_apply_with_null_for_the_models_own(tmp_path):
    folder = _image_folder(tmp_path / "images")
    trainer.train(_config(tmp_path, dataset=folder, model="wgan_gp", gp_weight=5.0))
    recorded = json.loads((tmp_path / "run" / "options.json").read_text())
    # WGAN-GP's own options: the one given, train.py's recipe for it (one
    # critic step), and the ones left to the model.
    assert recorded["gp_weight"] == 5.0 and recorded["n_critic"] == 1
    assert recorded["loss"] is None and recorded["beta_1"] is None
    assert recorded["width"] == 8 and recorded["extra_layers"] == 2 and recorded["ema"] == 0.999
    # Other models' options are not a WGAN-GP's.
    for name in ("categories", "unroll_steps", "clip_value", "domains", "l1_weight", "mask",
                 "dense_units", "w_dim", "family_options"):
        assert name not in recorded, name


def test_the_trainer_refuses_a_family_option_the_model_does_not_take(tmp_path):
    config = trainer.TrainConfig(model="dcgan", out_dir=str(tmp_path / "run"),
                                 family_options={"n_critic": 2})
    with pytest.raises(trainer.RunError, match="--n_critic does not apply to --model=dcgan"):
        trainer.train(config)
    assert not (tmp_path / "run").exists()


def test_an_older_options_json_resumes_and_a_changed_option_is_refused(tmp_path):
    folder = _image_folder(tmp_path / "images")
    exact = dict(dataset=folder, model="infogan")
    trainer.train(_config(tmp_path, **exact))
    options = tmp_path / "run" / "options.json"
    recorded = json.loads(options.read_text())
    assert recorded["categories"] is None and recorded["code_embedding"] is None
    options.write_text(json.dumps({**recorded, **OLDER_OPTIONS_JSON, "width": 8}))
    # categories 10 then, None (InfoGAN's 10) now: the same networks.
    resumed = trainer.train(_config(tmp_path, epochs=2, **exact))
    assert (resumed.start_step, resumed.step) == (2, 4)
    with pytest.raises(trainer.RunError, match=r"--categories=4 \(was 10\)"):
        trainer.train(_config(tmp_path, epochs=3, categories=4, **exact))
    with pytest.raises(ValueError, match="l1_weight: not an option of --model=infogan"):
        _config(tmp_path, l1_weight=1.0, **exact)


# An options.json written before an architecture option existed reads as the
# networks of that time (the option's `before`); today's default or
# recipe would build other networks, whose weights may even load unnoticed
# (the two critic norms' shapes agree), so resuming asks for the old value.
@pytest.mark.parametrize("model,option,before,now", [
    ("dcgan", "extra_layers", 0, 2),
    ("wgan_gp", "critic_norm", "layer_channels", "layer"),
    ("gan", "batch_norm", False, True),
])
def test_a_run_from_before_an_option_existed_resumes_only_with_its_networks(
        tmp_path, model, option, before, now):
    def kinds(result):
        return [type(l).__name__ for network in (result.model.generator,
                                                 result.model.discriminator)
                for l in network.layers]

    folder = _image_folder(tmp_path / "images")
    first = trainer.train(_config(tmp_path, dataset=folder, model=model, **{option: before}))
    options = tmp_path / "run" / "options.json"
    recorded = json.loads(options.read_text())
    del recorded[option]  # options.json as the earlier version wrote it
    options.write_text(json.dumps(recorded))
    with pytest.raises(trainer.RunError, match=re.escape(f"--{option}={now!r} (was {before!r})")):
        trainer.train(_config(tmp_path, dataset=folder, model=model, epochs=2))
    resumed = trainer.train(_config(tmp_path, dataset=folder, model=model, epochs=2,
                                    **{option: before}))
    assert (resumed.start_step, resumed.step) == (2, 4)
    assert kinds(resumed) == kinds(first)
    assert resumed.model.get_config()[option] == before


def test_an_older_vae_run_resumes_and_takes_its_new_learning_rate(tmp_path, capsys):
    folder = _image_folder(tmp_path / "images")
    trainer.train(_config(tmp_path, dataset=folder, model="vae"))
    options = tmp_path / "run" / "options.json"
    recorded = json.loads(options.read_text())
    # As the earlier version wrote it: every family's options, flat, with
    # "" / -1 / 0 for "the model's default", no extra_layers, EMA off. None
    # of that applies to the VAE, so none of it may block its resume.
    assert "extra_layers" not in recorded and "ema" not in recorded
    recorded.update(OLDER_OPTIONS_JSON, ema=0.0, width=8)
    del recorded["extra_layers"]
    options.write_text(json.dumps(recorded))
    resumed = trainer.train(_config(tmp_path, dataset=folder, model="vae", epochs=2,
                                    g_learning_rate=5e-4))
    assert (resumed.start_step, resumed.step) == (2, 4)
    assert float(resumed.model.vae_optimizer.learning_rate) == np.float32(5e-4)
    assert "--g_learning_rate=0.0005 applies from here on (the checkpoint had 0.001)." \
        in capsys.readouterr().out


def test_time_limit_stops_and_still_writes_everything(tmp_path):
    folder = _image_folder(tmp_path / "images")
    result = trainer.train(_config(tmp_path, dataset=folder, epochs=50, time_limit=0.01,
                                   tensorboard=True))
    assert result.step == 1 and result.epochs_done == 0
    assert os.listdir(os.path.join(result.out_dir, "tensorboard", "samples"))
    assert os.path.exists(result.model_path) and os.path.exists(result.last_samples)


def test_bad_runs_are_clear_errors(tmp_path):
    folder = _image_folder(tmp_path / "images")
    with pytest.raises(ValueError, match="cannot produce image_shape=\\(30, 30, 3\\)"):
        trainer.train(_config(tmp_path, dataset=folder, image_size=30))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no readable images"):
        trainer.train(_config(tmp_path, dataset=str(empty)))
    trainer.train(_config(tmp_path, dataset=folder))
    with pytest.raises(trainer.RunError, match="--model='wgan' \\(was 'dcgan'\\)"):
        trainer.train(_config(tmp_path, dataset=folder, model="wgan"))
    with pytest.raises(trainer.RunError, match="--epochs must be at least 1"):
        trainer.train(_config(tmp_path, dataset=folder, epochs=0))
    with pytest.raises(trainer.RunError, match="--beta_1 applies to Adam"):
        trainer.train(_config(tmp_path, dataset=folder, model="wgan", beta_1=0.5,
                              out_dir=str(tmp_path / "w")))


def test_speed_options_reach_the_model(tmp_path):
    import keras

    folder = _image_folder(tmp_path / "images", per_class=16)
    result = trainer.train(_config(
        tmp_path, dataset=folder, precision="mixed_bfloat16", steps_per_execution=2,
        steps_per_epoch=4, export=True, final_eval_samples=0))
    model = result.model
    # bfloat16 compute, float32 weights; the global policy is left alone.
    conv = [l for l in model.generator.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert conv and {l.compute_dtype for l in conv} == {"bfloat16"}
    assert {w.dtype for w in model.generator.trainable_weights} == {"float32"}
    assert keras.mixed_precision.dtype_policy().name == "float32"
    # Losses are float32 and finite; four steps ran as two executions.
    assert all(np.isfinite(v[-1]) for v in result.history.values())
    assert model.steps_per_execution == 2 and result.step == 4
    # The exports (float32 copies of G) match the Keras generator's float32 copy.
    assert result.parity["saved_model"] < 1e-4 and result.parity["tflite_float32"] < 1e-4

    xla = trainer.train(_config(tmp_path, dataset=folder, jit_compile=True,
                                out_dir=str(tmp_path / "xla")))
    assert xla.model.jit_compile is True and xla.step == 2
    with pytest.raises(trainer.RunError, match="Unknown --precision='float16'"):
        trainer.train(_config(tmp_path, dataset=folder, precision="float16",
                              out_dir=str(tmp_path / "bad")))
    with pytest.raises(trainer.RunError, match="--steps_per_execution must be at least 1"):
        trainer.train(_config(tmp_path, dataset=folder, steps_per_execution=0,
                              out_dir=str(tmp_path / "bad2")))
