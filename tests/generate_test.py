import os
import re
import subprocess
import sys

import numpy as np
import pytest
import keras

from keras_gan import export
from keras_gan import generate
from keras_gan import testing
from keras_gan.images import make_grid
from keras_gan.models import ConditionalGAN, DCGAN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    directory = tmp_path_factory.mktemp("forms")
    model = testing.tiny_model(DCGAN)
    model.save(directory / "model.keras")
    info = export.export(model, str(directory / "export"), tflite=("float32",), warmup=False)
    return model, {
        "keras": str(directory / "model.keras"),
        "saved_model": info["files"]["saved_model"],
        "tflite": info["files"]["tflite_float32"],
    }


@pytest.mark.xdist_group("generate_test.forms")  # the module fixture, built once
def test_every_form_gives_the_same_images_for_a_seed(forms):
    model, paths = forms
    reference = model.generate(5, seed=21)
    for form, path in paths.items():
        sampler = generate.Sampler(path)
        assert sampler.form == form and sampler.latent_dim == 8
        images = sampler.sample(sampler.latent(21, 5))
        np.testing.assert_allclose(images, reference, atol=1e-4, err_msg=form)


def test_conditional_sampler_reads_label_count_from_every_form(tmp_path):
    model = testing.tiny_model(ConditionalGAN, num_classes=3)
    info = export.export(model, str(tmp_path), tflite=("float32",), warmup=False)
    model.save(tmp_path / "m.keras")
    for path in (str(tmp_path / "m.keras"), info["files"]["saved_model"],
                 info["files"]["tflite_float32"]):
        sampler = generate.Sampler(path)
        assert sampler.num_classes == 3
        z = sampler.latent(0, 4)
        np.testing.assert_allclose(
            sampler.sample(z, [2]), model.generate(4, seed=0, labels=[2, 2, 2, 2]), atol=1e-4
        )
        with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
            sampler.sample(z, [5])


def test_interpolation_endpoints_and_norms():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=64), rng.normal(size=64)
    path = generate.interpolate(a, b, 7)
    assert path.shape == (7, 64)
    np.testing.assert_allclose(path[0], a, rtol=1e-5)
    np.testing.assert_allclose(path[-1], b, rtol=1e-5)
    # Spherical: the middle keeps the norm of the ends; linear shrinks it.
    norms = np.linalg.norm(path, axis=1)
    assert norms.min() > 0.9 * min(np.linalg.norm(a), np.linalg.norm(b))
    linear = generate.interpolate(a, b, 7, spherical=False)
    np.testing.assert_allclose(linear[3], (a + b) / 2, rtol=1e-5)
    assert np.linalg.norm(linear[3]) < norms[3]


def test_latent_arithmetic_averages_each_concept():
    concepts = {"a": [[1.0, 0.0], [3.0, 0.0]], "b": [[0.0, 2.0]], "c": [[1.0, 1.0]]}
    means, result = generate.latent_arithmetic(concepts, "a - b + c")
    np.testing.assert_allclose(means, [[2, 0], [0, 2], [1, 1]])
    np.testing.assert_allclose(result, [3, -1])
    with pytest.raises(ValueError, match="not defined"):
        generate.latent_arithmetic(concepts, "a+d")
    with pytest.raises(ValueError, match="joined by \\+ and -"):
        generate.latent_arithmetic(concepts, "a*b")


# What a newcomer's shell has: no TF_CPP_MIN_LOG_LEVEL (conftest.py sets one for the suite).
_FRESH_ENV = {k: v for k, v in os.environ.items()
              if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_GAN_TF_LOGS")}
# TensorFlow's start-up notices (oneDNN, the CUDA stub and probe, absl's pre-init lines) and
# LiteRT's XNNPACK line.
_TF_NOISE = re.compile(r"oneDNN|TF_ENABLE_ONEDNN_OPTS|cuda|cuInit|[IWE]0000 |absl::InitializeLog"
                       r"|XNNPACK", re.IGNORECASE)


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "keras_gan.generate", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env=env or _FRESH_ENV,
    )


def _png(path):
    return np.asarray(keras.utils.load_img(path, color_mode="grayscale"))[..., None]


def _grid(images, columns=None):
    # generate.py writes grids at scale 2.
    return make_grid(images, columns).repeat(2, axis=0).repeat(2, axis=1)


