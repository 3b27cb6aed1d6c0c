"""Image datasets for GAN training as `tf.data` pipelines.

`load(name)` accepts, in this order of precedence:

1. A path to a folder: MNIST-style IDX files in it, or else image files
   (png, jpg, jpeg, bmp, gif), with one subfolder per class when labelled.
2. `"mnist"` or `"fashion_mnist"` when a local copy of the IDX files exists
   (in `data_dir`, `$KERAS_GAN_DATA_DIR/<name>` or `LOCAL_DIRS[name]`), so the
   default dataset works offline.
3. Any tensorflow-datasets name, downloaded and prepared on first use.

Every source yields float32 images in [-1, 1] of shape (batch, H, W, C).
Images stay uint8 through decoding, caching and shuffling; the cast and
scale run once per batch.
"""

import os

import tensorflow as tf

from keras_gan.data.folders import check_image
from keras_gan.data.folders import load_image_folder
from keras_gan.data.idx import LOCAL_DIRS
from keras_gan.data.idx import idx_files
from keras_gan.data.idx import load_idx
from keras_gan.data.idx import local_idx_dir
from keras_gan.data.idx import read_idx
from keras_gan.data.info import DatasetError
from keras_gan.data.info import DatasetInfo
from keras_gan.data.tfds import load_tfds
from keras_gan.data.transforms import scale
from keras_gan.data.transforms import validate

__all__ = ["load", "DatasetInfo", "DatasetError", "read_idx", "LOCAL_DIRS"]

# The names these had before the module became a package; kept for one release.
_check_image = check_image
_idx_files = idx_files
_validate = validate


def load(name, split="train", batch_size=64, with_labels=False, data_dir=None,
         image_size=None, channels=None, shuffle=True, seed=None,
         drop_remainder=True, return_info=False, repeat=False):
    """Loads an image dataset as batches of float32 images in [-1, 1].

    Folder sources: every image file is checked with PIL up front; files
    that cannot be read are skipped with one warning that counts them.
    Images of mixed sizes are resized (bilinear, antialiased) to
    `image_size`. Subfolders that hold images are classes (sorted names give
    label ids); loose images next to them are an error when
    `with_labels=True`. Decoded folders under 1 GiB are cached in memory.

    Args:
        name: str or path. A folder, `"mnist"`/`"fashion_mnist"` (local IDX
            copy first) or a tensorflow-datasets name.
        split: str. `"train"` or `"test"` for IDX files, `"train"` for
            folders, any split of a tensorflow-datasets dataset. Defaults to
            `"train"`.
        batch_size: int. Images per batch. Defaults to 64.
        with_labels: bool. Yield `(images, labels)` with int32 labels.
            Defaults to `False`.
        data_dir: str or None. Where IDX files or tensorflow-datasets data
            live. Defaults to `None` (the usual places).
        image_size: int, `(H, W)` or None. Output size; defaults to the
            dataset's own size (for folders, the first image's size).
        channels: 1, 3 or None. Output channels; defaults to the dataset's
            own (for folders, 1 if the first image is grayscale, else 3).
        shuffle: bool. Reshuffle every epoch. Defaults to `True`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        drop_remainder: bool. Drop the last incomplete batch. Defaults to
            `True`.
        return_info: bool. Also return a `DatasetInfo`. Defaults to `False`.
        repeat: bool. Repeat forever (a stream of batches). With a `seed`,
            every iterator of the stream yields the same batches, in every
            process, so `load(...).skip(step)` resumes a run at exactly that
            batch (IDX and cached folder sources; tfds file order and large
            uncached folders reshuffle per iterator). Defaults to `False`.

    Returns:
        A `tf.data.Dataset`, or `(dataset, DatasetInfo)` when `return_info`.

    Example:

    >>> ds, info = load("fashion_mnist", batch_size=8, return_info=True)
    >>> next(iter(ds)).shape
    TensorShape([8, 28, 28, 1])
    """
    name, image_size = validate(name, split, batch_size, image_size, channels, seed)
    path = os.path.expanduser(name)
    if os.path.isdir(path):
        if idx_files(path, "train") or idx_files(path, "t10k"):
            ds, info, buffer = load_idx(name, path, split, image_size, channels, with_labels)
        else:
            ds, info, buffer = load_image_folder(name, path, split, image_size, channels,
                                                 with_labels, shuffle, seed)
    elif os.path.exists(path):
        raise DatasetError(f"'{name}' is a file, not a folder; pass the folder "
                           "that holds the images or IDX files.")
    elif os.path.isabs(path) or name.startswith((".", "~")):
        raise DatasetError(f"Folder '{name}' does not exist; check the path.")
    elif (local := local_idx_dir(name, data_dir)) is not None:
        ds, info, buffer = load_idx(name, local, split, image_size, channels, with_labels)
    else:
        ds, info, buffer = load_tfds(name, split, data_dir, image_size, channels,
                                     with_labels, shuffle, seed)
    if repeat:
        # One iterator walks the repetitions, each shuffled with the next
        # seed of the shuffle's own sequence. The shuffle is made inside
        # flat_map, once per iterator, so every iterator walks the same
        # sequence: under tf.distribute, fit opens one iterator to peek at a
        # batch and trains on a second, which must not be reshuffled.
        source = ds

        def stream(_):
            walked = source.shuffle(buffer, seed=seed, reshuffle_each_iteration=True) \
                if shuffle and buffer else source
            return walked.repeat()

        ds = tf.data.Dataset.range(1).flat_map(stream)
    elif shuffle and buffer:
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(lambda x, y: (scale(x), y) if with_labels else scale(x),
                num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    return (ds, info) if return_info else ds
