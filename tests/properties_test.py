"""Property-based checks: every input either works or raises the documented error."""

import gzip
import os
import struct

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from keras_gan import data
from keras_gan import export
from keras_gan import testing
from keras_gan.models import ConditionalGAN

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def signatures(tmp_path_factory):
    model = testing.tiny_model(ConditionalGAN, num_classes=4)
    path = export.export_saved_model(model, str(tmp_path_factory.mktemp("sm")), warmup=False)
    return tf.saved_model.load(path).signatures


@pytest.mark.xdist_group("properties_test.signatures")  # the module fixture, built once
@SETTINGS
@given(batch=st.integers(0, 5), width=st.integers(1, 12), label=st.integers(-3, 7))
def test_serving_default_works_or_says_what_is_wrong(signatures, batch, width, label):
    z = tf.random.normal((batch, width))
    labels = tf.fill((batch,), label)
    try:
        images = signatures["serving_default"](z=z, labels=labels)["images"]
    except tf.errors.InvalidArgumentError as e:
        message = e.message
        assert ("z must have shape (batch, 8)" in message and width != 8) or (
            "labels must lie in [0, 4)" in message and batch > 0 and not 0 <= label < 4
        ), message
        return
    assert width == 8 and (batch == 0 or 0 <= label < 4)
    assert images.shape == (batch, 28, 28, 1) and images.dtype == tf.float32
    assert batch == 0 or float(tf.reduce_max(tf.abs(images))) <= 1.0


@pytest.mark.xdist_group("properties_test.signatures")  # the module fixture, built once
@SETTINGS
@given(seed=st.integers(-(2**63), 2**63 - 1), count=st.integers(-2, 6))
def test_generate_signature_works_or_says_what_is_wrong(signatures, seed, count):
    labels = tf.zeros((max(count, 0),), tf.int32)
    try:
        out = signatures["generate"](seed=tf.constant(seed, tf.int64), count=tf.constant(count),
                                     labels=labels)["images"]
    except tf.errors.InvalidArgumentError as e:
        assert count <= 0 and "count must be a positive int" in e.message
        return
    assert count > 0 and out.dtype == tf.uint8 and out.shape == (count, 28, 28, 1)


@pytest.mark.xdist_group("properties_test.signatures")  # the module fixture, built once
def test_serving_default_rejects_other_dtypes_before_running(signatures):
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor"):
        signatures["serving_default"](z=tf.zeros((1, 8), tf.float64), labels=tf.zeros((1,), tf.int32))


def _write_idx(path, array):
    codes = {np.uint8: 0x08}
    header = struct.pack(">HBB", 0, codes[np.uint8], array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    rng = np.random.default_rng(0)
    idx = tmp_path_factory.mktemp("idx")
    for prefix, n in (("train", 12), ("t10k", 6)):
        _write_idx(idx / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(idx / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, (n,)))
    folder = tmp_path_factory.mktemp("folder")
    for cls in ("a", "b"):
        (folder / cls).mkdir()
        for i in range(5):
            Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)).save(
                folder / cls / f"{i}.png")
    return {"idx": str(idx), "folder": str(folder)}


@SETTINGS
@given(
    source=st.sampled_from(["idx", "folder"]),
    batch_size=st.one_of(st.integers(-2, 20), st.sampled_from([None, 2.5, "4"])),
    split=st.sampled_from(["train", "test", "validation", "", None]),
    image_size=st.sampled_from([None, 0, -4, 8, 16, (8, 10), (3,), "x"]),
    with_labels=st.booleans(),
)
def test_data_load_works_or_raises_value_error(sources, source, batch_size, split, image_size,
                                               with_labels):
    try:
        ds, info = data.load(sources[source], split=split, batch_size=batch_size,
                             image_size=image_size, with_labels=with_labels, return_info=True,
                             drop_remainder=False)
        batch = next(iter(ds))
    except ValueError as e:  # DatasetError is a ValueError too.
        assert str(e) and "\n" not in str(e).strip()
        return
    images = batch[0] if with_labels else batch
    assert images.dtype == tf.float32
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
    assert tuple(images.shape[1:]) == info.image_shape
    assert isinstance(batch_size, int) and 0 < images.shape[0] <= batch_size
    if image_size:
        expected = (image_size,) * 2 if isinstance(image_size, int) else tuple(image_size)
        assert info.image_shape[:2] == expected
