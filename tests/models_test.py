import numpy as np
import pytest
import keras

from keras_gan import architectures
from keras_gan import testing
from keras_gan.models import GAN, DCGAN, ConditionalGAN, WGAN, WGANGP, MODELS

ALL = [GAN, DCGAN, ConditionalGAN, WGAN, WGANGP]


def _tiny(cls, **kwargs):
    num_classes = 10 if cls is ConditionalGAN else None
    if cls in (WGAN, WGANGP):
        # Two critic updates per step still split the batch; the paper's 5
        # traces every critic update (and WGAN-GP's double backward pass)
        # 2.5x as often. Tests of the count itself pass their own.
        kwargs.setdefault("n_critic", 2)
    return testing.tiny_model(cls, num_classes=num_classes, **kwargs)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_one_train_step_updates_both_networks(cls):
    model = _tiny(cls)
    logs = testing.assert_train_step_updates(model, testing.fake_batch(model))
    if cls in (GAN, DCGAN, ConditionalGAN):
        # Probabilities of "real" for the minimax game.
        assert 0 < logs["d_real"] < 1 and 0 < logs["d_fake"] < 1
    if cls is WGANGP:
        assert logs["gp"] > 0


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_save_load_same_samples_and_resume(cls, tmp_path):
    model = _tiny(cls)
    batch = testing.fake_batch(model)
    model.train_on_batch(*batch)
    testing.assert_round_trip(model, str(tmp_path), batch)


@pytest.mark.parametrize(
    "shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)], ids=lambda s: "x".join(map(str, s))
)
@pytest.mark.parametrize("cls", [GAN, DCGAN, WGANGP], ids=lambda c: c.__name__)
def test_default_architectures_for_image_shapes(cls, shape):
    model = testing.tiny_model(cls, image_shape=shape)
    images = model.generate(3, seed=0)
    assert images.shape == (3, *shape) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert model.discriminator(images).shape == (3, 1)


def test_dcgan_follows_the_paper_rules():
    model = DCGAN(image_shape=(64, 64, 3), latent_dim=100)
    g_layers = {type(l).__name__ for l in model.generator.layers}
    d_layers = {type(l).__name__ for l in model.discriminator.layers}
    assert "Conv2DTranspose" in g_layers and "BatchNormalization" in g_layers
    assert "ReLU" in g_layers and model.generator.layers[-1].activation.__name__ == "tanh"
    assert {"Conv2D", "LeakyReLU", "BatchNormalization"} <= d_layers
    assert not {"MaxPooling2D", "AveragePooling2D"} & (g_layers | d_layers)
    convs = [l for l in model.discriminator.layers if type(l).__name__ == "Conv2D"]
    assert all(l.strides == (2, 2) for l in convs) and len(convs) == 4
    # Batch norm is not applied right after D's input layer.
    first_conv = model.discriminator.layers.index(convs[0])
    assert type(model.discriminator.layers[first_conv + 1]).__name__ == "LeakyReLU"
    assert model.generator.count_params() > 3_000_000


@pytest.mark.parametrize("cls", [DCGAN, WGANGP], ids=lambda c: c.__name__)
def test_extra_layers_add_stride_1_blocks_at_the_smallest_resolution(cls, tmp_path):
    plain = _tiny(cls)
    model = _tiny(cls, extra_layers=2)

    def stride_1_convs(network):
        return [l for l in network.layers if type(l).__name__ == "Conv2D" and l.strides == (1, 1)]

    assert not stride_1_convs(plain.generator) and not stride_1_convs(plain.discriminator)
    for network in (model.generator, model.discriminator):
        convs = stride_1_convs(network)
        assert len(convs) == 2
        # 28x28 images: both networks' smallest map is 7x7.
        assert all(tuple(l.output.shape[1:3]) == (7, 7) for l in convs)
    assert model.generator.count_params() > plain.generator.count_params()
    assert model.discriminator.count_params() > plain.discriminator.count_params()
    testing.assert_train_step_updates(model, testing.fake_batch(model))
    testing.assert_round_trip(model, str(tmp_path), testing.fake_batch(model))
    assert keras.models.load_model(str(tmp_path / "model.keras")).extra_layers == 2
    with pytest.raises(ValueError, match="extra_layers must be a non-negative int"):
        DCGAN(extra_layers=-1)


