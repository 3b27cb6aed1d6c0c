"""Folders of image files (png, jpg, bmp, gif), one subfolder per class when
labelled; unreadable files are skipped with one warning."""

import concurrent.futures
import os
import warnings

import numpy as np
import tensorflow as tf
from PIL import Image

from keras_gan.data.info import CACHE_LIMIT_BYTES
from keras_gan.data.info import SHUFFLE_BUFFER
from keras_gan.data.info import DatasetError
from keras_gan.data.info import DatasetInfo
from keras_gan.data.transforms import resize
from keras_gan.data.transforms import to_channels

__all__ = ["check_image", "load_image_folder"]

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# Formats `tf.io.decode_image` reads, as named by PIL.
_DECODABLE_FORMATS = {"PNG", "JPEG", "MPO", "BMP", "DIB", "GIF"}
_GRAYSCALE_MODES = {"1", "L", "LA", "I", "F"}


def load_image_folder(name, directory, split, image_size, channels, with_labels, shuffle, seed):
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
        checks = list(pool.map(check_image, paths))
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
        return resize(to_channels(image, channels), size), label

    n = len(paths)
    cache = n * size[0] * size[1] * channels < CACHE_LIMIT_BYTES
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
    return ds, info, min(n, SHUFFLE_BUFFER) if cache else 0


def _is_grayscale(mode):
    return mode in _GRAYSCALE_MODES or mode.startswith("I;")


def check_image(path):
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