@pytest.mark.xdist_group("generate_test.forms")  # the module fixture, built once
def test_generate_cli_writes_the_pixels_of_its_seeds_quietly(forms, tmp_path):
    """Every form's PNG equals the uint8 images computed here for the same
    seeds, and TensorFlow says nothing on stderr."""
    model, paths = forms
    results = []
    result = _cli(f"--model={paths['tflite']}", f"--out={tmp_path / 'grid.png'}", "--num=9",
                  "--seed=7")
    results.append(result)
    assert result.returncode == 0, result.stderr
    z = export.sample_latent(7, 9, 8).numpy()
    np.testing.assert_array_equal(_png(tmp_path / "grid.png"),
                                  _grid(export.run_tflite(paths["tflite"], z)))

    result = _cli(f"--model={paths['saved_model']}", f"--out={tmp_path / 'pngs'}", "--folder",
                  "--num=3", "--seed=5")
    results.append(result)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "pngs")) == ["00000.png", "00001.png", "00002.png"]
    import tensorflow as tf

    served = tf.saved_model.load(paths["saved_model"]).signatures["generate"](
        seed=tf.constant(5, tf.int64), count=tf.constant(3))["images"].numpy()
    np.testing.assert_array_equal(
        np.stack([_png(tmp_path / "pngs" / f"{i:05d}.png") for i in range(3)]), served)

    result = _cli(f"--model={paths['keras']}", f"--out={tmp_path / 'strip.png'}",
                  "--interpolate=6", "--seed=3", "--seed_b=4")
    results.append(result)
    assert result.returncode == 0, result.stderr
    ends = model.latent_for(1, 3)[0], model.latent_for(1, 4)[0]
    strip = model.generate_from(generate.interpolate(*map(np.asarray, ends), 6))
    np.testing.assert_array_equal(_png(tmp_path / "strip.png"), _grid(strip, columns=6))

    result = _cli(f"--model={paths['keras']}", f"--out={tmp_path / 'sum.png'}",
                  "--concept=a:1,2,3", "--concept=b:4,5", "--arithmetic=a-b")
    results.append(result)
    assert result.returncode == 0, result.stderr
    # Rows: a's three z and their mean, b's two and their mean (then a blank), a - b.
    a = np.concatenate([model.latent_for(1, s) for s in (1, 2, 3)])
    b = np.concatenate([model.latent_for(1, s) for s in (4, 5)])
    blank = -np.ones((1, 28, 28, 1), "float32")
    rows = [model.generate_from(np.concatenate([a, a.mean(0, keepdims=True)])),
            np.concatenate([model.generate_from(np.concatenate([b, b.mean(0, keepdims=True)])),
                            blank]),
            np.concatenate([model.generate_from(a.mean(0, keepdims=True) -
                                                b.mean(0, keepdims=True))] + [blank] * 3)]
    np.testing.assert_array_equal(_png(tmp_path / "sum.png"),
                                  _grid(np.concatenate(rows), columns=4))
    for result in results:
        noise = [line for line in result.stderr.splitlines() if _TF_NOISE.search(line)]
        assert not noise, noise


@pytest.mark.xdist_group("generate_test.forms")  # the module fixture, built once
def test_generate_cli_shows_tensorflow_notices_when_asked(forms, tmp_path):
    # The other side of the quiet test: with KERAS_GAN_TF_LOGS=1 the notices it looks for do
    # appear (so its pattern matches them), and nothing else changes.
    _, paths = forms
    result = _cli(f"--model={paths['keras']}", f"--out={tmp_path / 'x.png'}", "--num=1",
                  env={**_FRESH_ENV, "KERAS_GAN_TF_LOGS": "1"})
    assert result.returncode == 0, result.stderr
    assert _TF_NOISE.search(result.stderr), result.stderr


def test_generate_cli_bad_input_is_one_sentence(tmp_path):
    for args, message in (
        ([f"--model={tmp_path / 'nothing'}"], "does not exist"),
        ([f"--model={tmp_path}"], "without model.keras"),
    ):
        result = _cli(*args, f"--out={tmp_path / 'x.png'}")
        assert result.returncode == 2 and message in result.stderr
        assert "Traceback" not in result.stderr


# === Round two (issue 22): every family's exports, bad counts, seeds, outputs ===

_DRIVER = """
import json, sys
from absl import flags
from keras_gan import generate
generate._define_flags()
FLAGS = flags.FLAGS
results = []
for argv in json.loads(sys.argv[1]):
    FLAGS.unparse_flags()
    FLAGS(["generate", *argv])
    import contextlib, io
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = generate.main(["generate"])
    results.append([rc, err.getvalue()])
print("RESULTS" + json.dumps(results))
"""


def _run_cases(cases):
    import json

    done = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(cases)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.split("RESULTS")[1])