def test_wgan_gp_critic_has_no_batch_norm_and_the_papers_layer_norm():
    model = testing.tiny_model(WGANGP)
    kinds = {type(l).__name__ for l in model.discriminator.layers}
    assert "BatchNormalization" not in kinds and "LayerNormalization" not in kinds
    norms = [l for l in model.discriminator.layers
             if isinstance(l, keras.layers.GroupNormalization)]
    assert norms and all(l.groups == 1 for l in norms)
    # Over each sample's height, width and channels together: a feature map
    # whose positions differ in strength keeps that difference, which a
    # per-position normalization over channels alone erases.
    _, height, width, channels = norms[0].input.shape
    x = np.ones((2, height, width, channels), "float32")
    x[1] *= 3.0
    x[0, :height // 2] *= 5.0
    x[0, :, :, ::2] += 1.0
    y = np.asarray(norms[0](x))
    sample = y[0]
    np.testing.assert_allclose(sample.mean(), 0.0, atol=1e-4)
    np.testing.assert_allclose(sample.std(), 1.0, atol=1e-3)
    assert sample[:height // 2].mean() > sample[height // 2:].mean() + 1.0
    # A constant sample has nothing to normalize: it maps to the offset (0).
    np.testing.assert_allclose(y[1], 0.0, atol=1e-5)
    # The critic of earlier versions, for their runs: each position over its channels.
    earlier = testing.tiny_model(WGANGP, critic_norm="layer_channels")
    kinds = {type(l).__name__ for l in earlier.discriminator.layers}
    assert "LayerNormalization" in kinds and "GroupNormalization" not in kinds
    assert earlier.get_config()["critic_norm"] == "layer_channels"
    with pytest.raises(ValueError, match="critic_norm must be"):
        WGANGP(critic_norm="batch")


@pytest.mark.parametrize("shape", [(30, 30, 1), (28, 21, 1), (100, 100, 3), (28, 28)])
def test_unsupported_image_shape_is_a_clear_error(shape):
    with pytest.raises(ValueError, match="image_shape"):
        DCGAN(image_shape=shape)


def test_argument_validation():
    with pytest.raises(ValueError, match="latent_dim must be a positive int"):
        GAN(latent_dim=0)
    with pytest.raises(ValueError, match="num_classes"):
        ConditionalGAN()
    with pytest.raises(ValueError, match="n_critic"):
        WGAN(n_critic=0)
    model = testing.tiny_model(DCGAN)
    with pytest.raises(ValueError, match="two optimizer objects"):
        opt = keras.optimizers.Adam()
        model.compile(d_optimizer=opt, g_optimizer=opt)
    with pytest.raises(ValueError, match="Unknown loss"):
        model.compile(loss="nope")


def test_user_built_networks():
    generator = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8 * 8 * 3, activation="tanh"),
         keras.layers.Reshape((8, 8, 3))]
    )
    discriminator = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model = GAN(generator=generator, discriminator=discriminator)
    model.compile(
        d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1),
        loss="least_squares",
    )
    assert model.latent_dim == 4 and model.image_shape == (8, 8, 3)
    testing.assert_train_step_updates(model, testing.fake_batch(model))
    bad_d = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="takes \\(28, 28, 1\\)"):
        GAN(generator=generator, discriminator=bad_d)


def test_saturating_loss_is_selectable_and_differs():
    model = testing.tiny_model(DCGAN)
    model.compile(loss="saturating")
    logs = model.train_on_batch(*testing.fake_batch(model), return_dict=True)
    # Saturating loss E[log(1 - D(G(z)))] is negative, the non-saturating one positive.
    assert logs["g_loss"] < 0
    model.compile()
    logs = model.train_on_batch(*testing.fake_batch(model), return_dict=True)
    assert logs["g_loss"] > 0


