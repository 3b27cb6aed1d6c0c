"""Tests of the text-to-image family: data, text encoder, both models,
saving, export and the obedience metrics."""

import os

import numpy as np
import pytest
import tensorflow as tf
import keras

from keras_gan import testing
from keras_gan.text2image import data as data_lib
from keras_gan.text2image import export as export_lib
from keras_gan.text2image import metrics as metrics_lib
from keras_gan.text2image import text_encoder as text_lib
from keras_gan.text2image.family import TextToImageFamily
from keras_gan.text2image.samples import CaptionGrid
from keras_gan.text2image.stack_gan import StackGAN
from keras_gan.text2image.text_to_image_gan import TextToImageGAN

CAPTIONS = ["a small red bag in the center", "top left: a big blue sneaker",
            "a white coat, tiny, at the bottom right", "a large green dress in the middle"]


def tiny(cls, **kwargs):
    encoder = text_lib.text_encoder(embedding_dim=8, width=8)
    model = cls(text_encoder=encoder, image_shape=(16, 16, 3), latent_dim=4, width=4, seed=1,
                **kwargs)
    model.compile()
    return model


def batch(n=8, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (n, 16, 16, 3)).astype("float32")
    return images, tf.constant([CAPTIONS[i % len(CAPTIONS)] for i in range(n)])


# === Data ===
def test_captions_agree_with_rendered_images():
    ds, info = data_lib.load("test", batch_size=64, seed=3, limit=300, with_factors=True,
                             return_info=True)
    images, captions, combos = next(iter(ds))
    parsed = np.array([data_lib.parse_caption(c.decode()) for c in captions.numpy()])
    factors = data_lib.Factors(*parsed.T)
    # The caption names the very factors the image was rendered with.
    np.testing.assert_array_equal(factors.combo(), combos.numpy())
    measured = metrics_lib.measure(images.numpy())
    for name in ("colour", "size", "position"):
        assert (measured[name] == getattr(factors, name)).mean() > 0.95, name
    # Colours: the largest channel is the item's own grey level.
    white = images.numpy()[factors.colour == 0]
    if len(white):
        np.testing.assert_allclose(white[..., 0], white[..., 2], atol=1e-6)


@pytest.mark.parametrize("canvas", [32, 64])
def test_batched_render_draws_the_pixels_of_the_per_item_renderer(canvas):
    # The evaluation renders its prompts in batches; training draws each
    # item through render_fn inside tf.data. Both must give the same pixels.
    from keras_gan.text2image import canvas as canvas_lib

    items, labels = data_lib._fashion_split("test", None)
    factors, keep = data_lib.draw_factors(labels, 0, "test")
    factors, items = factors.take(np.arange(60)), items[keep][:60]
    assert len(set(zip(factors.size, factors.position))) == 10  # every frame
    batched = data_lib.render(items, factors, canvas)
    fn = canvas_lib.render_fn(canvas)
    one_by_one = np.stack([
        fn(tf.constant(items[i]), *(tf.constant(int(v[i]), tf.int64) for v in
                                    (factors.colour, factors.size, factors.position))).numpy()
        for i in range(len(items))])
    np.testing.assert_array_equal(batched, one_by_one)
    assert data_lib.render(items[:0], factors.take(np.arange(0)), canvas).shape == (
        0, canvas, canvas, 3)


def test_data_is_deterministic_and_holds_out_pairs():
    first = [c.numpy() for _, c in data_lib.load("train", 32, seed=5, limit=200).take(3)]
    again = [c.numpy() for _, c in data_lib.load("train", 32, seed=5, limit=200).take(3)]
    np.testing.assert_array_equal(first, again)
    factors, _ = data_lib.draw_factors(np.repeat(np.arange(10), 300), seed=0, split="train")
    pairs = set(zip(factors.item.tolist(), factors.colour.tolist()))
    assert not pairs & set(data_lib.HELD_OUT)
    held, _ = data_lib.draw_factors(np.repeat(np.arange(10), 30), seed=0, split="heldout")
    assert set(zip(held.item.tolist(), held.colour.tolist())) <= set(data_lib.HELD_OUT)


def test_synonyms_parse_back():
    assert data_lib.parse_caption("top left: a little red trainer") == (7, 1, 0, 0)
    assert data_lib.parse_caption("a big yellow running shoe in the lower right") == (7, 4, 1, 3)
    assert data_lib.parse_caption("a tiny purple button shirt in the middle") == (6, 5, 0, 4)


