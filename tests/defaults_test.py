"""Every model's paper settings (optimizers, losses, loss weights) as the
README's tables state them, and WGAN's Algorithm 1: a fresh real batch for
every critic update."""

import inspect

import numpy as np
import pytest
import keras
import tensorflow as tf

from keras_gan import families
from keras_gan import testing
from keras_gan import trainer
from keras_gan.families import common
from keras_gan.models import MODELS

ADAM_DCGAN = ("Adam", 2e-4, 0.5, 0.999)
# (D optimizer, G optimizer) as (class, learning rate, beta_1, beta_2); None: no such network.
OPTIMIZERS = {
    "gan": (ADAM_DCGAN, ADAM_DCGAN),
    "dcgan": (ADAM_DCGAN, ADAM_DCGAN),
    "cgan": (ADAM_DCGAN, ADAM_DCGAN),
    "lsgan": (ADAM_DCGAN, ADAM_DCGAN),
    "acgan": (ADAM_DCGAN, ADAM_DCGAN),
    "unrolled": (ADAM_DCGAN, ADAM_DCGAN),
    # Chen et al. 2016: a faster generator (1e-3) than D (2e-4).
    "infogan": (ADAM_DCGAN, ("Adam", 1e-3, 0.5, 0.999)),
    # Miyato et al. 2018's aggressive learning rate (1e-3), n_dis 1.
    "sngan": (("Adam", 1e-3, 0.5, 0.999), ("Adam", 1e-3, 0.5, 0.999)),
    "wgan": (("RMSprop", 5e-5, None, None), ("RMSprop", 5e-5, None, None)),
    "wgan_gp": (("Adam", 1e-4, 0.0, 0.9), ("Adam", 1e-4, 0.0, 0.9)),
    "vae": (None, ("Adam", 1e-3, 0.9, 0.999)),
    "pix2pix": (ADAM_DCGAN, ADAM_DCGAN),
    "cyclegan": (ADAM_DCGAN, ADAM_DCGAN),
    "srgan": (ADAM_DCGAN, ADAM_DCGAN),
    "inpainting": (ADAM_DCGAN, ADAM_DCGAN),
}
LOSSES = {"gan": "non_saturating", "dcgan": "non_saturating", "cgan": "non_saturating",
          "wgan": "wasserstein", "wgan_gp": "wasserstein", "lsgan": "least_squares",
          "sngan": "hinge", "acgan": "non_saturating", "infogan": "non_saturating",
          "unrolled": "non_saturating", "pix2pix": "non_saturating",
          "cyclegan": "least_squares"}
# Loss weights and step counts of the papers: GP 10 (Gulrajani et al.), L1 100
# (Isola et al.), cycle 10 and identity 0.5 x cycle (Zhu et al.), n_critic 5
# and clipping at 0.01 (Arjovsky et al.); the penalty at every critic update.
WEIGHTS = {"wgan_gp": {"gp_weight": 10.0, "n_critic": 5, "gp_interval": 1},
           "wgan": {"n_critic": 5, "clip_value": 0.01},
           "pix2pix": {"l1_weight": 100.0},
           "cyclegan": {"cycle_weight": 10.0, "identity_weight": 0.5, "pool_size": 50}}


def _build(name):
    cls = MODELS[name]
    if getattr(cls, "task", None):
        model = cls(image_shape=(28, 28, 1), width=4)
        model.compile()
        return model
    kwargs = {"num_classes": 4} if cls.needs_labels else {}
    return testing.tiny_model(cls, **kwargs)


def _describe(optimizer):
    if optimizer is None:
        return None
    return (type(optimizer).__name__, float(optimizer.learning_rate),
            getattr(optimizer, "beta_1", None), getattr(optimizer, "beta_2", None))


def test_every_model_is_listed():
    assert set(OPTIMIZERS) == set(MODELS)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_default_optimizers_losses_and_weights_are_the_papers(name):
    model = _build(name)
    d_expected, g_expected = OPTIMIZERS[name]
    if d_expected is None:  # The VAE: one optimizer, for encoder and decoder.
        assert len(model.optimizers) == 1
        assert _describe(model.vae_optimizer) == pytest.approx(g_expected)
    else:
        assert _describe(model.d_optimizer) == pytest.approx(d_expected)
        assert _describe(model.g_optimizer) == pytest.approx(g_expected)
    if name in LOSSES:
        assert model.loss_name == LOSSES[name]
    config = trainer.make_config(model=name)
    family = families.family_for(name)
    families_options = {o.name: o for o in family.options}
    run_options = trainer.family_options(config, family, type(model))
    for option, value in WEIGHTS.get(name, {}).items():
        assert getattr(model, option) == value, option
        # train.py leaves the value to the model (None, "the model's default"),
        # so there is no second copy that could drift, and the model is built
        # without the argument.
        if option in families_options:
            assert families_options[option].default is None, option
            recipe = family.recipes.get(name, {}).get(option)
            kwargs = common.model_kwargs(config, run_options, type(model))
            if recipe is None:
                assert option not in kwargs, option
            else:  # A declared departure of train.py's recipe (README says why).
                assert kwargs[option] == recipe != value, option
        declared = [inspect.signature(c.__init__).parameters[option].default
                    for c in type(model).__mro__
                    if option in inspect.signature(c.__init__).parameters]
        assert declared[0] == value, option


