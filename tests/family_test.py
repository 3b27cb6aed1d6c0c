"""The classic GAN family beyond DCGAN/WGAN: LSGAN, SNGAN, ACGAN, InfoGAN,
Unrolled GAN, the VAE, and the options every GAN shares (EMA, DiffAugment, R1)."""

import os

import numpy as np
import pytest
import tensorflow as tf
import keras

from keras_gan import export
from keras_gan import layers
from keras_gan import testing
from keras_gan.models import ACGAN, DCGAN, GAN, InfoGAN, LSGAN, SNGAN, UnrolledGAN, VAE, WGANGP

CASES = {
    "lsgan": (LSGAN, {}),
    "sngan": (SNGAN, {}),
    "acgan": (ACGAN, {"num_classes": 4}),
    "infogan": (InfoGAN, {"categories": 4, "continuous": 2}),
    "unrolled": (UnrolledGAN, {"unroll_steps": 2}),
    "vae": (VAE, {}),
    "dcgan_ema": (DCGAN, {"ema": 0.9}),
    "dcgan_augment": (DCGAN, {"augment": "color,translation,cutout"}),
    "dcgan_r1": (DCGAN, {"r1_weight": 1.0}),
    "dcgan_lazy_r1": (DCGAN, {"r1_weight": 1.0, "r1_interval": 2}),
    "wgan_gp_lazy": (WGANGP, {"gp_interval": 2, "n_critic": 2}),
    "gan_batch_norm": (GAN, {"batch_norm": True, "ema": 0.9}),
}


def build(name):
    cls, kwargs = CASES[name]
    return testing.tiny_model(cls, **kwargs)


# The cases whose exported sampler differs from DCGAN's (export_test.py's
# subject): a label or code input, a decoder, averaged weights, an MLP. The
# others (LSGAN, SNGAN, WGAN-GP, Unrolled, augmentation, R1) change D or the
# training step only and export DCGAN's generator through the same code.
OWN_EXPORT = ("acgan", "infogan", "vae", "dcgan_ema", "gan_batch_norm")


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_round_trip_and_export(name, tmp_path):
    model = build(name)
    batch = testing.fake_batch(model)
    testing.assert_train_step_updates(model, batch)
    testing.assert_round_trip(model, str(tmp_path), batch)
    if name not in OWN_EXPORT:
        return
    info = export.export(model, str(tmp_path / "export"), warmup=False)
    parity = export.check_parity(model, info["files"])
    assert parity["saved_model"] < 1e-5 and parity["tflite_float32"] < 1e-4, parity
    assert parity["tflite_float16"] <= 1e-2, parity  # The README's bound.
    assert parity["uint8"] == 0, parity


def test_default_losses_of_the_papers():
    assert build("lsgan").loss_name == "least_squares"
    sngan = build("sngan")
    assert sngan.loss_name == "hinge"
    normalized = [l for l in sngan.discriminator.layers
                  if isinstance(l, (layers.SpectralConv2D, layers.SpectralDense))]
    assert len(normalized) == 3  # both convolutions and the output layer
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in sngan.discriminator.layers)


def test_mlp_generator_batch_norm_is_before_each_hidden_relu_and_gan_only():
    def kinds(model):
        return [type(l).__name__ for l in model.generator.layers
                if type(l).__name__ in ("Dense", "BatchNormalization", "ReLU")]

    assert kinds(testing.tiny_model(GAN)) == ["Dense", "ReLU"] * 3 + ["Dense"]
    model = build("gan_batch_norm")
    assert kinds(model) == ["Dense", "BatchNormalization", "ReLU"] * 3 + ["Dense"]
    assert [l.use_bias for l in model.generator.layers if type(l).__name__ == "Dense"] == \
        [False] * 3 + [True]
    restored = GAN.from_config(model.get_config())
    assert restored.batch_norm and kinds(restored) == kinds(model)
    with pytest.raises(ValueError, match="batch_norm shapes GAN's default MLP generator; "
                                         "DCGAN's networks set their own"):
        testing.tiny_model(DCGAN, batch_norm=True)


def _largest_singular_value(kernel):
    kernel = np.asarray(kernel)
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


@pytest.mark.parametrize("layer_cls,shape", [(layers.SpectralConv2D, (2, 8, 8, 3)),
                                             (layers.SpectralDense, (2, 24))])
