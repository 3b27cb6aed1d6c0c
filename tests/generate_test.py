import os
import subprocess
import sys

import numpy as np
import pytest
import keras

from keras_gan import export
from keras_gan import generate
from keras_gan import testing
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


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "keras_gan.generate", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )


def test_generate_cli_writes_grids_folders_strips_and_arithmetic(forms, tmp_path):
    _, paths = forms
    result = _cli(f"--model={paths['tflite']}", f"--out={tmp_path / 'grid.png'}", "--num=9")
    assert result.returncode == 0, result.stderr
    grid = keras.utils.load_img(tmp_path / "grid.png")
    assert grid.size == (2 * (3 * 30 + 2),) * 2
    result = _cli(f"--model={paths['saved_model']}", f"--out={tmp_path / 'pngs'}", "--folder",
                  "--num=3")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "pngs")) == ["00000.png", "00001.png", "00002.png"]
    result = _cli(f"--model={paths['keras']}", f"--out={tmp_path / 'strip.png'}",
                  "--interpolate=6")
    assert result.returncode == 0, result.stderr
    assert keras.utils.load_img(tmp_path / "strip.png").size == (2 * (6 * 30 + 2), 2 * 32)
    result = _cli(f"--model={paths['keras']}", f"--out={tmp_path / 'sum.png'}",
                  "--concept=a:1,2,3", "--concept=b:4,5", "--arithmetic=a-b")
    assert result.returncode == 0, result.stderr
    # Rows: a (3 + mean), b (2 + mean, padded), result.
    assert keras.utils.load_img(tmp_path / "sum.png").size == (2 * (4 * 30 + 2), 2 * (3 * 30 + 2))


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
    import re

    for (pattern, argv), (rc, err) in zip(cases.items(), results):
        assert rc == 2, (argv, err)
        assert re.search(pattern, err), (pattern, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not os.path.exists(tmp_path / "out.png")
    # A z of the wrong width is refused by every form, the TFLite one included.
    for path in paths.values():
        with pytest.raises(ValueError, match=r"z must have shape \(batch, 8\)"):
            generate.Sampler(path).sample(np.zeros((2, 24), "float32"))