def test_folder_with_captions(tmp_path):
    for i in range(3):
        keras.utils.save_img(str(tmp_path / f"im{i}.png"), np.full((20, 20, 3), 40 * i, "uint8"),
                             scale=False)
    (tmp_path / "captions.txt").write_text("im0.png\ta dark square\nim1.png: a grey one\n"
                                           "im2.png\tlight square\nim2.png\tanother light one\n")
    ds, info = data_lib.load_folder(str(tmp_path), batch_size=2, shuffle=False, return_info=True)
    images, captions = next(iter(ds))
    assert info.num_examples == 4 and images.shape == (2, 32, 32, 3)
    assert captions.numpy()[0] == b"a dark square"
    (tmp_path / "captions.txt").write_text("missing.png\ta caption\n")
    with pytest.raises(ValueError, match="missing.png"):
        data_lib.load_folder(str(tmp_path))


# === Text encoder ===
def test_tokenizer_and_encoder_take_strings(tmp_path):
    encoder = text_lib.text_encoder(embedding_dim=8, width=8)
    vectors = encoder(tf.constant(CAPTIONS)).numpy()
    assert vectors.shape == (4, 8)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    tokenizer = text_lib.tokenizer_of(encoder)
    vocab = tokenizer.get_vocabulary()
    ids = tokenizer(tf.constant(["Top left: a little, red TRAINER!"])).numpy()[0]
    np.testing.assert_array_equal(ids, text_lib.tokenize_like_keras(
        "Top left: a little, red TRAINER!", vocab))
    assert ids[0] == vocab.index("top") and ids[6] == 0
    encoder.save(tmp_path / "enc.keras")
    loaded = keras.models.load_model(tmp_path / "enc.keras")
    np.testing.assert_allclose(loaded(tf.constant(CAPTIONS)).numpy(), vectors, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "max"])
def test_ds_sje_loss_prefers_matching_pairs(reduction):
    v = tf.constant(np.eye(4, dtype="float32"))
    good = text_lib.ds_sje_loss(v, v, tf.range(4), reduction=reduction)
    bad = text_lib.ds_sje_loss(v, tf.roll(v, 1, axis=0), tf.range(4), reduction=reduction)
    assert float(good) == 0.0 and float(bad) > 0.0
    # Examples that share a match id are not negatives of each other.
    same = text_lib.ds_sje_loss(v, tf.roll(v, 1, axis=0), tf.zeros(4, "int32"), reduction=reduction)
    assert float(same) == 0.0


def test_joint_embedding_learns():
    ds = data_lib.load("train", batch_size=32, limit=512, with_factors=True, repeat=True)
    joint = text_lib.JointEmbedding(embedding_dim=16, image_encoder=text_lib.image_encoder(
        (32, 32, 3), 16, width=8), text_encoder=text_lib.text_encoder(embedding_dim=16, width=16))
    joint.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = joint.fit(ds.take(60), epochs=2, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]


def test_any_string_model_is_accepted_and_others_refused():
    with pytest.raises(ValueError, match="strings"):
        TextToImageGAN(text_encoder=keras.Sequential([keras.layers.Dense(3)]),
                       image_shape=(16, 16, 3), latent_dim=4, width=4)
    # A bag-of-words encoder built from a StringLookup, not the default one.
    strings = keras.Input((), dtype="string")
    words = keras.layers.Reshape((1,))(strings)
    hot = keras.layers.StringLookup(vocabulary=["red", "bag"], output_mode="multi_hot")(words)
    encoder = keras.Model(strings, keras.layers.Dense(8)(hot))
    gan = TextToImageGAN(text_encoder=encoder, image_shape=(16, 16, 3), latent_dim=4, width=4)
    gan.compile()
    assert gan.embedding_dim == 8
    assert gan.generate(2, seed=0, captions=["red", "bag"]).shape == (2, 16, 16, 3)


# === Models ===
@pytest.mark.parametrize("cls", [TextToImageGAN, StackGAN])
def test_train_step_changes_both_networks(cls):
    model = tiny(cls)
    testing.assert_train_step_updates(
        model, batch(), {"generator": model.generator, "discriminator": model.discriminator})
    encoder_before = testing.weights_of(model.text_encoder)
    assert not encoder_before  # frozen: no trainable weights
    if cls is StackGAN:
        model.set_stage(2)
        stage1 = testing.weights_of(model.generator)
        model.generator.trainable = True
        testing.assert_train_step_updates(model, batch(), {
            "stage2_generator": model.stage2_generator,
            "stage2_discriminator": model.stage2_discriminator})
        assert not testing.changed(stage1, model.generator)
        assert model.train_steps == 2


def test_matching_aware_loss_uses_wrong_captions():
    model = tiny(TextToImageGAN)
    logs = model.train_on_batch(*batch(), return_dict=True)
    assert {"d_wrong", "g_int"} <= set(logs)
    # Four different captions in the batch: D sees different wrong pairs.
    emb = model.embed(CAPTIONS)
    assert not np.allclose(model.wrong_captions(emb), emb)