@pytest.mark.parametrize("name", ["wgan", "wgan_gp"])
def test_each_critic_update_takes_a_fresh_real_batch(name):
    model = testing.tiny_model(MODELS[name])
    seen = []
    original = model._discriminator_step

    def recording(real, labels, *args, **kwargs):
        seen.append(np.asarray(real))
        return original(real, labels, *args, **kwargs)

    model._discriminator_step = recording
    # Each image is constant with its index as value, so parts can be told apart.
    batch = np.arange(20, dtype="float32")[:, None, None, None] * np.ones((1, 28, 28, 1), "float32")
    batch = batch / 20.0
    model.train_step(tf.constant(batch))  # Eagerly: the recording sees values.
    assert len(seen) == model.n_critic == 5
    indices = [sorted(int(round(v * 20)) for v in part[:, 0, 0, 0]) for part in seen]
    # Five updates on four images each, no image twice: the batch's strided parts.
    assert indices == [list(range(k, 20, 5)) for k in range(5)]
    assert int(model.d_optimizer.iterations) == 5 and int(model.g_optimizer.iterations) == 1


def test_wgan_rmsprop_steps_as_the_reference_pytorch_code():
    """A clipped critic's gradients are tiny (RMS about 4e-6, G's 2e-8 in the
    default run's networks): WGAN's RMSprop must step as torch.optim.RMSprop
    (alpha 0.99, eps 1e-8 outside the square root) does on them, not as
    Keras's default (epsilon 1e-7 inside it), which takes 1e-4 of the step."""
    model = testing.tiny_model(MODELS["wgan"])
    lr = 5e-5
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert float(optimizer.rho) == 0.99
        for g in (1e-8, 4e-6, 1e-2):
            optimizer_copy = type(optimizer).from_config(optimizer.get_config())
            variable = keras.Variable(np.zeros((3,), "float32"))
            optimizer_copy.apply([np.full((3,), g, "float32")], [variable])
            torch_step = lr * g / (np.sqrt(0.01 * g * g) + 1e-8)  # PyTorch's first step
            assert -float(variable.numpy()[0]) == pytest.approx(torch_step, rel=0.1), g
    # Keras's default RMSprop on the same tiny gradient: 1e-4 of that step.
    variable = keras.Variable(np.zeros((1,), "float32"))
    keras.optimizers.RMSprop(lr).apply([np.full((1,), 1e-8, "float32")], [variable])
    assert -float(variable.numpy()[0]) < 1e-3 * lr


@pytest.mark.parametrize("family_name", sorted(families.FAMILIES))
def test_every_recipe_departure_is_an_option_its_model_takes(family_name):
    family = families.get(family_name)
    from keras_gan.trainer.config import GENERIC_OPTIONS

    assert families.declared_recipes(family_name) == family.recipes
    for model, recipe in family.recipes.items():
        takes = {o.name for o in family.options_for(family.models[model])}
        for option, value in recipe.items():
            assert option in takes or option in GENERIC_OPTIONS, (model, option)
            assert value is not None, (model, option)


def test_the_wgan_gp_recipe_reaches_its_optimizers_and_a_given_flag_wins():
    model = trainer.build_model(trainer.make_config(model="wgan_gp", width=8),
                                _info())
    assert model.n_critic == 1 and model.gp_interval == 8
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(model.g_optimizer.beta_1) == 0.0  # The paper's betas stay.
    model = trainer.build_model(
        trainer.make_config(model="wgan_gp", width=8, n_critic=5, d_learning_rate=1e-4,
                            g_learning_rate=1e-4, gp_interval=1), _info())
    assert model.n_critic == 5 and model.gp_interval == 1
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)


def test_the_wgan_recipe_keeps_pytorchs_rmsprop_at_its_learning_rates_and_a_given_flag_wins():
    """train.py's WGAN recipe sets learning rates on the class's optimizers: the
    RMSprop that steps as PyTorch's must survive it (Keras's default RMSprop
    stops a clipped critic, see the test above)."""
    model = trainer.build_model(trainer.make_config(model="wgan", width=8), _info())
    assert model.n_critic == 1 and model.clip_value == pytest.approx(0.1)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(8e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(8e-4)
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.RMSprop)
        assert float(optimizer.rho) == 0.99 and float(optimizer.epsilon) == 1e-16
    model = trainer.build_model(
        trainer.make_config(model="wgan", width=8, n_critic=5, g_learning_rate=5e-5,
                            clip_value=0.01), _info())
    assert model.n_critic == 5 and model.clip_value == pytest.approx(0.01)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(5e-5)


def test_the_gan_recipe_puts_batch_norm_in_the_mlp_generator_and_a_given_flag_wins():
    def norms(model):
        return sum(isinstance(l, keras.layers.BatchNormalization) for l in model.generator.layers)

    model = trainer.build_model(trainer.make_config(model="gan"), _info())
    assert model.batch_norm and norms(model) == 3
    model = trainer.build_model(trainer.make_config(model="gan", batch_norm=False), _info())
    assert not model.batch_norm and norms(model) == 0


def _info():
    from keras_gan.data.info import DatasetInfo

    return DatasetInfo(name="fashion_mnist", source="idx", image_shape=(28, 28, 1),
                       num_classes=10, num_examples=64)
