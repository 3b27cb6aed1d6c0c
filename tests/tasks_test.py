"""The offline image-to-image tasks, built from the real local Fashion-MNIST."""

import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan import data as data_lib
from keras_gan import features
from keras_gan import tasks

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="needs the dataset-fashion-mnist Debian package",
)


def _first(task, **kwargs):
    kwargs = {"batch_size": 16, "seed": 0, **kwargs}
    return [t.numpy() for t in next(iter(tasks.load(task, "fashion_mnist", **kwargs)))]


def _in_range(*arrays):
    return all(a.dtype == np.float32 and a.min() >= -1 and a.max() <= 1 for a in arrays)


def test_pix2pix_pairs_sobel_edges_with_their_images():
    edges, images = _first("pix2pix")
    assert edges.shape == images.shape == (16, 28, 28, 1) and _in_range(edges, images)
    np.testing.assert_allclose(edges, _sobel_reference(images), atol=1e-5)
    # Edge maps are mostly black with bright outlines, not copies of the images.
    assert (edges < -0.9).mean() > 0.4 and (edges > 0.9).mean() > 0.02
    assert np.abs(edges - images).mean() > 0.2


def test_srgan_pairs_are_bicubic_downsamples():
    low, high = _first("srgan")
    assert low.shape == (16, 14, 14, 1) and high.shape == (16, 28, 28, 1)
    assert _in_range(low, high)
    # Against PIL's bicubic filter (antialiased when it shrinks), not the
    # pipeline's own function.
    np.testing.assert_allclose(low, np.clip(_pil_resize(high, 14), -1, 1), atol=LOW_RES_ATOL)
    # The bicubic baseline's PSNR, with PIL's filter and numpy's mean.
    up = np.clip(_pil_resize(low, 28), -1, 1)
    expected = np.mean([10 * np.log10(4.0 / np.mean((u - h) ** 2)) for u, h in zip(up, high)])
    got = tf.image.psnr((tasks.bicubic_upsample(low, 2).numpy() + 1) / 2, (high + 1) / 2,
                        1.0).numpy().mean()
    assert abs(got - expected) < PSNR_ATOL, (got, expected)


def _sobel_reference(images):
    """Sobel magnitude / 2 with reflected borders (tf.image.sobel_edges'
    padding), in numpy, mapped to [-1, 1]."""
    x = (images[..., 0].astype("float64") + 1) / 2
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="reflect")
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64")
    h, w = x.shape[1:]

    def conv(kernel):
        return sum(kernel[i, j] * padded[:, i:i + h, j:j + w] for i in range(3) for j in range(3))

    magnitude = np.sqrt(conv(ky) ** 2 + conv(ky.T) ** 2)
    return (np.clip(magnitude / 2, 0, 1) * 2 - 1)[..., None]


# TF's and PIL's bicubic filters agree to float rounding: measured 1.8e-7
# on these 16 images, and the same PSNR (18.70 dB) to the printed digit.
LOW_RES_ATOL = 1e-5
PSNR_ATOL = 0.01


def _pil_resize(images, side):
    return np.stack([np.asarray(Image.fromarray(i[..., 0], mode="F").resize(
        (side, side), Image.BICUBIC))[..., None] for i in images])


def test_inpainting_yields_the_images_twice():
    images, targets = _first("inpainting")
    assert images.shape == (16, 28, 28, 1) and _in_range(images)
    np.testing.assert_array_equal(images, targets)


def test_cyclegan_domains_are_the_two_classes():
    ds, info = tasks.load("cyclegan", "fashion_mnist", split="test", batch_size=250, seed=0,
                          shuffle=False, return_info=True)
    batches = list(ds)
    a = np.concatenate([b[0].numpy() for b in batches])
    b = np.concatenate([b[1].numpy() for b in batches])
    # The test split has 1000 of each class; an epoch is one pass over A.
    assert a.shape == b.shape == (1000, 28, 28, 1) and info.num_examples == 1000
    labels = data_lib.read_idx(
        "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    images = data_lib.read_idx(
        "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    expected_a = images[labels == 7][..., None].astype("float32") / 127.5 - 1
    np.testing.assert_array_equal(a, expected_a)
    # The shipped classifier agrees: sneakers in A, ankle boots in B.
    extractor = features.load_extractor("fashion_mnist")
    assert (extractor(a, with_probabilities=True)[1].argmax(1) == 7).mean() > 0.9
    assert (extractor(b, with_probabilities=True)[1].argmax(1) == 9).mean() > 0.9
    other = tasks.load("cyclegan", "fashion_mnist", split="test", batch_size=8,
                       domains="0,1", shuffle=False)
    _, trousers = next(iter(other))
    np.testing.assert_array_equal(trousers.numpy(), images[labels == 1][:8, ..., None]
                                  .astype("float32") / 127.5 - 1)


@pytest.mark.parametrize("task", tasks.TASKS)
def test_streams_are_deterministic_and_skip_resumes_exactly(task):
    def stream():
        return tasks.load(task, "fashion_mnist", batch_size=8, seed=3, repeat=True)

    first = [[t.numpy() for t in b] for b in stream().take(3)]
    second = [[t.numpy() for t in b] for b in stream().take(3)]
    for x, y in zip(first, second):
        for a, b in zip(x, y):
            np.testing.assert_array_equal(a, b)
    skipped = [t.numpy() for t in next(iter(stream().skip(2)))]
    for a, b in zip(skipped, first[2]):
        np.testing.assert_array_equal(a, b)
    other = [t.numpy() for t in next(iter(
        tasks.load(task, "fashion_mnist", batch_size=8, seed=4, repeat=True)))]
    assert not np.array_equal(other[0], first[0][0])


def test_side_by_side_folder_gives_pix2pix_pairs(tmp_path):
    for i in range(4):
        left = np.full((8, 8, 3), 40 * i, np.uint8)
        right = np.full((8, 8, 3), 255 - 40 * i, np.uint8)
        Image.fromarray(np.concatenate([left, right], axis=1)).save(tmp_path / f"{i}.png")
    ds, info = tasks.load("pix2pix", str(tmp_path), batch_size=4, shuffle=False,
                          return_info=True)
    inputs, targets = [t.numpy() for t in next(iter(ds))]
    assert info.image_shape == (8, 8, 3) and inputs.shape == targets.shape == (4, 8, 8, 3)
    np.testing.assert_allclose(inputs + targets, 255 / 127.5 - 2, atol=1e-6)


def test_task_errors():
    with pytest.raises(ValueError, match="task must be one of"):
        tasks.load("colorize", "fashion_mnist")
    with pytest.raises(ValueError, match="pass with_labels=False"):
        tasks.load("pix2pix", "fashion_mnist", with_labels=True)
    with pytest.raises(ValueError, match="are not class ids"):
        tasks.load("cyclegan", "fashion_mnist", domains="7,12")
    with pytest.raises(ValueError, match="do not divide by scale=3"):
        tasks.load("srgan", "fashion_mnist", scale=3)