@pytest.fixture(scope="module")
def image_to_image_forms(tmp_path_factory):
    from keras_gan.models import Pix2Pix

    directory = tmp_path_factory.mktemp("pix2pix")
    model = Pix2Pix(image_shape=(28, 28, 1), width=8, seed=0)
    model.compile()
    run = directory / "run"
    run.mkdir()
    model.save(run / "model.keras")
    info = export.export(model, str(directory / "export"), tflite=("float32",), warmup=False)
    return model, {"keras": str(run), "saved_model": info["files"]["saved_model"],
                   "tflite": info["files"]["tflite_float32"]}


def test_generate_translates_images_with_every_form_of_an_image_to_image_model(
        image_to_image_forms, tmp_path):
    from PIL import Image

    model, paths = image_to_image_forms
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    # One grayscale file at the model's size, one RGB file of another size.
    Image.fromarray(rng.integers(0, 255, (28, 28), dtype=np.uint8), "L").save(inputs / "a.png")
    Image.fromarray(rng.integers(0, 255, (40, 36, 3), dtype=np.uint8), "RGB").save(inputs / "b.png")
    images, names = generate.read_images(str(inputs), (28, 28, 1))
    assert images.shape == (2, 28, 28, 1) and names == ["a", "b"]
    expected = model.translate(images)
    for form, path in paths.items():
        sampler = generate.Sampler(path)
        assert sampler.kind == "image" and sampler.input_shape == (28, 28, 1), form
        np.testing.assert_allclose(sampler.translate(images), expected, atol=1e-4, err_msg=form)
    cases = [["--model=" + paths[form], f"--input={inputs}", f"--out={tmp_path / form}",
              "--folder"] for form in paths]
    cases += [["--model=" + paths["keras"], f"--input={inputs / 'a.png'}",
               f"--out={tmp_path / 'grid.png'}"],
              ["--model=" + paths["keras"], f"--out={tmp_path / 'x.png'}"],
              ["--model=" + paths["tflite"], f"--out={tmp_path / 'x.png'}"],
              ["--model=" + paths["saved_model"], f"--out={tmp_path / 'x.png'}"]]
    results = _run_cases(cases)
    for (rc, err), form in zip(results[:3], paths):
        assert rc == 0, (form, err)
        assert sorted(os.listdir(tmp_path / form)) == ["a.png", "b.png"]
    assert results[3][0] == 0 and os.path.exists(tmp_path / "grid.png")
    for rc, err in results[4:]:
        assert rc == 2 and "Traceback" not in err
        assert "image-to-image" in err and "translates images of shape (28, 28, 1)" in err
        assert "--input=IMAGE_OR_FOLDER" in err
    assert "(Pix2Pix)" in results[4][1]


@pytest.mark.xdist_group("generate_test.forms")  # the module fixture, built once
def test_generate_refuses_bad_counts_seeds_outputs_and_nan_models_in_one_sentence(
        forms, tmp_path):
    model, paths = forms
    broken = testing.tiny_model(DCGAN)
    kernel = broken.generator.trainable_variables[0]
    kernel.assign(np.full(kernel.shape, np.nan, "float32"))
    broken.save(tmp_path / "nan.keras")
    (tmp_path / "file").write_text("a file")
    keras_model = f"--model={paths['keras']}"
    out = f"--out={tmp_path / 'out.png'}"
    cases = {
        "--num must be an int in \\[1, 100000\\]. Received: --num=0": [keras_model, out, "--num=0"],
        "Received: --num=-5": [keras_model, out, "--num=-5"],
        "--num=5000 images do not fit one grid": [keras_model, out, "--num=5000"],
        "--num must be an int in \\[1, 100000\\]. Received: --num=2000000":
            [keras_model, f"--out={tmp_path / 'many'}", "--folder", "--num=2000000"],
        f"--seed must be an int in .*Received: --seed={2**70}": [keras_model, out, f"--seed={2**70}"],
        f"--seed_b must be an int in .*Received: --seed_b={-2**64}":
            [keras_model, out, "--interpolate=3", f"--seed_b={-2**64}"],
        "--out=.*x.png lies under .*file, which is a file; pick another --out":
            [keras_model, f"--out={tmp_path / 'file' / 'x.png'}"],
        "--out=.*file is a file; --folder writes into a directory":
            [keras_model, f"--out={tmp_path / 'file'}", "--folder"],
        "weights in .*nan.keras hold NaN or Inf": [f"--model={tmp_path / 'nan.keras'}", out],
    }
    results = _run_cases(list(cases.values()))

    for (pattern, argv), (rc, err) in zip(cases.items(), results):
        assert rc == 2, (argv, err)
        assert re.search(pattern, err), (pattern, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not os.path.exists(tmp_path / "out.png")
    # A z of the wrong width is refused by every form, the TFLite one included.
    for path in paths.values():
        with pytest.raises(ValueError, match=r"z must have shape \(batch, 8\)"):
            generate.Sampler(path).sample(np.zeros((2, 24), "float32"))
