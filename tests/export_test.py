import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import keras

from keras_gan import export
from keras_gan import testing
from keras_gan.images import to_uint8
from keras_gan.models import ConditionalGAN, DCGAN, GAN, WGAN, WGANGP

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def dcgan_export(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("exports"))
    # Wide enough that weights, not the flatbuffer's overhead, set the size.
    model = testing.tiny_model(DCGAN, width=32)
    model.train_on_batch(*testing.fake_batch(model))
    info = export.export(model, directory, model_name="gen")
    return model, directory, info


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_layout_and_metadata(dcgan_export):
    model, directory, info = dcgan_export
    version = os.path.join(directory, "gen", "1")
    assert info["files"]["saved_model"] == version
    assert os.path.exists(os.path.join(version, "saved_model.pb"))
    assert os.path.exists(os.path.join(version, "assets.extra", "tf_serving_warmup_requests"))
    for variant in ("float32", "float16"):
        assert os.path.getsize(os.path.join(directory, f"gen.{variant}.tflite")) > 1000
    meta = json.load(open(os.path.join(directory, "gen.json")))
    assert meta["latent_dim"] == 8 and meta["image_shape"] == [28, 28, 1]
    assert meta["output_range"] == [-1.0, 1.0] and meta["num_classes"] is None
    # float16 stores half-size weights.
    f32 = os.path.getsize(info["files"]["tflite_float32"])
    assert os.path.getsize(info["files"]["tflite_float16"]) < 0.7 * f32
    assert not [n for n in os.listdir(os.path.join(directory, "gen")) if n.startswith(".")]


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_parity_of_every_form(dcgan_export):
    model, _, info = dcgan_export
    diffs = export.check_parity(model, info["files"], num=5, seed=3)
    assert diffs["saved_model"] <= 1e-4
    assert diffs["tflite_float32"] <= 1e-4
    assert diffs["tflite_float16"] <= 1e-2
    assert diffs["uint8"] == 0  # README: the uint8 output equals the rounded float output.


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_uint8_signature_is_rounded_float_output_and_deterministic(dcgan_export):
    model, _, info = dcgan_export
    first = tf.saved_model.load(info["files"]["saved_model"])
    second = tf.saved_model.load(info["files"]["saved_model"])
    args = {"seed": tf.constant(11, tf.int64), "count": tf.constant(4)}
    a = first.signatures["generate"](**args)["images"].numpy()
    b = second.signatures["generate"](**args)["images"].numpy()
    assert a.dtype == np.uint8 and a.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(a, b)
    z = export.sample_latent(11, 4, model.latent_dim)
    floats = first.signatures["serving_default"](z=z)["images"].numpy()
    np.testing.assert_array_equal(a, np.round((floats + 1) * 127.5).clip(0, 255).astype("uint8"))
    c = first.signatures["generate"](seed=tf.constant(12, tf.int64), count=tf.constant(4))
    assert not np.array_equal(a, c["images"].numpy())


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_wrong_latent_shape_is_one_clear_sentence(dcgan_export):
    _, _, info = dcgan_export
    loaded = tf.saved_model.load(info["files"]["saved_model"])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"z must have shape \(batch, 8\)"):
        loaded.signatures["serving_default"](z=tf.zeros((2, 5)))


