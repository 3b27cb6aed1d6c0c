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
