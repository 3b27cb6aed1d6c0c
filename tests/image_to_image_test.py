import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import keras

from keras_gan import export
from keras_gan import tasks
from keras_gan import testing
from keras_gan import trainer
from keras_gan.models import MODELS
from keras_gan.models import CycleGAN, ContextEncoder, Pix2Pix, SRGAN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL = [Pix2Pix, CycleGAN, SRGAN, ContextEncoder]
needs_fashion_mnist = pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="needs the dataset-fashion-mnist Debian package",
)


def _tiny(cls, **kwargs):
    kwargs = {"width": 4, "seed": 1, **kwargs}
    if cls is SRGAN:
        kwargs.setdefault("num_blocks", 1)
    if cls is CycleGAN:
        kwargs.setdefault("num_blocks", 1)
        kwargs.setdefault("pool_size", 4)
    model = cls(image_shape=(28, 28, 1), **kwargs)
    model.compile()
    return model


def _batch(model, size=4, seed=0):
    rng = np.random.default_rng(seed)
    targets = rng.uniform(-1, 1, (size, 28, 28, 1)).astype("float32")
    if isinstance(model, SRGAN):
        return targets[:, ::2, ::2], targets
    if isinstance(model, CycleGAN):
        return targets, -targets[::-1]
    return rng.uniform(-1, 1, targets.shape).astype("float32"), targets


def _networks(model):
    names = ["generator", "discriminator"]
    if isinstance(model, CycleGAN):
        names += ["inverse_generator", "inverse_discriminator"]
    return {name: getattr(model, name) for name in names}


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_train_step_updates_every_network_once_with_finite_losses(cls):
    model = _tiny(cls)
    networks = _networks(model)
    before = {name: testing.weights_of(n) for name, n in networks.items()}
    start = {name: n.get_weights() for name, n in networks.items()}
    batch = _batch(model)
    logs = model.train_on_batch(*batch, return_dict=True)
    for name, network in networks.items():
        assert testing.changed(before[name], network), f"{name} did not change"
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(logs)
    # One D update and one G update per step; the step counter follows G's.
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 1
    assert model.train_steps == 1
    # Each optimizer holds exactly its own networks' variables.
    g_ids = {id(v) for v in model.generator_variables()}
    d_ids = {id(v) for v in model.discriminator_variables()}
    assert not g_ids & d_ids
    if cls is SRGAN:
        assert "psnr" in logs and "ssim" in logs  # Their values: the test below.
    # The logs recomputed from the networks as the step found them (G's dropout makes
    # pix2pix's l1 a draw; D and CycleGAN's generators have none).
    for name, network in networks.items():
        network.set_weights(start[name])
    x, y = batch
    if cls is Pix2Pix:
        real = model.discriminator([x, y], training=True)
        np.testing.assert_allclose(logs["d_real"], np.mean(1 / (1 + np.exp(-np.asarray(real)))),
                                   rtol=1e-5)
        assert logs["l1"] > 0
    if cls is CycleGAN:
        g, f = (lambda t: np.asarray(model.generator(t, training=True)),
                lambda t: np.asarray(model.inverse_generator(t, training=True)))
        l1 = lambda a, b: np.mean(np.abs(a - b))  # noqa: E731
        np.testing.assert_allclose(logs["cycle"], l1(f(g(x)), x) + l1(g(f(y)), y), rtol=1e-5)
        np.testing.assert_allclose(logs["identity"], l1(g(y), y) + l1(f(x), x), rtol=1e-5)