def _run_warmup_records(saved_model, model_name, image_shape):
    """Parses every warm-up record, runs it on its signature; returns
    (signature, batch size, input names) per record."""
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(saved_model, "assets.extra", "tf_serving_warmup_requests")
    loaded = tf.saved_model.load(saved_model)
    seen = []
    for record in tf.data.TFRecordDataset(path):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        request = log.predict_log.request
        assert request.model_spec.name == model_name
        inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        signature = loaded.signatures[request.model_spec.signature_name]
        images = signature(**{k: tf.constant(v) for k, v in inputs.items()})["images"]
        assert images.shape[1:] == image_shape
        seen.append((request.model_spec.signature_name, int(images.shape[0]), tuple(sorted(inputs))))
    return seen


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_warmup_records_parse_and_run(dcgan_export):
    _, _, info = dcgan_export
    seen = _run_warmup_records(info["files"]["saved_model"], "gen", (28, 28, 1))
    # Both signatures at each of export.WARMUP_BATCH_SIZES (1 and 8).
    assert sorted(seen) == sorted(
        [(s, b, names) for b in export.WARMUP_BATCH_SIZES
         for s, names in (("serving_default", ("z",)), ("generate", ("count", "seed")))])
    assert export.WARMUP_BATCH_SIZES == (1, 8)


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_saved_model_cli_show_and_run(dcgan_export):
    _, _, info = dcgan_export
    path = info["files"]["saved_model"]
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    show = subprocess.run([cli, "show", "--dir", path, "--all"], capture_output=True, text=True)
    assert show.returncode == 0, show.stderr
    assert "signature_def['generate']" in show.stdout and "serving_default" in show.stdout
    for signature, inputs in (
        ("generate", "seed=3;count=2"),
        ("serving_default", f"z={[[0.5] * 8] * 2}"),
    ):
        run = subprocess.run(
            [cli, "run", "--dir", path, "--tag_set", "serve", "--signature_def", signature,
             "--input_exprs", inputs],
            capture_output=True, text=True,
        )
        assert run.returncode == 0, run.stderr
        assert "Result for output key images" in run.stdout, run.stdout


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_existing_version_is_kept_unless_overwrite(dcgan_export, tmp_path):
    model, _, _ = dcgan_export
    path = export.export_saved_model(model, str(tmp_path), "m", version=3, warmup=False)
    stamp = os.path.getmtime(os.path.join(path, "saved_model.pb"))
    with pytest.raises(export.ExportError, match="exists already"):
        export.export_saved_model(model, str(tmp_path), "m", version=3, warmup=False)
    assert os.path.getmtime(os.path.join(path, "saved_model.pb")) == stamp
    export.export_saved_model(model, str(tmp_path), "m", version=3, overwrite=True, warmup=False)
    assert export.export_saved_model(model, str(tmp_path), "m", warmup=False).endswith("4")


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_failed_export_leaves_nothing_half_written(dcgan_export, tmp_path, monkeypatch):
    model, _, _ = dcgan_export

    def broken_save(obj, path, **kwargs):
        os.makedirs(os.path.join(path, "variables"))
        open(os.path.join(path, "saved_model.pb"), "w").write("partial")
        raise OSError("No space left on device")

    monkeypatch.setattr(tf.saved_model, "save", broken_save)
    with pytest.raises(OSError, match="No space left"):
        export.export_saved_model(model, str(tmp_path), "m", version=1)
    assert os.listdir(os.path.join(tmp_path, "m")) == []


def test_conditional_export_takes_labels_and_rejects_unknown_ones(tmp_path):
    model = testing.tiny_model(ConditionalGAN, num_classes=10)
    info = export.export(model, str(tmp_path))
    diffs = export.check_parity(model, info["files"], num=10)
    assert diffs["tflite_float32"] <= 1e-4 and diffs["saved_model"] <= 1e-4
    loaded = tf.saved_model.load(info["files"]["saved_model"])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels must lie in \[0, 10\)"):
        loaded.signatures["serving_default"](z=tf.zeros((2, 8)), labels=tf.constant([1, 10]))
    assert json.load(open(tmp_path / "generator.json"))["num_classes"] == 10
    # The warm-up records carry labels, and run.
    seen = _run_warmup_records(info["files"]["saved_model"], "generator", (28, 28, 1))
    assert sorted(seen) == sorted(
        [(s, b, names) for b in (1, 8) for s, names in (
            ("serving_default", ("labels", "z")), ("generate", ("count", "labels", "seed")))])


@pytest.mark.parametrize("cls", [GAN, WGAN, WGANGP], ids=lambda c: c.__name__)
def test_gan_wgan_and_wgangp_export_and_match(cls, tmp_path):
    # One TFLite variant: the float16 conversion path is the same for every
    # model and proven on DCGAN above.
    model = testing.tiny_model(cls)
    model.train_on_batch(*testing.fake_batch(model, 4 * getattr(model, "n_critic", 1)))
    info = export.export(model, str(tmp_path), tflite=("float32",))
    diffs = export.check_parity(model, info["files"], num=5, seed=3)
    assert diffs["saved_model"] <= 1e-4 and diffs["tflite_float32"] <= 1e-4, diffs
    assert diffs["uint8"] == 0, diffs
    # Independent of the exporter's choice of network: the served images
    # are model.generate's.
    served = tf.saved_model.load(info["files"]["saved_model"]).signatures["generate"](
        seed=tf.constant(4, tf.int64), count=tf.constant(3))["images"].numpy()
    np.testing.assert_array_equal(served, to_uint8(model.generate(3, seed=4)))
    assert len(_run_warmup_records(info["files"]["saved_model"], "generator", (28, 28, 1))) == 4


