"""MNIST-style IDX files: reading them, and finding the local copies of
mnist and fashion_mnist."""

import gzip
import os

import numpy as np
import tensorflow as tf

from keras_gan.data.info import DatasetError
from keras_gan.data.info import DatasetInfo
from keras_gan.data.transforms import reshape

__all__ = ["LOCAL_DIRS", "idx_files", "load_idx", "local_idx_dir", "read_idx"]

LOCAL_DIRS = {
    "fashion_mnist": ["/usr/share/datasets/fashion-mnist"],
    "mnist": ["/usr/share/datasets/mnist"],
}
_CLASS_NAMES = {
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "mnist": tuple(str(i) for i in range(10)),
}
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_SPLITS = {"train": "train", "test": "t10k"}

# Each source returns (dataset of (uint8 HWC image, int32 label), DatasetInfo,
# shuffle buffer size or 0 when the source already shuffled).


def read_idx(path):
    """Reads an IDX file (the MNIST format), gzipped or raw, into an array.

    Args:
        path: str. The file; a `.gz` suffix means gzip-compressed.

    Returns:
        A numpy array, e.g. uint8 `(N, 28, 28)` images or `(N,)` labels.

    Example:

    >>> labels = read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    >>> labels.shape
    (10000,)
    """
    path = os.fspath(path)
    fix = "reinstall or re-download it"
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError.
        raise DatasetError(f"IDX file '{path}' could not be read ({e}); it is "
                           f"truncated or corrupt, {fix}.") from e
    if len(data) < 4 or data[0] or data[1] or data[2] not in _IDX_DTYPES:
        raise DatasetError(f"IDX file '{path}' has no valid IDX header; it is "
                           f"corrupt or not an IDX file, {fix}.")
    ndim, dtype = data[3], np.dtype(_IDX_DTYPES[data[2]])
    offset = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(data[4:offset], dtype=">u4"))
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(shape) != ndim or len(data) != expected:
        raise DatasetError(f"IDX file '{path}' has {len(data)} bytes but its header "
                           f"{shape} needs {expected}; it is truncated or corrupt, {fix}.")
    array = np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def idx_files(directory, prefix):
    """Returns (images, labels or None) for `prefix` in `directory`, or None."""
    def find(stem):
        for candidate in (stem, stem + ".gz"):
            if os.path.isfile(os.path.join(directory, candidate)):
                return os.path.join(directory, candidate)
        return None

    images = find(f"{prefix}-images-idx3-ubyte")
    return (images, find(f"{prefix}-labels-idx1-ubyte")) if images else None


def local_idx_dir(name, data_dir):
    if name not in LOCAL_DIRS:
        return None
    candidates = [data_dir, data_dir and os.path.join(data_dir, name)]
    if os.environ.get("KERAS_GAN_DATA_DIR"):
        candidates.append(os.path.join(os.environ["KERAS_GAN_DATA_DIR"], name))
    for directory in filter(None, candidates + LOCAL_DIRS[name]):
        if idx_files(os.path.expanduser(directory), "train"):
            return os.path.expanduser(directory)
    return None


def load_idx(name, directory, split, image_size, channels, with_labels):
    if split not in _IDX_SPLITS:
        raise DatasetError(f"Split '{split}' is not available for the IDX files in "
                           f"'{directory}'; use split='train' or split='test'.")
    files = idx_files(directory, _IDX_SPLITS[split])
    if files is None:
        raise DatasetError(f"Folder '{directory}' has no {_IDX_SPLITS[split]}-images-"
                           f"idx3-ubyte[.gz] file for split '{split}'; add it or use "
                           "another split.")
    images = read_idx(files[0])
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(f"IDX file '{files[0]}' holds {images.dtype} data of shape "
                           f"{images.shape}, not uint8 (N, H, W) images; pass an image file.")
    if with_labels and not files[1]:
        raise DatasetError(f"Folder '{directory}' has no labels file for split '{split}'; "
                           "add it or pass with_labels=False.")
    labels = read_idx(files[1]) if files[1] else np.full(len(images), -1)
    if labels.shape != images.shape[:1]:
        raise DatasetError(f"IDX files '{files[0]}' and '{files[1]}' hold {len(images)} "
                           f"images but {len(labels)} labels; reinstall or re-download them.")
    labels = labels.astype(np.int32)
    ds = tf.data.Dataset.from_tensor_slices((images[..., None], labels))
    ds, shape = reshape(ds, images.shape[1:] + (1,), image_size, channels)
    num_classes = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else None
    class_names = _CLASS_NAMES.get(name) if num_classes == 10 else None
    return ds, DatasetInfo(name, "idx", shape, num_classes, len(images), class_names), len(images)