def test_srgan_logs_the_psnr_of_the_step_s_super_resolved_images():
    model = _tiny(SRGAN)
    low, high = _batch(model)
    before = model.generator.get_weights()
    logs = model.train_on_batch(low, high, return_dict=True)
    # The step scores the generator's output before its own update (D is updated first).
    model.generator.set_weights(before)
    fake = np.asarray(model.generator(low, training=True), "float64")
    # PSNR on [0, 1] images, per image, then the batch mean: 10 log10(1 / MSE).
    mse = np.mean(((fake + 1) / 2 - (high + 1) / 2) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(logs["psnr"], np.mean(10 * np.log10(1.0 / mse)), rtol=1e-5)


def test_srgan_feature_content_loss_leaves_the_feature_network_alone():
    model = _tiny(SRGAN, content_loss="fashion_mnist")
    network = model._content.model
    frozen = [np.array(w) for w in network.get_weights()]
    logs = model.train_on_batch(*_batch(model), return_dict=True)
    assert np.isfinite(logs["content"])
    for a, b in zip(frozen, network.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Not in the model's weights: rebuilt from content_loss on load.
    assert not {id(v) for v in network.weights} & {id(v) for v in model.weights}


@needs_fashion_mnist
@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_keras_round_trip_same_outputs_optimizer_state_and_next_step(cls, tmp_path):
    model = _tiny(cls)
    batch = _batch(model)
    model.train_on_batch(*batch)
    model.train_on_batch(*batch)
    loaded = testing.assert_round_trip(model, str(tmp_path), _batch(model, seed=1))
    inputs = _batch(model, seed=2)[0]
    np.testing.assert_array_equal(model.translate(inputs), loaded.translate(inputs))
    # Every option survives (the networks' auto-generated layer names differ).
    scalars = lambda m: {k: v for k, v in m.get_config().items()  # noqa: E731
                         if k not in m.network_names}
    assert scalars(loaded) == scalars(model)
    if cls is CycleGAN:
        np.testing.assert_array_equal(model.pool_a.numpy(), loaded.pool_a.numpy())
        assert int(loaded.pool_count.numpy()) == 4


@pytest.mark.parametrize("cls", [CycleGAN, ContextEncoder], ids=lambda c: c.__name__)
def test_checkpoint_weights_resume_the_exact_step(cls, tmp_path):
    # CycleGAN's image pools and the random masks are state a checkpoint must keep.
    kwargs = {"mask": "random"} if cls is ContextEncoder else {}
    model = _tiny(cls, **kwargs)
    model.train_on_batch(*_batch(model))
    path = str(tmp_path / "ckpt.weights.h5")
    model.save_weights(path)
    resumed = _tiny(cls, seed=99, **kwargs)
    resumed.load_weights(path)
    assert resumed.train_steps == 1
    a = model.train_on_batch(*_batch(model, seed=3), return_dict=True)
    b = resumed.train_on_batch(*_batch(model, seed=3), return_dict=True)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_history_pool_fills_then_swaps_half():
    model = _tiny(CycleGAN, pool_size=4)
    first = [np.full((2, 28, 28, 1), v, "float32") for v in (1.0, 2.0)]
    out_a, out_b = model._query_pools(*first)
    np.testing.assert_array_equal(out_a, first[0])  # Filling: the new fakes.
    model._query_pools(np.full((2, 28, 28, 1), 3.0, "float32"), first[1])
    assert int(model.pool_count.numpy()) == 4
    assert sorted(np.unique(model.pool_a.numpy())) == [1.0, 3.0]
    from_pool = 0
    for step in range(20):
        new = 10.0 + step
        out = model._query_pools(np.full((2, 28, 28, 1), new, "float32"), first[1])[0]
        values = out.numpy()[:, 0, 0, 0]
        # An output is the new fake or an earlier one taken from the pool,
        # whose slot the new fake then takes.
        assert set(values) <= {1.0, 3.0, *np.arange(10.0, new + 1)}
        from_pool += int((values != new).sum())
        assert new in model.pool_a.numpy() or (values == new).all()
    # Full pool: each image comes from the pool with probability 1/2 (of 40).
    assert 8 < from_pool < 32
    assert int(model.pool_count.numpy()) == 4


def test_masks():
    center = keras.ops.convert_to_numpy(tasks.center_mask(28, 28))
    assert center.shape == (28, 28, 1) and center.sum() == 14 * 14 and center[14, 14, 0] == 1
    masks = keras.ops.convert_to_numpy(tasks.random_block_masks(16, 28, 28, seed=3))
    again = keras.ops.convert_to_numpy(tasks.random_block_masks(16, 28, 28, seed=3))
    np.testing.assert_array_equal(masks, again)
    assert masks.shape == (16, 28, 28, 1) and set(np.unique(masks)) == {0.0, 1.0}
    area = masks.mean(axis=(1, 2, 3))
    assert (area >= 7 * 7 / 784).all() and (area <= 3 * 14 * 14 / 784).all()
    assert len({m.tobytes() for m in masks}) == 16


def test_context_encoder_keeps_the_context():
    model = _tiny(ContextEncoder)
    images = _batch(model)[1]
    out = model.translate(images)
    hole = keras.ops.convert_to_numpy(tasks.center_mask(28, 28))
    np.testing.assert_allclose(out * (1 - hole), images * (1 - hole), atol=1e-6)
    assert not np.allclose(out * hole, images * hole)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Pix2Pix(l1_weight=-1), "l1_weight must be >= 0"),
        (lambda: CycleGAN(domains="7"), "domains must name two different class ids"),
        (lambda: CycleGAN(pool_size=-1), "pool_size must be an int >= 0"),
        (lambda: SRGAN(content_loss="vgg"), "content_loss must be one of"),
        (lambda: SRGAN(image_shape=(30, 30, 1), scale=4), "does not divide by scale=4"),
        (lambda: ContextEncoder(mask="ring"), "mask must be one of"),
        (lambda: Pix2Pix(width=0), "width must be a positive int"),
        (lambda: Pix2Pix(image_shape=(28, 28, 1),
                         discriminator=keras.Sequential([keras.Input((28, 28, 1)),
                                                         keras.layers.Flatten()])),
         "discriminator is conditional"),
    ],
)
def test_argument_errors_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.fixture(scope="module", params=ALL, ids=lambda c: c.__name__)
def exported(request, tmp_path_factory):
    model = _tiny(request.param)
    model.train_on_batch(*_batch(model))
    directory = str(tmp_path_factory.mktemp("exports"))
    info = export.export(model, directory)
    return model, directory, info


