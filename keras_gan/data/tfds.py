"""tensorflow-datasets names: prepared on first use, with one sentence (and
no minutes of retries) on a machine without network."""

import difflib
import inspect
import os
import socket

import tensorflow as tf

from keras_gan.data.idx import LOCAL_DIRS
from keras_gan.data.info import SHUFFLE_BUFFER
from keras_gan.data.info import DatasetError
from keras_gan.data.info import DatasetInfo
from keras_gan.data.transforms import reshape

__all__ = ["load_tfds"]

_PROBE_HOST = "storage.googleapis.com"


def _needs_download(builder):
    """Whether preparing `builder` fetches files (most catalog datasets do;
    builders that generate their examples locally do not)."""
    try:
        source = inspect.getsource(type(builder)._split_generators)
    except (OSError, TypeError):
        return True
    return "download" in source


def _no_network():
    """True when the machine cannot even resolve the tfds download host."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")):
        return False  # A proxy resolves names itself.
    try:
        socket.getaddrinfo(_PROBE_HOST, 443)
    except OSError:
        return True
    return False


def load_tfds(name, split, data_dir, image_size, channels, with_labels, shuffle, seed):
    import tensorflow_datasets as tfds  # Slow import, needed only here.

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as e:
        close = difflib.get_close_matches(
            name, tfds.list_builders(with_community_datasets=False) + list(LOCAL_DIRS), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "check the spelling."
        raise DatasetError(f"Unknown dataset '{name}': not a folder, not a local IDX copy, "
                           f"and not a tensorflow-datasets name; {hint}") from e
    if not builder.is_prepared():
        local = {"fashion_mnist": ", or `apt-get install dataset-fashion-mnist`",
                 "mnist": ", or pass a folder holding its IDX files"}
        try:
            # tfds retries an unreachable host for minutes; with no name
            # resolution at all, say so at once.
            if _needs_download(builder) and _no_network():
                raise ConnectionError(f"cannot resolve {_PROBE_HOST}")
            builder.download_and_prepare()
        except Exception as e:  # Offline failures surface as many error types.
            reason = f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0][:200]}"
            raise DatasetError(
                f"Dataset '{name}' has no local copy and its download failed (no network? "
                f"{reason}); run `tfds build {name}` on a machine with network and copy "
                f"its data dir here, then pass data_dir=, or pass a folder of images"
                f"{local.get(name, '')}.") from e
    splits = builder.info.splits
    num_examples = None
    if splits:  # Empty when the split names are unknown (e.g. under tfds mocking).
        try:
            num_examples = splits[split].num_examples
        except (KeyError, ValueError) as e:
            raise DatasetError(f"Split '{split}' is not in dataset '{name}'; use one of "
                               f"{sorted(splits)}.") from e
    features = builder.info.features
    images = [k for k in features.keys() if isinstance(features[k], tfds.features.Image)]
    image_key = "image" if "image" in images else next(iter(images), None)
    if image_key is None:
        raise DatasetError(f"Dataset '{name}' has no image feature; pass an image dataset.")
    label = features["label"] if "label" in features.keys() else None
    has_labels = isinstance(label, tfds.features.ClassLabel)
    if with_labels and not has_labels:
        raise DatasetError(f"Dataset '{name}' has no 'label' class feature; pass "
                           "with_labels=False.")
    image_shape = tuple(features[image_key].shape)
    if None in image_shape[:2] and image_size is None:
        raise DatasetError(f"Dataset '{name}' has images of varying size; pass image_size= "
                           "to resize them to one size.")
    read_config = tfds.ReadConfig(shuffle_seed=seed) if seed is not None else None
    ds = builder.as_dataset(split=split, shuffle_files=shuffle, read_config=read_config)

    def select(example):
        image = example[image_key]
        if image.dtype != tf.uint8:
            image = tf.image.convert_image_dtype(image, tf.uint8, saturate=True)
        label_id = tf.cast(example["label"], tf.int32) if has_labels else tf.constant(-1)
        return image, label_id

    ds, shape = reshape(ds.map(select, num_parallel_calls=tf.data.AUTOTUNE),
                        image_shape, image_size, channels)
    if num_examples is None and ds.cardinality() >= 0:
        num_examples = int(ds.cardinality())
    info = DatasetInfo(name, "tfds", shape, label.num_classes if has_labels else None,
                       num_examples, tuple(label.names) if has_labels else None)
    return ds, info, min(num_examples or SHUFFLE_BUFFER, SHUFFLE_BUFFER)