def test_ema_model_exports_the_moving_average_not_the_trained_weights(tmp_path):
    model = testing.tiny_model(DCGAN, ema=0.5)
    batch = testing.fake_batch(model)
    snapshots = []
    for _ in range(2):
        model.train_on_batch(*batch)
        snapshots.append([v.numpy() for v in model.generator.trainable_weights])
    info = export.export(model, str(tmp_path), tflite=("float32",), warmup=False)
    z = export.sample_latent(0, 4, model.latent_dim).numpy()
    # The average by its definition (decay 0.5, started at the first step's
    # weights), computed here rather than taken from the exporter's network.
    # Its batch-norm statistics are the averaged network's own, measured by
    # the model (tests/ema_test.py checks that measurement); the weights are
    # averaged here.
    average = keras.models.clone_model(model.generator)
    position = {id(v): i for i, v in enumerate(model.generator.weights)}
    values = [v.numpy() for v in model.sampling_generator.weights]
    for v, first, second in zip(model.generator.trainable_weights, *snapshots):
        values[position[id(v)]] = 0.5 * first + 0.5 * second
    average.set_weights(values)
    expected = np.asarray(average(z, training=False))
    trained = np.asarray(model.generator(z, training=False))
    assert np.abs(expected - trained).max() > 1e-4
    served = tf.saved_model.load(info["files"]["saved_model"]).signatures["serving_default"](
        z=tf.constant(z))["images"].numpy()
    np.testing.assert_allclose(served, expected, atol=1e-6)
    np.testing.assert_allclose(export.run_tflite(info["files"]["tflite_float32"], z), expected,
                               atol=1e-5)


def test_mixed_precision_generator_exports_in_float32(tmp_path):
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        model = testing.tiny_model(DCGAN)
        model.train_on_batch(*testing.fake_batch(model))
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert model.generator.layers[2].compute_dtype == "bfloat16"
    copy = export.float32_generator(model.generator)
    assert all(l.compute_dtype == "float32" for l in copy.layers)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    np.testing.assert_allclose(copy(z), model.generator(z), atol=0.05)
    info = export.export(model, str(tmp_path), tflite=("float32",))
    assert export.check_parity(model, info["files"])["tflite_float32"] <= 1e-4