@pytest.mark.xdist_group("image_to_image_test.exported")  # the module fixture, built once
def test_export_parity_of_every_form(exported):
    model, directory, info = exported
    diffs = export.check_parity(model, info["files"], num=5, seed=3)
    print(type(model).__name__, diffs)
    assert diffs["saved_model"] <= 1e-5
    assert diffs["tflite_float32"] <= 1e-4
    assert diffs["tflite_float16"] <= 1e-2
    # README: the rounded float output, up to one level where the graph's
    # own dequantization moves a value across a half by an ulp (CycleGAN,
    # deterministically, in the full suite: 1).
    assert diffs["uint8"] <= 1
    meta = json.load(open(os.path.join(directory, "generator.json")))
    assert meta["task"] == model.task and meta["image_shape"] == [28, 28, 1]
    assert meta["input_shape"] == ([14, 14, 1] if isinstance(model, SRGAN) else [28, 28, 1])
    assert os.path.exists(os.path.join(info["files"]["saved_model"], "assets.extra",
                                       "tf_serving_warmup_requests"))


@pytest.mark.xdist_group("image_to_image_test.exported")  # the module fixture, built once
def test_served_signatures(exported):
    model, _, info = exported
    loaded = tf.saved_model.load(info["files"]["saved_model"])
    shape = model.input_shape_for_export
    images = np.random.default_rng(5).integers(0, 256, (3, *shape)).astype("uint8")
    out = loaded.signatures["translate_uint8"](images=tf.constant(images))["images"].numpy()
    assert out.dtype == np.uint8 and out.shape == (3, 28, 28, 1)
    floats = loaded.signatures["serving_default"](
        images=tf.constant(images.astype("float32") / 127.5 - 1))["images"].numpy()
    # The uint8 signature scales its input in the graph, the float one gets
    # numpy's scaling: an ulp apart, a value on a .5 boundary may round
    # either way (measured: 1 pixel of 2352 for CycleGAN). check_parity's
    # uint8 comparison, on identical inputs, is exact (above).
    assert np.abs(out.astype(int) - np.round((floats + 1) * 127.5).astype(int)).max() <= 1
    if isinstance(model, ContextEncoder):
        masks = np.broadcast_to(keras.ops.convert_to_numpy(tasks.center_mask(28, 28)),
                                (3, 28, 28, 1)).astype("float32")
        inpainted = loaded.signatures["inpaint"](
            images=tf.constant(images.astype("float32") / 127.5 - 1),
            masks=tf.constant(masks))["images"].numpy()
        np.testing.assert_allclose(inpainted, floats, atol=1e-6)


