import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import gzip
import pathlib

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from keras_gan import data
from keras_gan.data import DatasetError

FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
needs_fashion = pytest.mark.skipif(
    not (FASHION / IDX_FILES[0]).exists(),
    reason="needs `apt-get install dataset-fashion-mnist`")


class KerasGanTinyImages(tfds.core.GeneratorBasedBuilder):
    """A tiny real tfds builder: prepared offline, image feature not named 'image'."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "picture": tfds.features.Image(shape=(8, 8, 3)),
            "label": tfds.features.ClassLabel(names=["dark", "light"]),
        }))

    def _split_generators(self, dl_manager):
        del dl_manager
        return {"train": self._generate_examples(6)}

    def _generate_examples(self, n):
        for i in range(n):
            yield i, {"picture": np.full((8, 8, 3), 255 * (i % 2), np.uint8), "label": i % 2}


@pytest.fixture(autouse=True)
def _no_local_mnist(monkeypatch):
    # The tfds tests need "mnist" to have no local IDX copy on any machine.
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    monkeypatch.setitem(data.LOCAL_DIRS, "mnist", [])


def _link_fashion(directory):
    for f in IDX_FILES:
        (directory / f).symlink_to(FASHION / f)
    return directory


def _save(path, size, color, mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)


# === IDX ===


@needs_fashion
def test_local_fashion_mnist_batches_labels_and_info():
    ds, info = data.load("fashion_mnist", batch_size=32, with_labels=True, return_info=True)
    images, labels = next(iter(ds))
    assert images.shape == (32, 28, 28, 1) and images.dtype == "float32"
    assert images.numpy().min() == -1.0 and images.numpy().max() == 1.0
    assert labels.dtype == "int32" and 0 <= labels.numpy().min() <= labels.numpy().max() < 10
    assert (info.source, info.image_shape) == ("idx", (28, 28, 1))
    assert (info.num_classes, info.num_examples) == (10, 60000)
    assert info.class_names[9] == "Ankle boot"


@needs_fashion
def test_local_fashion_mnist_test_split_and_first_image_matches_idx():
    _, info = data.load("fashion_mnist", split="test", return_info=True)
    assert info.num_examples == 10000
    ds = data.load("fashion_mnist", batch_size=2, shuffle=False)
    expected = data.read_idx(FASHION / IDX_FILES[0])[:2, ..., None] / 127.5 - 1.0
    np.testing.assert_allclose(next(iter(ds)).numpy(), expected, atol=1e-6)


@needs_fashion
def test_idx_directory_path_and_data_dir(tmp_path):
    _link_fashion(tmp_path)
    ds, info = data.load(tmp_path, split="test", batch_size=8, image_size=32, channels=3,
                         with_labels=True, return_info=True)
    images, _ = next(iter(ds))
    assert images.shape == (8, 32, 32, 3)
    assert (info.source, info.num_examples, info.image_shape) == ("idx", 10000, (32, 32, 3))
    _, info = data.load("mnist", data_dir=str(tmp_path), return_info=True)
    assert info.source == "idx"
    with pytest.raises(DatasetError, match="split='test'"):
        data.load(str(tmp_path), split="validation")


@needs_fashion
def test_truncated_idx_file_names_the_file(tmp_path):
    with gzip.open(FASHION / IDX_FILES[0]) as f:
        (tmp_path / "train-images-idx3-ubyte").write_bytes(f.read(1000))
    (tmp_path / IDX_FILES[1]).symlink_to(FASHION / IDX_FILES[1])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.*truncated"):
        data.load(str(tmp_path))
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(DatasetError, match="bad.gz"):
        data.read_idx(tmp_path / "bad.gz")
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03")
    with pytest.raises(DatasetError, match="bad.idx.*header"):
        data.read_idx(tmp_path / "bad.idx")


# === Folders ===


def test_folder_with_classes_mixed_sizes_and_a_corrupt_file(tmp_path):
    _save(tmp_path / "cats" / "a.png", (6, 8), (255, 0, 0))  # PIL sizes are (W, H).
    _save(tmp_path / "cats" / "b.PNG", (12, 10), (0, 0, 255))
    _save(tmp_path / "dogs" / "c.bmp", (6, 8), (0, 255, 0))
    (tmp_path / "dogs" / "broken.jpg").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored")
    with pytest.warns(UserWarning, match="Skipped 1 .*broken.jpg"):
        ds, info = data.load(str(tmp_path), batch_size=3, with_labels=True, shuffle=False,
                             return_info=True)
    images, labels = next(iter(ds))
    assert images.shape == (3, 8, 6, 3) and labels.numpy().tolist() == [0, 0, 1]
    expected = np.array([[1, -1, -1], [-1, -1, 1], [-1, 1, -1]], np.float32)
    np.testing.assert_allclose(images.numpy().mean(axis=(1, 2)), expected, atol=1e-6)
    assert (info.source, info.class_names, info.num_classes) == ("folder", ("cats", "dogs"), 2)
    assert (info.num_examples, info.image_shape) == (3, (8, 6, 3))
    with pytest.warns(UserWarning):
        ds = data.load(str(tmp_path), batch_size=2, image_size=4, channels=1, seed=0)
    assert [b.shape for b in ds] == [(2, 4, 4, 1)]


def test_folder_channel_inference_and_flat_folder_has_no_labels(tmp_path):
    gray, rgb = tmp_path / "gray", tmp_path / "rgb"
    _save(gray / "a.png", (5, 5), 0, mode="L")
    _save(gray / "b.gif", (5, 5), 255, mode="L")
    _save(rgb / "a.jpg", (5, 5), (10, 200, 30))
    images = next(iter(data.load(str(gray), batch_size=2, shuffle=False)))
    assert images.shape == (2, 5, 5, 1)
    assert images.numpy().min() == -1.0 and images.numpy().max() == 1.0
    assert next(iter(data.load(str(rgb), batch_size=1))).shape == (1, 5, 5, 3)
    with pytest.raises(DatasetError, match="no class subfolders.*with_labels=False"):
        data.load(str(gray), with_labels=True)
    with pytest.raises(DatasetError, match="single split"):
        data.load(str(gray), split="test")


def test_empty_or_unreadable_folder_raises(tmp_path):
    with pytest.raises(DatasetError, match="no readable images.*png"):
        data.load(str(tmp_path))
    (tmp_path / "x.png").write_bytes(b"garbage")
    with pytest.warns(UserWarning), pytest.raises(DatasetError, match="no readable images"):
        data.load(str(tmp_path))
    with pytest.raises(DatasetError, match="does not exist"):
        data.load(str(tmp_path / "missing"))


def _ids(batches):
    # Image i of the folder below is gray level 20 i.
    return [np.rint((b.numpy()[:, 0, 0, 0] + 1) * 127.5 / 20).astype(int).tolist()
            for b in batches]


def test_every_iterator_of_a_seeded_stream_walks_the_same_batches(tmp_path):
    # fit under tf.distribute opens one iterator to peek at a batch and trains on a second;
    # the trainer's resume and its mirrored runs need that second one to be the stream.
    for i in range(12):
        _save(tmp_path / f"{i:02d}.png", (4, 4), 20 * i, mode="L")
    stream = data.load(str(tmp_path), batch_size=4, seed=0, repeat=True)
    first = _ids(stream.take(9))
    assert _ids(stream.take(9)) == first
    assert _ids(data.load(str(tmp_path), batch_size=4, seed=0, repeat=True).take(9)) == first
    # Each repetition is a permutation of the 12 images, and not the same one.
    laps = [sorted(sum(first[i:i + 3], [])) for i in (0, 3, 6)]
    assert laps == [list(range(12))] * 3
    assert len({tuple(sum(first[i:i + 3], [])) for i in (0, 3, 6)}) == 3
    # Without repeat, each iterator (a Keras epoch) still gets a new order.
    epochs = data.load(str(tmp_path), batch_size=4, seed=0)
    assert _ids(epochs) != _ids(epochs)


# === tensorflow-datasets ===


def test_tfds_mock_mnist_and_cifar10(tmp_path, monkeypatch):
    # mock_data stands in for a machine that can download.
    monkeypatch.setattr(data.tfds, "_no_network", lambda: False)
    with tfds.testing.mock_data(num_examples=10):
        ds, info = data.load("mnist", data_dir=str(tmp_path), batch_size=4, with_labels=True,
                             return_info=True)
        images, labels = next(iter(ds))
        ds = data.load("cifar10", data_dir=str(tmp_path), batch_size=5, image_size=16)
        small = next(iter(ds))
        ds, cifar = data.load("cifar10", data_dir=str(tmp_path), batch_size=5, return_info=True)
        assert [b.shape for b in ds] == [(5, 32, 32, 3)] * 2
    assert (info.source, info.image_shape, info.num_classes) == ("tfds", (28, 28, 1), 10)
    assert images.shape == (4, 28, 28, 1) and labels.dtype == "int32"
    assert -1 <= images.numpy().min() < images.numpy().max() <= 1
    assert 0 <= labels.numpy().min() <= labels.numpy().max() < 10
    assert small.shape == (5, 16, 16, 3)
    assert (cifar.source, cifar.image_shape, cifar.num_examples) == ("tfds", (32, 32, 3), 10)


def test_tfds_real_prepare_other_image_key_and_unknown_split(tmp_path):
    ds, info = data.load("keras_gan_tiny_images", data_dir=str(tmp_path), batch_size=6,
                         with_labels=True, return_info=True)
    images, labels = next(iter(ds))
    assert images.shape == (6, 8, 8, 3) and sorted(labels.numpy()) == [0, 0, 0, 1, 1, 1]
    np.testing.assert_array_equal(images.numpy()[:, 0, 0, 0], np.where(labels, 1.0, -1.0))
    assert (info.num_examples, info.class_names) == (6, ("dark", "light"))
    with pytest.raises(DatasetError, match=r"Split 'test'.*\['train'\]"):
        data.load("keras_gan_tiny_images", split="test", data_dir=str(tmp_path))


def test_tfds_unknown_name_raises():
    with pytest.raises(DatasetError, match="Unknown dataset 'no_such_dataset_xyz'"):
        data.load("no_such_dataset_xyz")
    with pytest.raises(DatasetError, match="did you mean fashion_mnist"):
        data.load("fashion_mnst")


def test_tfds_failed_download_says_how_to_get_the_data(tmp_path, monkeypatch):
    def offline(self, *args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(data.tfds, "_no_network", lambda: False)
    monkeypatch.setattr(tfds.builder_cls("mnist"), "download_and_prepare", offline)
    with pytest.raises(DatasetError, match="download failed.*tfds build mnist.*data_dir="):
        data.load("mnist", data_dir=str(tmp_path))


# === Arguments ===


@pytest.mark.parametrize("kwargs, argument", [
    ({"batch_size": 0}, "batch_size=0"),
    ({"batch_size": 2.0}, "batch_size=2.0"),
    ({"split": None}, "split=None"),
    ({"image_size": (0, 4)}, r"image_size=\(0, 4\)"),
    ({"channels": 2}, "channels=2"),
])
def test_bad_arguments_raise_value_error(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        data.load("fashion_mnist", **kwargs)


def test_offline_machine_fails_fast_without_calling_tfds_download(monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    from keras_gan import data as data_lib

    calls = []
    monkeypatch.setattr(data_lib.tfds, "_no_network", lambda: True)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                        lambda *a, **k: calls.append(1))
    with pytest.raises(data_lib.DatasetError, match="no network.*tfds build cifar10"):
        data_lib.load("cifar10", data_dir=str(tmp_path))
    assert calls == []


def test_folder_mixing_grayscale_and_color_is_converted_to_rgb_with_a_warning(tmp_path):
    # The first file (sorted) is grayscale; the others are color.
    _save(tmp_path / "a.png", (6, 6), 128, mode="L")
    _save(tmp_path / "b.png", (6, 6), (250, 10, 10))
    _save(tmp_path / "c.jpg", (6, 6), (10, 10, 250))
    with pytest.warns(UserWarning, match="mixes 1 grayscale and 2 color images; all are "
                                         "converted to RGB"):
        ds, info = data.load(str(tmp_path), batch_size=3, shuffle=False, return_info=True)
    assert info.image_shape == (6, 6, 3)
    images = next(iter(ds)).numpy()
    assert images.shape == (3, 6, 6, 3)
    np.testing.assert_allclose(images[0], 128 / 127.5 - 1.0, atol=1e-6)  # Gray, R = G = B.
    assert images[1, ..., 0].mean() > 0.9 and images[1, ..., 2].mean() < -0.8  # Red kept.
    # Asking for grayscale explicitly converts the color images, silently.
    gray = next(iter(data.load(str(tmp_path), batch_size=3, shuffle=False, channels=1)))
    assert gray.shape == (3, 6, 6, 1)