def test_spectral_layers_apply_the_kernel_over_its_largest_singular_value(layer_cls, shape):
    layer = layer_cls(6, 3, padding="same") if layer_cls is layers.SpectralConv2D else layer_cls(6)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    layer(x)
    layer.kernel.assign(layer.kernel * (3.0 / _largest_singular_value(layer.kernel)))
    for _ in range(30):  # The power iteration converges across training calls.
        layer(x, training=True)
    applied = np.asarray(layer.normalized_kernel(training=False))
    assert abs(_largest_singular_value(applied) - 1.0) < 1e-3
    assert abs(_largest_singular_value(layer.kernel) - 3.0) < 1e-3  # W itself is left alone.
    plain = (keras.layers.Conv2D(6, 3, padding="same") if layer_cls is layers.SpectralConv2D
             else keras.layers.Dense(6))
    plain.build(shape)
    plain.kernel.assign(applied)
    plain.bias.assign(layer.bias)
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(plain(x)), atol=1e-5)
    restored = layer_cls.from_config(layer.get_config())
    assert restored.power_iterations == 1


def test_spectral_gradient_goes_through_sigma():
    """W / sigma(W) does not change when W is scaled, so the gradient with
    respect to W is orthogonal to W (the paper's gradient). A layer that
    only rescales the stored kernel (keras.layers.SpectralNormalization)
    passes the plain gradient instead, which grows the top singular value."""
    layer = layers.SpectralDense(5)
    x = tf.constant(np.random.default_rng(1).normal(size=(16, 12)).astype("float32"))
    layer(x, training=True)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(layer(x, training=True)))
    grad = tape.gradient(loss, layer.kernel).numpy()
    kernel = layer.kernel.numpy()
    cosine = np.sum(grad * kernel) / (np.linalg.norm(grad) * np.linalg.norm(kernel))
    assert abs(cosine) < 1e-4, cosine
    assert np.linalg.norm(grad) > 1e-3


def test_sngan_trains_under_mixed_bfloat16():
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        sngan = build("sngan")
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    logs = sngan.train_on_batch(*testing.fake_batch(sngan), return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    layer = next(l for l in sngan.discriminator.layers if isinstance(l, layers.SpectralConv2D))
    assert layer.power_u.dtype == "float32"


def test_acgan_discriminator_sees_images_only_and_classifies():
    model = build("acgan")
    assert len(model.discriminator.inputs) == 1
    head = model.discriminator.get_layer("extra")
    before = [w.numpy().copy() for w in head.weights]
    logs = model.train_on_batch(*testing.fake_batch(model), return_dict=True)
    assert logs["d_class"] > 0 and logs["g_class"] > 0
    assert not np.array_equal(before[0], head.weights[0].numpy()), "class head did not train"
    with pytest.raises(ValueError, match="labels must lie in"):
        model.generate(2, labels=[0, 4])


@pytest.mark.parametrize("classify_fakes", [True, False])
def test_acgan_class_loss_on_fakes_only_when_asked(classify_fakes):
    model = testing.tiny_model(ACGAN, num_classes=4, classify_fakes=classify_fakes)
    real, labels = testing.fake_batch(model)
    labels = np.asarray(labels).reshape(-1)
    batch = len(labels)
    real_outputs = [np.zeros((batch, 1), "float32"), np.eye(4, dtype="float32")[labels] * 3]
    terms = [model.discriminator_terms(real, real, labels, None, real_outputs,
                                       [np.zeros((batch, 1), "float32"), fake_class])["d_class"]
             for fake_class in (np.eye(4, dtype="float32")[labels] * 3,
                                np.eye(4, dtype="float32")[(labels + 1) % 4] * 3)]
    real_ce = float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
        labels, real_outputs[1], from_logits=True)))
    if classify_fakes:  # Misclassified fakes cost D more.
        assert float(terms[1]) > float(terms[0]) + 1
    else:  # Only the real images count, twice.
        np.testing.assert_allclose([float(t) for t in terms], [2 * real_ce] * 2, rtol=1e-5)
    assert ACGAN.from_config(model.get_config()).classify_fakes is classify_fakes


def test_classify_fakes_reaches_acgan_through_the_trainer():
    from keras_gan import families
    from keras_gan import trainer

    family = families.family_for("acgan")
    options = trainer.family_options(trainer.make_config(model="acgan"), family, ACGAN)
    assert options["classify_fakes"] is None  # The paper's: on.
    options = trainer.family_options(trainer.make_config(model="acgan", classify_fakes=False),
                                     family, ACGAN)
    assert options["classify_fakes"] is False


