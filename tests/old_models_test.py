"""`.keras` files saved by an earlier keras_gan still load, and give the same
outputs: tests/fixtures holds a tiny DCGAN and a tiny pix2pix saved (each
after one training step) by the code before the package was reorganised
(tests/fixtures/README.md names the commit), with their outputs."""

import os

import numpy as np
import pytest
import keras

from keras_gan import export
from keras_gan import testing

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


@pytest.fixture(scope="module")
def expected():
    return np.load(os.path.join(FIXTURES, "old_models_expected.npz"))


def test_old_dcgan_file_loads_samples_the_same_and_keeps_training(expected):
    model = export.load_gan(os.path.join(FIXTURES, "dcgan_v0_1.keras"))
    assert type(model).__name__ == "DCGAN"
    assert model.train_steps == int(expected["dcgan_train_steps"]) == 1
    np.testing.assert_allclose(model.generate(4, seed=3), expected["dcgan_generate_4_seed_3"],
                               rtol=0, atol=1e-6)
    model.train_on_batch(*testing.fake_batch(model, batch_size=4))
    assert model.train_steps == 2


def test_old_pix2pix_file_loads_translates_the_same_and_keeps_training(expected):
    model = keras.models.load_model(os.path.join(FIXTURES, "pix2pix_v0_1.keras"))
    assert type(model).__name__ == "Pix2Pix"
    assert model.train_steps == int(expected["pix2pix_train_steps"]) == 1
    inputs = expected["pix2pix_inputs"]
    np.testing.assert_allclose(model.translate(inputs), expected["pix2pix_translate"],
                               rtol=0, atol=1e-6)
    model.train_on_batch(inputs, inputs)
    assert model.train_steps == 2
