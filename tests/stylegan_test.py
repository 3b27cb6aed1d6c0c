"""StyleGAN: training updates, round trip, export parity, truncation, mixing,
the tools, the layers and the family."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import testing
from keras_gan.layers import MinibatchStddev
from keras_gan.stylegan import StyleGAN
from keras_gan.stylegan import export as style_export
from keras_gan.stylegan import tools
from keras_gan.stylegan.layers import ModulatedConv2D

TINY = dict(image_shape=(32, 32, 1), latent_dim=8, w_dim=8, mapping_layers=2, width=4,
            max_width=8, seed=3)


def tiny(**kwargs):
    model = StyleGAN(**{**TINY, **kwargs})
    # One eager step of these tiny networks is much faster than tracing
    # the step (with its nested tapes) into a graph.
    model.compile(run_eagerly=True)
    return model


def trained(steps=0, **kwargs):
    """A tiny model (after `steps` steps) with non-zero noise strengths and
    a w_avg away from 0, so truncation and noise have visible effects."""
    model = tiny(**kwargs)
    batch = testing.fake_batch(model, 8)
    for _ in range(steps):
        model.train_on_batch(*batch)
    for network in (model.generator, model.ema_generator):
        for layer in tools.noise_layers(network):
            layer.noise_strength.assign(0.5)
        network.w_avg.assign(np.linspace(-1, 1, model.w_dim).astype("float32"))
    return model


def test_train_step_changes_generator_discriminator_and_mapping():
    model = tiny(pl_weight=2.0, pl_interval=1, r1_interval=1)
    batch = testing.fake_batch(model, 8)
    w_avg = model.generator.w_avg.numpy().copy()
    ema = [v.numpy().copy() for v in model.ema_generator.weights]
    logs = testing.assert_train_step_updates(model, batch, networks={
        "mapping": model.generator.mapping,
        "synthesis": model.generator.synthesis,
        "discriminator": model.discriminator,
    })
    assert logs["r1"] > 0 and logs["pl"] > 0, logs
    assert not np.array_equal(w_avg, model.generator.w_avg.numpy()), "w_avg did not move"
    after = [v.numpy() for v in model.ema_generator.weights]
    assert any(not np.array_equal(a, b) for a, b in zip(ema, after)), "EMA generator did not move"


def test_noise_strengths_start_at_zero_one_noise_map_per_convolution():
    model = tiny()
    layers = tools.noise_layers(model.generator)
    # 4x4: one convolution; 8, 16, 32: two each.
    assert len(layers) == 7
    assert all(float(layer.noise_strength.numpy()) == 0.0 for layer in layers)
    maps = [layer.noise_const.numpy() for layer in layers]
    assert not np.array_equal(maps[1], maps[2]), "the two convolutions of a block share noise"
    model.train_on_batch(*testing.fake_batch(model, 8))
    assert any(float(layer.noise_strength.numpy()) != 0.0 for layer in layers)


def test_lazy_r1_only_every_interval():
    model = tiny(r1_interval=3)
    batch = testing.fake_batch(model, 8)
    r1 = []
    for _ in range(4):
        model.reset_metrics()
        r1.append(model.train_on_batch(*batch, return_dict=True)["r1"])
    assert r1[0] > 0 and r1[3] > 0 and r1[1] == r1[2] == 0.0, r1
    d_opt, g_opt = model.default_optimizers()
    assert d_opt.beta_1 == 0.0 and np.isclose(d_opt.learning_rate.numpy(), 2e-3 * 3 / 4)
    assert np.isclose(g_opt.learning_rate.numpy(), 2e-3) and g_opt.beta_2 == 0.99


@pytest.mark.parametrize("num_classes", [None, 3])
def test_round_trip_gives_identical_next_step(num_classes, tmp_path):
    model = tiny(num_classes=num_classes, pl_weight=2.0, pl_interval=2, r1_interval=2)
    batch = testing.fake_batch(model, 8)
    model.train_on_batch(*batch)
    loaded = testing.assert_round_trip(model, str(tmp_path), batch)
    np.testing.assert_array_equal(model.generator.w_avg.numpy(), loaded.generator.w_avg.numpy())
    assert loaded.get_config() == model.get_config()


@pytest.mark.parametrize("num_classes", [None, 3])
def test_export_parity_saved_model_and_tflite(num_classes, tmp_path):
    model = trained(steps=1, num_classes=num_classes)
    variants = ("float32", "float16") if num_classes is None else ("float32",)
    info = style_export.export(model, str(tmp_path), tflite=variants)
    parity = style_export.check_parity(model, info["files"], psis=(1.0, 0.5))
    for psi in (1.0, 0.5):
        assert parity[f"saved_model@{psi}"] < 1e-4, parity
        assert parity[f"tflite_float32@{psi}"] < 1e-4, parity
        assert parity.get(f"tflite_float16@{psi}", 0.0) < 5e-2, parity
        assert parity[f"uint8@{psi}"] <= 1, parity
    with open(tmp_path / "stylegan.json") as f:
        meta = json.load(f)
    assert "truncation_psi" in meta["inputs"] and meta["num_ws"] == model.num_ws
    # psi is a real input of the serving function: 0 collapses every z.
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    labels = None if num_classes is None else np.zeros(4, "int32")
    flat = style_export.run_tflite(info["files"]["tflite_float32"], z, 0.0, labels)
    assert np.abs(flat - flat[:1]).max() < 1e-5


def test_psi_zero_gives_one_image_for_every_z():
    model = trained()
    images = model.generate(6, seed=0, truncation_psi=0.0)
    assert np.abs(images - images[:1]).max() < 1e-5
    free = model.generate(6, seed=0)
    assert np.abs(free - free[:1]).max() > 1e-3, "samples do not depend on z at all"
    # The image of psi = 0 is the image of w_avg.
    generator = model.sampling_generator
    ws = np.repeat(generator.w_avg.numpy()[None, None], model.num_ws, axis=1)
    np.testing.assert_allclose(images[0], model.synthesize(ws)[0], atol=1e-5)


def test_psi_one_equals_no_truncation_and_cutoff_keeps_fine_layers():
    model = trained()
    z = model.latent_for(5, seed=4)
    generator = model.sampling_generator
    w = generator.mapping(z)
    plain = model.synthesize(np.repeat(np.asarray(w)[:, None], model.num_ws, axis=1))
    np.testing.assert_allclose(model.generate(5, seed=4, truncation_psi=1.0), plain, atol=1e-6)
    np.testing.assert_allclose(model.generate(5, seed=4), plain, atol=1e-6)
    ws = np.asarray(generator.map(z, truncation_psi=0.0, truncation_cutoff=3))
    w_avg = generator.w_avg.numpy()
    np.testing.assert_allclose(ws[:, :3], np.broadcast_to(w_avg, ws[:, :3].shape), atol=1e-6)
    np.testing.assert_allclose(ws[:, 3:], np.broadcast_to(np.asarray(w)[:, None], ws[:, 3:].shape),
                               atol=1e-6)
    with pytest.raises(ValueError, match="truncation_cutoff"):
        model.generate(2, seed=0, truncation_cutoff=99)


def test_style_mixing_uses_two_ws_from_a_crossover_layer():
    model = tiny(style_mixing=1.0)
    z = model.latent_for(4, seed=1)
    w1 = np.asarray(model.generator.mapping(z))
    seen = set()
    for _ in range(6):
        ws = np.asarray(model.mixed_ws(z, None))
        # Layers before the crossover hold w(z), the rest one other w per sample.
        own = np.all(np.isclose(ws, w1[:, None]), axis=(0, 2))
        crossover = int(np.argmin(own))
        assert 1 <= crossover < model.num_ws and own[:crossover].all() and not own[crossover:].any()
        np.testing.assert_allclose(ws[:, crossover:], np.repeat(ws[:, crossover:crossover + 1],
                                                                model.num_ws - crossover, axis=1))
        seen.add(crossover)
    assert len(seen) > 1, "the crossover layer is not random"
    unmixed = np.asarray(tiny(style_mixing=0.0).mixed_ws(z, None))
    assert np.allclose(unmixed, unmixed[:, :1])


def test_mixing_grid_rows_take_coarse_columns_fine_styles():
    model = trained()
    grid = tools.style_mixing_grid(model, [1, 2], [3, 4, 5], crossover=4)
    assert grid.shape == (3, 4, 32, 32, 1)
    # The grid and the references run at different batch sizes, which oneDNN's
    # kernels sum in different orders: 1.1e-6 apart on an AVX2 CPU. Mixed and
    # unmixed cells differ by over 1e-4 (last line).
    atol = 1e-5
    np.testing.assert_allclose(grid[0, 1:], model.generate_from(tools.latents(model, [3, 4, 5])),
                               atol=atol)
    np.testing.assert_allclose(grid[1:, 0], model.generate_from(tools.latents(model, [1, 2])),
                               atol=atol)
    generator = model.sampling_generator
    w_row = np.asarray(generator.mapping(tools.latents(model, [2])))
    w_col = np.asarray(generator.mapping(tools.latents(model, [4])))
    ws = np.concatenate([np.repeat(w_row[:, None], 4, 1), np.repeat(w_col[:, None], 4, 1)], 1)
    np.testing.assert_allclose(grid[2, 2], model.synthesize(ws)[0], atol=atol)
    assert np.abs(grid[2, 2] - grid[2, 0]).max() > 1e-4 and np.abs(grid[2, 2] - grid[0, 2]).max() > 1e-4


def test_truncation_sweep_and_projector_shapes():
    model = trained()
    strip = tools.truncation_sweep(model, [0, 1, 2], psis=(1.0, 0.5, 0.0))
    assert strip.shape == (3, 3, 32, 32, 1)
    assert np.abs(strip[:, 2] - strip[:1, 2]).max() < 1e-5
    assert np.abs(strip[:, 0] - strip[:1, 0]).max() > 1e-3
    target = model.generate(1, seed=9)[0]
    noise_before = [layer.noise_const.numpy() for layer in tools.noise_layers(model.sampling_generator)]
    result = tools.project(model, target, steps=25)
    assert result["w"].shape == (8,) and result["ws"].shape == (model.num_ws, 8)
    assert result["image"].shape == (32, 32, 1) and len(result["noise"]) == 7
    assert result["history"][-1] < result["history"][0]
    assert np.isfinite(result["pixel_mse"]) and result["feature_distance"] >= 0
    for before, layer in zip(noise_before, tools.noise_layers(model.sampling_generator)):
        np.testing.assert_array_equal(before, layer.noise_const.numpy())
    with pytest.raises(ValueError, match="target"):
        tools.project(model, np.zeros((28, 28, 1)), steps=1)


def test_modulated_conv_equals_per_sample_kernels():
    """The unfused form equals a convolution with each sample's modulated,
    demodulated kernel (the fused form of the paper)."""
    layer = ModulatedConv2D(5, 3, w_index=1, noise=False, activation=None, seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 6, 4)).astype("float32")
    ws = rng.normal(size=(3, 2, 7)).astype("float32")
    out = np.asarray(layer(x, ws))
    styles = np.asarray(layer.affine(ws[:, 1]))
    kernel = layer.kernel.numpy() * layer.scale
    for i in range(3):
        k = kernel * styles[i][None, None, :, None]
        k = k / np.sqrt(np.sum(k**2, axis=(0, 1, 2), keepdims=True) + 1e-8)
        expected = tf.nn.conv2d(x[i : i + 1], k, 1, "SAME").numpy() + layer.bias.numpy()
        np.testing.assert_allclose(out[i : i + 1], expected, rtol=1e-4, atol=1e-5)


def test_minibatch_stddev_matches_numpy():
    x = np.random.default_rng(1).normal(size=(4, 3, 3, 2)).astype("float32")
    out = np.asarray(MinibatchStddev(group_size=2)(x))
    groups = x.reshape(2, 2, 3, 3, 2)  # sample i = g * 2 + m is in group m
    value = np.sqrt(groups.var(axis=0) + 1e-8).mean(axis=(1, 2, 3))
    for i in range(4):
        np.testing.assert_allclose(out[i, ..., 2], value[i % 2], rtol=1e-5)
    assert MinibatchStddev(group_size=4)(x[:3]).shape == (3, 3, 3, 3)


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="power of two"):
        StyleGAN(image_shape=(28, 28, 1))
    with pytest.raises(ValueError, match="style_mixing"):
        StyleGAN(**{**TINY, "style_mixing": 1.5})
    with pytest.raises(ValueError, match="crossover"):
        tools.style_mixing_grid(tiny(), [1], [2], crossover=0)


def _protocol():
    from keras_gan import family

    return family


def test_family_pads_fashion_mnist_and_builds(tmp_path):
    RunContext = _protocol().RunContext
    from keras_gan.stylegan.family import StyleGANFamily
    from keras_gan.trainer import TrainConfig

    family = StyleGANFamily()
    options = {o.name: o.default for o in family.options}
    options.update(width=4, max_width=8, w_dim=8, mapping_layers=2, augment="translation")
    config = TrainConfig(model="stylegan", latent_dim=8, batch_size=8, out_dir=str(tmp_path),
                         health=False, eval_every=0)
    ctx = RunContext(config, options, str(tmp_path))
    ds, info = family.load_data(ctx, split="train", seed=0, repeat=False, batch_size=8)
    images = next(iter(ds)).numpy()
    assert images.shape == (8, 32, 32, 1) and info.image_shape == (32, 32, 1)
    assert np.all(images[:, :2] == -1.0) and images[:, 2:30, 2:30].max() > 0
    model = family.build(ctx, family.models["stylegan"], info)
    assert isinstance(model, StyleGAN) and model.compiled
    assert model.augment == "translation"  # --augment reaches StyleGAN's D
    model.train_on_batch(images)
    callbacks = family.callbacks(ctx, model, info)
    callbacks[0].set_model(model)
    assert os.path.exists(callbacks[0].save(1))
    result = family.export(model, str(tmp_path / "export"))
    assert result["parity"]["tflite_float32@1.0"] < 1e-4


def test_cli_commands(tmp_path):
    from keras_gan.stylegan import __main__ as cli

    model = trained()
    path = str(tmp_path / "model.keras")
    model.save(path)
    for command, extra in (("mix", ["--rows=1,2", "--columns=3,4,5"]),
                           ("truncation", ["--seeds=0,1", "--psis=1,0"]),
                           ("project", ["--steps=3"])):
        out = str(tmp_path / f"{command}.png")
        cli.FLAGS.unparse_flags()
        cli.FLAGS(["prog", f"--model={path}", f"--out={out}", *extra])
        assert cli.main(["prog", command]) == 0
        assert os.path.exists(out)
    cli.FLAGS.unparse_flags()
    cli.FLAGS(["prog", f"--model={path}", f"--out={out}"])
    assert cli.main(["prog", "nonsense"]) == 1