def test_class_weight_reaches_acgan_through_the_trainer():
    from keras_gan import trainer
    from keras_gan.data.info import DatasetInfo

    info = DatasetInfo(name="fashion_mnist", source="idx", image_shape=(28, 28, 1),
                       num_classes=10, num_examples=64)
    default = trainer.build_model(trainer.make_config(model="acgan", width=8), info)
    # The paper's weight for D; train.py's recipe pulls G to its label more gently.
    assert default.class_weight == 1.0
    assert default.g_class_weight == pytest.approx(0.1)
    assert ACGAN(num_classes=10, width=8).g_class_weight == 1.0  # The class keeps the paper's.
    weighted = trainer.build_model(
        trainer.make_config(model="acgan", width=8, class_weight=0.1), info)
    assert weighted.class_weight == pytest.approx(0.1)
    assert ACGAN.from_config(weighted.get_config()).class_weight == pytest.approx(0.1)
    assert weighted.g_class_weight == pytest.approx(0.1)
    g_only = trainer.build_model(
        trainer.make_config(model="acgan", width=8, g_class_weight=0.25), info)
    assert (g_only.class_weight, g_only.g_class_weight) == (1.0, 0.25)
    restored = ACGAN.from_config(g_only.get_config())
    assert (restored.class_weight, restored.g_class_weight) == (1.0, 0.25)


def test_unrolled_recipe_reaches_the_model_and_a_given_flag_wins():
    from keras_gan import trainer
    from keras_gan.data.info import DatasetInfo

    info = DatasetInfo(name="fashion_mnist", source="idx", image_shape=(28, 28, 1),
                       num_classes=10, num_examples=64)
    default = trainer.build_model(trainer.make_config(model="unrolled", width=8), info)
    # train.py's recipe: one constant look-ahead step; the class keeps the paper's.
    assert (default.unroll_steps, default.second_order) == (1, False)
    assert UnrolledGAN(width=8).second_order is True
    paper = trainer.build_model(
        trainer.make_config(model="unrolled", width=8, second_order=True, unroll_steps=5), info)
    assert (paper.unroll_steps, paper.second_order) == (5, True)
    assert UnrolledGAN.from_config(default.get_config()).second_order is False


def test_acgan_g_class_weight_scales_only_generators_class_term():
    model = testing.tiny_model(ACGAN, num_classes=4, g_class_weight=0.25)
    fake, labels = testing.fake_batch(model)
    labels = np.asarray(labels).reshape(-1)
    batch = len(labels)
    outputs = [np.zeros((batch, 1), "float32"), np.eye(4, dtype="float32")[(labels + 1) % 4]]
    ce = float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
        labels, outputs[1], from_logits=True)))
    g_terms = model.generator_terms(fake, labels, None, outputs)
    d_terms = model.discriminator_terms(fake, fake, labels, None, outputs, outputs)
    np.testing.assert_allclose(float(g_terms["g_class"]), 0.25 * ce, rtol=1e-5)
    np.testing.assert_allclose(float(d_terms["d_class"]), 2 * ce, rtol=1e-5)
    with pytest.raises(ValueError, match="g_class_weight must be >= 0"):
        ACGAN(num_classes=4, g_class_weight=-1.0)


def test_infogan_q_head_and_codes():
    model = build("infogan")
    assert model.latent_dim == 8 + 4 + 2 and model.noise_dim == 8
    head = model.discriminator.get_layer("extra")
    before = head.weights[0].numpy().copy()
    g_before = testing.weights_of(model.generator)
    logs = model.train_on_batch(*testing.fake_batch(model), return_dict=True)
    assert not np.array_equal(before, head.weights[0].numpy()), "Q head did not train"
    assert testing.changed(g_before, model.generator)
    assert logs["d_info"] > 0 and logs["g_info"] > 0
    # The codes written into z are the codes the generator sees.
    z = model.latent_with_codes(3, seed=0, codes={"category": [2, 0, 3], "continuous": [0.5, -1.0]})
    codes = np.asarray(model.generator.get_layer(index=1)(z))
    np.testing.assert_array_equal(codes[:, 8:12], np.eye(4)[[2, 0, 3]])
    np.testing.assert_allclose(codes[:, 12:], [[0.5, -1.0]] * 3)
    np.testing.assert_array_equal(codes[:, :8], z[:, :8])
    # Same noise, other category: a different image.
    a = model.generate(1, seed=5, codes={"category": 0})
    b = model.generate(1, seed=5, codes={"category": 1})
    assert not np.allclose(a, b)
    images, columns = model.sweep("category", rows=3, seed=1)
    assert images.shape == (12, 28, 28, 1) and columns == 4
    images, columns = model.sweep(1, rows=2)
    assert images.shape == (16, 28, 28, 1) and columns == 8
    with pytest.raises(ValueError, match="category"):
        model.generate(2, codes={"category": 4})
    with pytest.raises(ValueError, match="code must be"):
        model.sweep(2)