def test_wgan_makes_n_critic_critic_updates_per_generator_update_and_clips():
    model = testing.tiny_model(WGAN, n_critic=3, clip_value=0.02)
    images, labels = testing.fake_batch(model, 8)
    assert images.shape[0] == 24
    for _ in range(2):
        model.train_on_batch(images, labels)
    assert model.d_optimizer.iterations.numpy() == 6
    assert model.g_optimizer.iterations.numpy() == 2
    for v in model.discriminator.trainable_variables:
        assert np.abs(v.numpy()).max() <= 0.02 + 1e-7
    assert np.abs(model.discriminator.trainable_variables[0].numpy()).max() == pytest.approx(0.02)
    model.train_on_batch(images[:10])  # Not divisible by 3: parts of 4, 3, 3.
    assert model.d_optimizer.iterations.numpy() == 9


def test_generate_is_deterministic_for_a_seed():
    model = testing.tiny_model(DCGAN)
    a, b = model.generate(4, seed=3), model.generate(4, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.generate(4, seed=4))
    assert model.generate(300, seed=1, batch_size=128).shape == (300, 28, 28, 1)


def test_conditional_generation_follows_labels():
    model = testing.tiny_model(ConditionalGAN, num_classes=10)
    same_z_other_label = model.generate(2, seed=0, labels=[1, 1]), model.generate(
        2, seed=0, labels=[2, 2]
    )
    assert not np.allclose(*same_z_other_label)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        model.generate(2, labels=[3, 10])
    with pytest.raises(ValueError, match="2 integer class ids"):
        model.generate(2, labels=[0.5, 1.0])
    with pytest.raises(ValueError, match="needs \\(images, labels\\)"):
        model.train_on_batch(testing.fake_batch(model)[0])
    with pytest.raises(ValueError, match="unconditional"):
        testing.tiny_model(DCGAN).generate(2, labels=[0, 1])


def test_fit_on_a_dataset_with_callbacks(tmp_path):
    import tensorflow as tf

    model = testing.tiny_model(DCGAN)
    images, _ = testing.fake_batch(model, 64)
    ds = tf.data.Dataset.from_tensor_slices(images).batch(16)
    history = model.fit(ds, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert len(history.history["d_loss"]) == 2
    assert model.g_optimizer.iterations.numpy() == 8


def test_model_registry_names():
    assert set(MODELS) == {
        "gan", "dcgan", "cgan", "wgan", "wgan_gp", "lsgan", "sngan", "acgan", "infogan",
        "unrolled", "vae", "pix2pix", "cyclegan", "srgan", "inpainting",
    }
    assert architectures.upsampling_plan((64, 64, 3)) == (4, 4, 4)
    assert architectures.upsampling_plan((28, 28, 1)) == (7, 7, 2)


@pytest.mark.parametrize("batch", [10, 32, 3, 1])
def test_wasserstein_parts_split_any_batch_as_evenly_as_it_allows(batch):
    model = _tiny(WGAN, n_critic=5)
    x = np.arange(batch, dtype="float32")[:, None]
    parts = [np.asarray(p)[:, 0].astype(int).tolist() for p in model._strided_parts(x)]
    assert len(parts) == 5
    if batch >= 5:
        # Sample i in part i mod 5: every sample once, sizes within one.
        assert parts == [list(range(k, batch, 5)) for k in range(5)]
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    else:
        # Fewer samples than critic updates: update k reuses sample k mod batch.
        assert parts == [[k % batch] for k in range(5)]


@pytest.mark.parametrize("cls", [WGAN, WGANGP])
def test_wasserstein_models_fit_fashion_mnist_at_any_batch_size(cls):
    from keras_gan import data

    model = _tiny(cls, n_critic=3)
    # 32 is not divisible by 3; the last batch of 2 (drop_remainder=False)
    # has fewer images than critic updates and a shape known only at run time.
    dataset = data.load("fashion_mnist", split="test", batch_size=32, shuffle=False)
    model.fit(dataset.take(2), epochs=1, verbose=0)
    assert model.d_optimizer.iterations.numpy() == 6
    assert model.g_optimizer.iterations.numpy() == 2
    small = data.load("fashion_mnist", split="test", batch_size=997, shuffle=False,
                      drop_remainder=False)  # 10000 = 10 * 997 + 30
    tail = small.skip(10).map(lambda x: x[:2])
    logs = model.fit(tail, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values())
    assert model.d_optimizer.iterations.numpy() == 9
    with pytest.raises(ValueError, match="at least one image"):
        model.train_on_batch(np.zeros((0, 28, 28, 1), "float32"))