@pytest.mark.xdist_group("image_to_image_test.exported")  # the module fixture, built once
def test_export_refuses_to_overwrite_and_loads_keras_files(exported, tmp_path):
    model, directory, _ = exported
    with pytest.raises(export.ExportError, match="exists already"):
        export.export(model, directory, version=1)
    if isinstance(model, Pix2Pix):
        path = str(tmp_path / "model.keras")
        model.save(path)
        info = export.export(path, str(tmp_path / "exports"), tflite=())
        assert export.check_parity(model, info["files"])["saved_model"] == 0


def _config(tmp_path, model, **kwargs):
    values = dict(model=model, out_dir=str(tmp_path / model), batch_size=4, width=4,
                  steps_per_epoch=2, epochs=1, num_samples=6, verbose=0, export=False,
                  final_eval_samples=100)
    if model in ("srgan", "cyclegan"):
        values["num_blocks"] = 1  # the papers' 16 and 6 residual blocks take long to trace
    values.update(kwargs)
    return trainer.make_config(**values)


@needs_fashion_mnist
@pytest.mark.parametrize("name", ["pix2pix", "cyclegan", "inpainting"])  # srgan: below
def test_trainer_runs_each_task_and_writes_its_metric(tmp_path, name):
    assert MODELS[name].task == name
    result = trainer.train(_config(tmp_path, name))
    assert result.step == 2
    assert all(np.isfinite(v[-1]) for v in result.history.values())
    metrics = json.load(open(os.path.join(result.out_dir, "metrics.json")))
    assert metrics["task"] == name and metrics["num_examples"] == 100
    expected = {"pix2pix": "psnr", "srgan": "bicubic_psnr", "inpainting": "mean_fill_l1",
                "cyclegan": "target_accuracy"}[name]
    assert np.isfinite(metrics[expected])
    from PIL import Image

    grid = Image.open(result.last_samples)
    # One (input, output, target) triplet per row for 6 images, 28 px at scale 2.
    assert grid.size == (2 * (3 * 30 + 2), 2 * (2 * 30 + 2))


@needs_fashion_mnist
def test_trainer_resumes_a_task_run_at_the_exact_step(tmp_path):
    # Compared to 1e-5 in float32: oneDNN's bfloat16 kernels on a bf16 CPU
    # may sum in another order from run to run.
    exact = dict(precision="float32")
    first = trainer.train(_config(tmp_path, "srgan", **exact))
    second = trainer.train(_config(tmp_path, "srgan", epochs=2, **exact))
    assert first.step == 2 and second.start_step == 2 and second.step == 4
    assert second.model.num_blocks == 1
    options = json.load(open(os.path.join(second.out_dir, "options.json")))
    assert options["num_blocks"] == 1
    with pytest.raises(trainer.RunError, match=r"--num_blocks=2 \(was 1\)"):
        trainer.train(_config(tmp_path, "srgan", epochs=3, num_blocks=2, **exact))
    metrics = json.load(open(os.path.join(second.out_dir, "metrics.json")))
    assert metrics["task"] == "srgan" and np.isfinite(metrics["bicubic_psnr"])
    # The resumed run (its data stream and its state) continues where the
    # first stopped: it ends with the weights of an uninterrupted 4-step run.
    straight = trainer.train(_config(tmp_path, "srgan", epochs=2,
                                     out_dir=str(tmp_path / "straight"), **exact))
    assert straight.start_step == 0 and straight.step == 4
    for a, b in zip(straight.model.get_weights(), second.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@needs_fashion_mnist
def test_train_py_runs_pix2pix_and_exports(tmp_path):
    out = str(tmp_path / "run")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "train.py"), "--model=pix2pix", f"--out_dir={out}",
         "--batch_size=4", "--width=4", "--steps_per_epoch=2", "--epochs=1", "--l1_weight=50",
         "--num_samples=6", "--verbose=0", "--final_eval_samples=100"],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Export parity" in result.stdout and "psnr=" in result.stdout
    assert os.path.exists(os.path.join(out, "export", "generator", "1", "saved_model.pb"))
    assert os.path.exists(os.path.join(out, "export", "generator.float16.tflite"))
    model = keras.models.load_model(os.path.join(out, "model.keras"))
    assert isinstance(model, Pix2Pix) and model.l1_weight == 50 and model.train_steps == 2
