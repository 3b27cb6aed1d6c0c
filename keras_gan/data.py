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

import concurrent.futures
import dataclasses
import difflib
import gzip
import inspect
import os
import socket
import warnings

import numpy as np
import tensorflow as tf
from PIL import Image

__all__ = ["load", "DatasetInfo", "DatasetError", "read_idx", "LOCAL_DIRS"]

LOCAL_DIRS = {
    "fashion_mnist": ["/usr/share/datasets/fashion-mnist"],
    "mnist": ["/usr/share/datasets/mnist"],
}

_CLASS_NAMES = {
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "mnist": tuple(str(i) for i in range(10)),
}
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# Formats `tf.io.decode_image` reads, as named by PIL.
_DECODABLE_FORMATS = {"PNG", "JPEG", "MPO", "BMP", "DIB", "GIF"}
_GRAYSCALE_MODES = {"1", "L", "LA", "I", "F"}
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_SPLITS = {"train": "train", "test": "t10k"}
_CACHE_LIMIT_BYTES = 1 << 30
_SHUFFLE_BUFFER = 10_000


class DatasetError(ValueError):
    """A dataset could not be found, read or decoded; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What `load` produced.

    Args:
        name: str. The dataset name or folder, as given to `load`.
        source: str. `"idx"`, `"folder"` or `"tfds"`.
        image_shape: tuple. `(H, W, C)` of the produced images.
        num_classes: int or None. Number of classes, when labels exist.
        num_examples: int or None. Examples in the split (before batching).
        class_names: tuple or None. Names of the label ids, when known.
    """

    name: str
    source: str
    image_shape: tuple
    num_classes: int | None
    num_examples: int | None
    class_names: tuple | None = None


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
    name, image_size = _validate(name, split, batch_size, image_size, channels, seed)
    path = os.path.expanduser(name)
    if os.path.isdir(path):
        if _idx_files(path, "train") or _idx_files(path, "t10k"):
            ds, info, buffer = _load_idx(name, path, split, image_size, channels, with_labels)
        else:
            ds, info, buffer = _load_folder(name, path, split, image_size, channels,
                                            with_labels, shuffle, seed)
    elif os.path.exists(path):
        raise DatasetError(f"'{name}' is a file, not a folder; pass the folder "
                           "that holds the images or IDX files.")
    elif os.path.isabs(path) or name.startswith((".", "~")):
        raise DatasetError(f"Folder '{name}' does not exist; check the path.")
    elif (local := _local_idx_dir(name, data_dir)) is not None:
        ds, info, buffer = _load_idx(name, local, split, image_size, channels, with_labels)
    else:
        ds, info, buffer = _load_tfds(name, split, data_dir, image_size, channels,
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
    ds = ds.map(lambda x, y: (_scale(x), y) if with_labels else _scale(x),
                num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    return (ds, info) if return_info else ds


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


# === Sources ===
# Each returns (dataset of (uint8 HWC image, int32 label), DatasetInfo, shuffle
# buffer size or 0 when the source already shuffled).


def _idx_files(directory, prefix):
    """Returns (images, labels or None) for `prefix` in `directory`, or None."""
    def find(stem):
        for candidate in (stem, stem + ".gz"):
            if os.path.isfile(os.path.join(directory, candidate)):
                return os.path.join(directory, candidate)
        return None

    images = find(f"{prefix}-images-idx3-ubyte")
    return (images, find(f"{prefix}-labels-idx1-ubyte")) if images else None


def _local_idx_dir(name, data_dir):
    if name not in LOCAL_DIRS:
        return None
    candidates = [data_dir, data_dir and os.path.join(data_dir, name)]
    if os.environ.get("KERAS_GAN_DATA_DIR"):
        candidates.append(os.path.join(os.environ["KERAS_GAN_DATA_DIR"], name))
    for directory in filter(None, candidates + LOCAL_DIRS[name]):
        if _idx_files(os.path.expanduser(directory), "train"):
            return os.path.expanduser(directory)
    return None


def _load_idx(name, directory, split, image_size, channels, with_labels):
    if split not in _IDX_SPLITS:
        raise DatasetError(f"Split '{split}' is not available for the IDX files in "
                           f"'{directory}'; use split='train' or split='test'.")
    files = _idx_files(directory, _IDX_SPLITS[split])
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
    ds, shape = _reshape(ds, images.shape[1:] + (1,), image_size, channels)
    num_classes = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else None
    class_names = _CLASS_NAMES.get(name) if num_classes == 10 else None
    return ds, DatasetInfo(name, "idx", shape, num_classes, len(images), class_names), len(images)


def _load_folder(name, directory, split, image_size, channels, with_labels, shuffle, seed):
    if split != "train":
        raise DatasetError(f"Folder '{directory}' has a single split; use split='train' "
                           f"instead of split='{split}'.")
    paths = []
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        paths += [os.path.join(root, f) for f in files
                  if f.lower().endswith(_IMAGE_EXTENSIONS) and not f.startswith(".")]
    paths.sort()
    with concurrent.futures.ThreadPoolExecutor(min(32, 2 * (os.cpu_count() or 1))) as pool:
        checks = list(pool.map(_check_image, paths))
    bad = [p for p, c in zip(paths, checks) if c is None]
    if bad:
        warnings.warn(f"Skipped {len(bad)} unreadable image file(s) in '{directory}', "
                      f"e.g. {', '.join(bad[:3])}.", stacklevel=3)
    good = [(p, c) for p, c in zip(paths, checks) if c is not None]
    if not good:
        raise DatasetError(f"Folder '{directory}' has no readable images; add files ending "
                           f"in {', '.join(_IMAGE_EXTENSIONS)} (any case).")
    paths = [p for p, _ in good]
    parts = [os.path.relpath(p, directory).split(os.sep) for p in paths]
    class_names = tuple(sorted({r[0] for r in parts if len(r) > 1})) or None
    loose = [p for p, r in zip(paths, parts) if len(r) == 1]
    if with_labels and not class_names:
        raise DatasetError(f"Folder '{directory}' has no class subfolders, so it has no "
                           "labels; put each class's images in its own subfolder or "
                           "pass with_labels=False.")
    if with_labels and loose:
        raise DatasetError(f"Folder '{directory}' has {len(loose)} image(s) outside the "
                           f"class subfolders, e.g. '{loose[0]}'; move them into a class "
                           "subfolder or pass with_labels=False.")
    ids = {c: i for i, c in enumerate(class_names or ())}
    labels = np.array([ids.get(r[0], -1) if len(r) > 1 else -1 for r in parts], np.int32)
    (width, height), _ = good[0][1]
    size = image_size or (height, width)
    gray = sum(_is_grayscale(mode) for _, (_, mode) in good)
    if channels is None:
        # Any color image makes the folder RGB: graying it would lose color
        # silently, while a grayscale image converts to RGB exactly.
        channels = 1 if gray == len(good) else 3
        if 0 < gray < len(good):
            warnings.warn(f"Folder '{directory}' mixes {gray} grayscale and {len(good) - gray} "
                          "color images; all are converted to RGB (pass channels=1 for "
                          "grayscale).", stacklevel=3)

    def decode(path, label):
        # GIF and BMP decoders refuse channels=1, so decode natively and convert.
        image = tf.io.decode_image(tf.io.read_file(path), channels=3 if channels == 3 else 0,
                                   expand_animations=False)
        return _resize(_to_channels(image, channels), size), label

    n = len(paths)
    cache = n * size[0] * size[1] * channels < _CACHE_LIMIT_BYTES
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    if cache:
        # One fixed permutation before the cache mixes the class folders, so a
        # bounded buffer after it still reshuffles well each epoch.
        paths, labels = [paths[i] for i in order], labels[order]
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    if shuffle and not cache:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(decode, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.cache() if cache else ds
    info = DatasetInfo(name, "folder", (*size, channels),
                       len(class_names) if class_names else None, n, class_names)
    return ds, info, min(n, _SHUFFLE_BUFFER) if cache else 0


def _is_grayscale(mode):
    return mode in _GRAYSCALE_MODES or mode.startswith("I;")


def _check_image(path):
    """Returns ((width, height), mode) if `path` is an image TF can decode, else None."""
    try:
        with Image.open(path) as image:
            mode = image.mode
            if mode == "P":  # A palette of grays (GIF's usual way to store L) is grayscale.
                palette = image.getpalette() or []
                triples = zip(palette[0::3], palette[1::3], palette[2::3])
                mode = "L" if all(r == g == b for r, g, b in triples) else "P"
            found = (image.size, mode), image.format
            image.verify()
    except Exception:  # PIL raises many types for bad files.
        return None
    return found[0] if found[1] in _DECODABLE_FORMATS else None


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


def _load_tfds(name, split, data_dir, image_size, channels, with_labels, shuffle, seed):
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

    ds, shape = _reshape(ds.map(select, num_parallel_calls=tf.data.AUTOTUNE),
                         image_shape, image_size, channels)
    if num_examples is None and ds.cardinality() >= 0:
        num_examples = int(ds.cardinality())
    info = DatasetInfo(name, "tfds", shape, label.num_classes if has_labels else None,
                       num_examples, tuple(label.names) if has_labels else None)
    return ds, info, min(num_examples or _SHUFFLE_BUFFER, _SHUFFLE_BUFFER)


# === Image helpers ===


def _reshape(ds, shape, image_size, channels):
    """Maps `ds` to `image_size` and `channels`; returns it and the new shape."""
    size = image_size or tuple(shape[:2])
    channels = channels or shape[2] or 3
    if size == tuple(shape[:2]) and channels == shape[2]:
        return ds, (*size, channels)
    ds = ds.map(lambda x, y: (_resize(_to_channels(x, channels), size), y),
                num_parallel_calls=tf.data.AUTOTUNE)
    return ds, (*size, channels)


def _to_channels(image, channels):
    """Converts a uint8 HWC image with any channel count to 1 or 3 channels."""
    have = image.shape[-1]
    if have is None:  # Decoded files: the channel count is known only at run time.
        def convert(keep):
            return _to_channels(tf.ensure_shape(image[..., :keep], [None, None, keep]), channels)

        image = tf.cond(tf.shape(image)[-1] >= 3, lambda: convert(3), lambda: convert(1))
        return tf.ensure_shape(image, [None, None, channels])
    if have == channels:
        return image
    if channels == 1:
        return image[..., :1] if have < 3 else tf.image.rgb_to_grayscale(image[..., :3])
    return tf.tile(image[..., :1], [1, 1, 3]) if have < 3 else image[..., :3]


def _resize(image, size):
    """Resizes a uint8 image to `size` (bilinear, antialiased), keeping uint8."""
    def resized():
        out = tf.image.resize(image, size, method="bilinear", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8)

    same = tf.reduce_all(tf.equal(tf.shape(image)[:2], size))
    return tf.ensure_shape(tf.cond(same, lambda: image, resized), [*size, image.shape[-1]])


def _scale(images):
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def _validate(name, split, batch_size, image_size, channels, seed):
    if not isinstance(name, (str, os.PathLike)) or not os.fspath(name):
        raise ValueError(f"name must be a non-empty str or path. Received: name={name!r}")
    if not isinstance(split, str):
        raise ValueError(f"split must be a str. Received: split={split!r}")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int. Received: batch_size={batch_size!r}")
    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if size is not None and (not isinstance(size, (tuple, list)) or len(size) != 2
                             or not all(_is_int(s) and s > 0 for s in size)):
        raise ValueError("image_size must be a positive int or a pair (height, width) of "
                         f"them. Received: image_size={image_size!r}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None. Received: channels={channels!r}")
    if seed is not None and not _is_int(seed):
        raise ValueError(f"seed must be an int or None. Received: seed={seed!r}")
    return os.fspath(name), tuple(size) if size is not None else None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