@pytest.mark.parametrize("cls", [TextToImageGAN, StackGAN])
def test_keras_round_trip_gives_identical_next_step(cls, tmp_path):
    model = tiny(cls)
    model.train_on_batch(*batch())
    if cls is StackGAN:
        model.set_stage(2)
        model.train_on_batch(*batch())
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is cls
    np.testing.assert_array_equal(model.generate(4, seed=3, captions=CAPTIONS),
                                  loaded.generate(4, seed=3, captions=CAPTIONS))
    a = model.train_on_batch(*batch(seed=1), return_dict=True)
    b = loaded.train_on_batch(*batch(seed=1), return_dict=True)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_generate_validates_captions():
    model = tiny(TextToImageGAN)
    with pytest.raises(ValueError, match="captions"):
        model.generate(3, captions=["one", "two"])
    with pytest.raises(ValueError, match="labels"):
        model.generate(2, labels=[1, 2])
    with pytest.raises(ValueError, match="stage"):
        tiny(StackGAN).set_stage(3)


def test_caption_grid_writes_png(tmp_path):
    model = tiny(TextToImageGAN)
    callback = CaptionGrid(str(tmp_path / "samples"), CAPTIONS[:2], per_row=3)
    callback.set_model(model)
    path = callback.save(1)
    image = keras.utils.load_img(path)
    assert path.endswith("captions_epoch_0001.png") and image.size[1] > 2 * 32
    callback.set_model(tiny(StackGAN))
    assert callback.save(2).endswith("captions_stage1_epoch_0002.png")


# === Export ===
@pytest.mark.parametrize("cls", [TextToImageGAN, StackGAN])
def test_export_takes_strings_and_matches(cls, tmp_path):
    model = tiny(cls)
    model.train_on_batch(*batch())
    if cls is StackGAN:
        model.set_stage(2)
    info = export_lib.export(model, str(tmp_path), tflite=("float32",))
    parity = export_lib.check_parity(model, info["files"], captions=CAPTIONS)
    assert parity["saved_model_uint8"] <= 1 and parity["tflite_float32"] < 1e-4
    assert parity["tokenizer"] == 0
    loaded = tf.saved_model.load(info["files"]["saved_model"])
    out = loaded.signatures["serving_default"](text=tf.constant(CAPTIONS[:2]))["images"]
    assert out.dtype == tf.uint8 and tuple(out.shape) == (2, 16, 16, 3)
    warmup = os.path.join(info["files"]["saved_model"], "assets.extra",
                          "tf_serving_warmup_requests")
    assert sum(1 for _ in tf.data.TFRecordDataset(warmup)) == 4


# === Metrics ===
def test_metrics_on_hand_made_images():
    items, labels = data_lib._fashion_split("test", None)
    chosen = [int(np.flatnonzero(labels == c)[0]) for c in (1, 8, 7, 3)]
    factors = data_lib.Factors(labels[chosen], np.array([3, 2, 1, 4]), np.array([1, 1, 0, 1]),
                               np.array([4, 0, 3, 1]))
    images = data_lib.render(items[chosen], factors)
    measured = metrics_lib.measure(images)
    for name in ("colour", "size", "position"):
        np.testing.assert_array_equal(measured[name], getattr(factors, name), err_msg=name)
    assert metrics_lib.factor_accuracy(measured, factors)["colour"] == 1.0
    # A blank canvas shows nothing: every factor is wrong.
    blank = metrics_lib.measure(-np.ones((1, 32, 32, 3), "float32"))
    assert all(blank[name][0] == -1 for name in metrics_lib.FACTORS)
    # Recolour the first image red: only the colour reading changes.
    red = images[:1].copy()
    grey = (red[0].max(axis=-1) + 1) / 2
    red[0] = np.stack([grey, grey * 0.12, grey * 0.1], -1) * 2 - 1
    again = metrics_lib.measure(red)
    assert again["colour"][0] == 1 and again["position"][0] == 4


def test_r_precision_exact_cases():
    rng = np.random.default_rng(0)
    t = rng.normal(size=(200, 8))
    combos = np.arange(200)
    assert metrics_lib.r_precision(t, t, combos) == 1.0
    shuffled = metrics_lib.r_precision(t[::-1], t, combos)
    assert shuffled < 0.1


def test_family_protocol():
    family = TextToImageFamily()
    assert family.models == {"text2image": TextToImageGAN, "stackgan": StackGAN}
    names = {option.name for option in family.options}
    assert {"canvas", "text_encoder", "stage"} <= names