def test_infogan_information_loss_is_learnable():
    """Q learns to read the categorical code back from G's samples."""
    model = testing.tiny_model(InfoGAN, categories=4, continuous=0, info_weight=1.0)
    batch = testing.fake_batch(model, batch_size=32)
    first = model.train_on_batch(*batch, return_dict=True)["d_info"]
    for _ in range(40):
        model.reset_metrics()
        last = model.train_on_batch(*batch, return_dict=True)["d_info"]
    assert first > 1.2  # ~ log 4 for a Q that cannot tell the codes apart
    assert last < 0.5 * first, (first, last)


def test_unrolling_leaves_d_alone_and_second_order_matters():
    models = [testing.tiny_model(UnrolledGAN, unroll_steps=3, second_order=s) for s in (True, False)]
    images = tf.constant(testing.fake_batch(models[0])[0])
    changes = []
    for model in models:
        d_before = testing.weights_of(model.discriminator)
        g_before = testing.weights_of(model.generator)
        model._unrolled_generator_step(images, None)
        assert not testing.changed(d_before, model.discriminator), "unrolling changed D"
        changes.append([w - v.numpy() for w, v in zip(g_before, model.generator.trainable_variables)])
    # Both models start identical (same seed): only the gradient through the
    # unrolled D updates can make their G updates differ.
    assert any(not np.allclose(a, b, atol=1e-8) for a, b in zip(*changes))


def test_the_look_ahead_discriminator_sees_images_augmented_as_d_does(monkeypatch):
    # D trains on DiffAugment-ed images; a look-ahead D fed plain ones would
    # answer a distribution D never saw.
    from keras_gan import augment as augment_lib

    model = testing.tiny_model(UnrolledGAN, unroll_steps=2, augment="translation")
    images = tf.constant(testing.fake_batch(model)[0])
    seen = []
    original = augment_lib.diff_augment
    monkeypatch.setattr(augment_lib, "diff_augment",
                        lambda x, *a, **k: seen.append(x.shape[0]) or original(x, *a, **k))
    model._unrolled_generator_step(images, None)
    # Real and fake at each of the 2 look-ahead updates, then G's fake batch.
    assert len(seen) == 2 * 2 + 1
    seen.clear()
    testing.tiny_model(UnrolledGAN, unroll_steps=2)._unrolled_generator_step(images, None)
    assert seen == []


def test_ema_generator_holds_the_moving_average():
    model = testing.tiny_model(DCGAN, ema=0.5)
    batch = testing.fake_batch(model)
    model.train_on_batch(*batch)
    first = testing.weights_of(model.generator)
    model.train_on_batch(*batch)
    second = testing.weights_of(model.generator)
    sampled = model.sampling_generator
    assert sampled is model.ema_generator
    position = {id(v): i for i, v in enumerate(model.generator.weights)}
    for a, b, v in zip(first, second, model.generator.trainable_weights):
        np.testing.assert_allclose(sampled.weights[position[id(v)]].numpy(), 0.5 * a + 0.5 * b, rtol=1e-5, atol=1e-7)
    z = model.latent_for(4, seed=3)
    np.testing.assert_allclose(model.generate(4, seed=3), sampled(z, training=False), atol=1e-6)
    assert not np.allclose(model.generate(4, seed=3), model.generator(z, training=False))


def test_r1_penalty_tracked():
    logs = build("dcgan_r1").train_on_batch(*testing.fake_batch(build("dcgan_r1")), return_dict=True)
    assert logs["r1"] > 0