def test_load_gan_rejects_what_is_not_a_keras_gan_model(tmp_path):
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(export.ExportError, match="not a keras_gan GAN"):
        export.load_gan(str(tmp_path / "plain.keras"))
    model = testing.tiny_model(GAN)
    model.save(tmp_path / "gan.keras")
    data = open(tmp_path / "gan.keras", "rb").read()
    open(tmp_path / "cut.keras", "wb").write(data[: len(data) // 2])
    with pytest.raises(export.ExportError, match="could not be loaded as a keras_gan model"):
        export.load_gan(str(tmp_path / "cut.keras"))
    with pytest.raises(export.ExportError, match="does not exist"):
        export.load_gan(str(tmp_path / "missing.keras"))
    with pytest.raises(export.ExportError, match="without model.keras"):
        export.load_gan(str(tmp_path))


def test_export_py_cli(tmp_path):
    model = testing.tiny_model(DCGAN)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    model.save(run_dir / "model.keras")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "export.py"), f"--model={run_dir}",
         f"--export_dir={tmp_path / 'out'}"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "parity tflite_float16: max abs diff" in result.stdout
    bad = subprocess.run(
        [sys.executable, os.path.join(ROOT, "export.py"), f"--model={tmp_path / 'nope.keras'}"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr
    assert "Traceback" not in bad.stderr


# === Round two (issue 22): parity failures, full disks, widths ===


def _listing(directory):
    return sorted(os.path.relpath(os.path.join(r, n), directory)
                  for r, ds, fs in os.walk(directory) for n in ds + fs)


def test_export_of_a_blown_up_model_is_not_published_and_blames_the_model(tmp_path):
    # What Adam at learning rate 1e6 does to the weights within a few steps
    # (train.py --g_learning_rate=1e6): finite, far beyond float16's 65504.
    model = testing.tiny_model(DCGAN)
    kernel = model.generator.trainable_variables[0]
    kernel.assign(kernel * 1e7)
    out = tmp_path / "exports"
    with pytest.raises(export.ExportError, match=r"does not match the Keras model .* because "
                       r"the model itself is numerically unstable.*lower learning rates.*"
                       r"Nothing was written"):
        export.export(model, str(out), warmup=False)
    assert not out.exists()


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_export_failing_parity_through_the_exporter_says_so_and_keeps_the_old_one(
        dcgan_export, tmp_path, monkeypatch):
    model, _, _ = dcgan_export
    first = export.export(model, str(tmp_path), tflite=("float32",), warmup=False)
    before = {p: os.path.getmtime(os.path.join(tmp_path, p)) for p in _listing(tmp_path)}
    original = export.run_tflite
    monkeypatch.setattr(export.generator, "run_tflite", lambda *a, **k: original(*a, **k) + 0.5)
    with pytest.raises(export.ExportError, match=r"tflite_float32 max abs diff 0.5.*numerically "
                       r"stable.*the exporter is at fault.*Nothing was written"):
        export.export(model, str(tmp_path), tflite=("float32",), warmup=False,
                      version=1, overwrite=True)
    assert {p: os.path.getmtime(os.path.join(tmp_path, p)) for p in _listing(tmp_path)} == before
    assert json.load(open(tmp_path / "generator.json"))["parity"] == first["parity"]


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
@pytest.mark.parametrize("failing", ["saved_model", "tflite", "json"])
def test_full_disk_during_export_leaves_no_partial_export(dcgan_export, tmp_path, monkeypatch,
                                                          failing):
    import errno

    model, _, _ = dcgan_export

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    target = {"saved_model": (tf.saved_model, "save"),
              "tflite": (export.generator, "write_tflite"),
              "json": (export.writer, "write_json")}[failing]
    monkeypatch.setattr(*target, full)
    out = tmp_path / "new" / "exports"
    with pytest.raises(export.ExportError, match=r"No space left on the disk of .*exports "
                       r"for the export.*nothing was written"):
        export.export(model, str(out), warmup=False)
    assert not (tmp_path / "new").exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(export.ExportError, match="No space left"):
        export.export(model, str(tmp_path / "kept"), warmup=False)
    assert _listing(tmp_path / "kept") == []


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_export_into_a_read_only_directory_is_one_sentence(dcgan_export, tmp_path):
    model, _, _ = dcgan_export
    target = tmp_path / "ro"
    target.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)],
        capture_output=True, timeout=30).returncode == 0
    if not mounted:
        pytest.skip("needs root and tmpfs for a read-only directory")
    try:
        with pytest.raises(export.ExportError, match=r"Cannot write the export to .*ro.*"
                           r"Read-only file system.*pick a directory you can write to"):
            export.export(model, str(target / "exports"), warmup=False)
    finally:
        subprocess.run(["umount", str(target)], timeout=30)


@pytest.mark.xdist_group("export_test.dcgan_export")  # the module fixture, built once
def test_signatures_declare_the_latent_width_and_tflite_checks_it(dcgan_export):
    from ai_edge_litert.interpreter import Interpreter

    _, _, info = dcgan_export
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    show = subprocess.run([cli, "show", "--dir", info["files"]["saved_model"], "--tag_set",
                           "serve", "--signature_def", "serving_default"],
                          capture_output=True, text=True, timeout=120)
    assert show.returncode == 0, show.stderr
    assert "shape: (-1, 8)" in show.stdout.split("inputs['z']")[1].split("name:")[0]
    loaded = tf.saved_model.load(info["files"]["saved_model"])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"z must have shape \(batch, 8\)"):
        loaded.signatures["serving_default"](z=tf.zeros((2, 24)))
    for variant in ("float32", "float16"):
        path = info["files"][f"tflite_{variant}"]
        runner = Interpreter(model_path=path).get_signature_runner()
        assert list(runner.get_input_details()["z"]["shape_signature"]) == [-1, 8]
        assert export.run_tflite(path, np.zeros((2, 8), "float32")).shape == (2, 28, 28, 1)
        # The model itself refuses a z of 24 = 3 x 8 floats per row, which
        # its first layer would otherwise read as three rows.
        with pytest.raises(RuntimeError):
            runner(z=np.zeros((2, 24), "float32"))
        with pytest.raises(export.ExportError, match=r"z must have shape \(batch, 8\)"):
            export.run_tflite(path, np.zeros((2, 24), "float32"))