@pytest.mark.parametrize("kwargs, match", [
    ({"ema": 1.0}, "ema"), ({"augment": "flip"}, "augment"), ({"r1_weight": -1.0}, "r1_weight"),
])
def test_shared_options_validated(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DCGAN(latent_dim=8, width=8, **kwargs)


def test_vae_learns_and_samples():
    model = testing.tiny_model(VAE, latent_dim=4)
    x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    x = np.where(x > 0.3, 1.0, -1.0).astype("float32")
    first = model.train_on_batch(x, return_dict=True)["loss"]
    for _ in range(30):
        model.reset_metrics()
        last = model.train_on_batch(x, return_dict=True)["loss"]
    assert last < first, (first, last)
    assert model.generate(3, seed=0).shape == (3, 28, 28, 1)
    assert model.train_steps == 31
    with pytest.raises(ValueError, match="no discriminator"):
        model.compile(d_optimizer="adam")


@pytest.mark.parametrize("name", ["lsgan", "sngan", "acgan", "infogan", "unrolled", "vae"])
def test_trainer_runs_every_new_model(tmp_path, name):
    from helpers import _config, _image_folder

    from keras_gan import trainer

    folder = _image_folder(tmp_path / "images")
    # Each model's own options (the trainer refuses another model's).
    extra = {"unrolled": {"unroll_steps": 2, "second_order": False},
             "infogan": {"categories": 3, "continuous": 1}, "vae": {}}.get(name, {})
    if name != "vae":
        extra["ema"] = 0.99
    result = trainer.train(_config(tmp_path, model=name, dataset=folder, **extra))
    assert result.model.image_shape == (16, 16, 3) and result.step == 2
    assert all(np.isfinite(v[-1]) for v in result.history.values())
    assert os.path.exists(result.last_samples)
    if name == "acgan":
        assert result.model.num_classes == 2
    if name == "unrolled":
        assert (result.model.unroll_steps, result.model.second_order) == (2, False)
    if name == "infogan":
        sweeps = sorted(os.listdir(os.path.join(result.out_dir, "samples")))
        assert "sweep_category_epoch_0001.png" in sweeps and "sweep_c0_epoch_0001.png" in sweeps


def test_train_py_infogan_end_to_end(tmp_path, run_script, tiny_fashion_mnist):
    from helpers import FAST

    out = str(tmp_path / "run")
    result = run_script("train.py", f"--out_dir={out}", "--model=infogan", "--epochs=1",
                        f"--dataset={tiny_fashion_mnist}",
                        "--categories=10", "--ema=0.99", "--augment=translation,cutout",
                        "--r1_weight=0.1", "--final_eval_samples=0",
                        *[a for a in FAST if not a.startswith("--final_eval")])
    assert result.returncode == 0, result.stderr
    assert "Export parity" in result.stdout
    assert os.path.exists(os.path.join(out, "samples", "sweep_category_epoch_0001.png"))
    history = open(os.path.join(out, "history.csv")).read().splitlines()[0].split(",")
    assert {"d_info", "g_info", "r1", "fid"} <= set(history), history


@pytest.mark.parametrize("cls, options, term", [(DCGAN, {"r1_weight": 2.0}, "r1"),
                                                 (WGANGP, {"n_critic": 1}, "gp")])
def test_a_lazy_penalty_is_the_scaled_penalty_every_nth_update(cls, options, term):
    interval = f"{term}_interval"
    model = testing.tiny_model(cls, **options, **{interval: 4})
    real = tf.constant(testing.fake_batch(model)[0])
    # fake == real: every interpolate of the gradient penalty is the real
    # batch, so its random weights do not change its value.
    terms = lambda: model.discriminator_terms(real, real, None, None, None, None)[term]
    setattr(model, interval, 1)
    full = float(terms())
    assert full > 0
    setattr(model, interval, 4)
    model.d_optimizer.iterations.assign(8)  # due
    assert np.isclose(float(terms()), 4 * full, rtol=1e-4)
    model.d_optimizer.iterations.assign(9)  # not due
    assert float(terms()) == 0.0
    # On a due update the penalty's gradient reaches D's weights through tf.cond.
    model.d_optimizer.iterations.assign(12)
    with tf.GradientTape() as tape:
        value = terms()
    grads = tape.gradient(value, model.discriminator.trainable_variables)
    assert any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)
    assert getattr(keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(model)), interval) == 4
    with pytest.raises(ValueError, match=interval):
        testing.tiny_model(cls, **options, **{interval: 0})
