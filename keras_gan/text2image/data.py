"""Captioned images whose every word can be checked: a synthetic set built
from real Fashion-MNIST items, and a loader for a user's captioned folder.

The synthetic set is *synthetic*: each real 28x28 Fashion-MNIST item is
resized and placed on a black RGB canvas with four known factors, and its
captions are written from templates that name those factors:

- class: the item's Fashion-MNIST class, named by one of several synonyms
  ("sneaker", "trainer", "running shoe");
- colour: a tint from `COLOURS` multiplied into the item's grey levels
  ("white" keeps them as they are);
- size: `SIZES` (the item's 28x28 frame is resized to that many pixels);
- position: one of `POSITIONS` on the canvas.

The combinations in `HELD_OUT` (class, colour) never occur in the training
split; the "heldout" split holds only them (the zero-shot test, as Reed et
al. hold out classes). Every draw is a function of the seed alone.
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from keras_gan import data as data_lib
from keras_gan.text2image.canvas import anchors  # noqa: F401  (part of this module's API)
from keras_gan.text2image.canvas import check_canvas
from keras_gan.text2image.canvas import item_sizes  # noqa: F401
from keras_gan.text2image.canvas import layout  # noqa: F401
from keras_gan.text2image.canvas import render  # noqa: F401
from keras_gan.text2image.canvas import render_fn
from keras_gan.text2image.captions import CLASSES
from keras_gan.text2image.captions import COLOURS
from keras_gan.text2image.captions import HELD_OUT
from keras_gan.text2image.captions import POSITIONS
from keras_gan.text2image.captions import SIZES
from keras_gan.text2image.captions import TEMPLATES  # noqa: F401
from keras_gan.text2image.captions import Factors
from keras_gan.text2image.captions import caption  # noqa: F401
from keras_gan.text2image.captions import captions_for
from keras_gan.text2image.captions import parse_caption  # noqa: F401
from keras_gan.text2image.captions import vocabulary  # noqa: F401

__all__ = [
    "CLASSES",
    "COLOURS",
    "SIZES",
    "POSITIONS",
    "HELD_OUT",
    "TEMPLATES",
    "Factors",
    "CaptionedInfo",
    "draw_factors",
    "caption",
    "captions_for",
    "parse_caption",
    "render",
    "layout",
    "load",
    "load_folder",
    "vocabulary",
]

SPLITS = ("train", "test", "heldout")
_IDX_DIR = "/usr/share/datasets/fashion-mnist"


@dataclasses.dataclass
class CaptionedInfo:
    """What a captioned dataset holds.

    Attributes:
        name: str. "captioned_fashion_mnist" or the folder's path.
        image_shape: tuple. `(canvas, canvas, 3)`.
        num_examples: int. Images in the split.
        captions: list of str. Every caption of the split (all phrasings).
        factors: `Factors` or None (None for a user's folder).
        synthetic: bool. Whether the images were composed here.
    """

    name: str
    image_shape: tuple
    num_examples: int
    captions: list
    factors: Factors | None = None
    synthetic: bool = True
    num_classes = None


def draw_factors(labels, seed, split="train"):
    """Draws colour, size and position for items of classes `labels`.

    In the "train" split a draw that falls on a `HELD_OUT` pair takes another
    colour; in "heldout" every item gets the colour of one of its class's
    held-out pairs (items of classes without one are dropped).

    Returns:
        `(Factors, kept_index)`: the factors and which items were kept.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}. Received: split={split!r}")
    labels = np.asarray(labels, "int64")
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    n = len(labels)
    colour = rng.integers(0, len(COLOURS), n)
    size = rng.integers(0, len(SIZES), n)
    position = rng.integers(0, len(POSITIONS), n)
    keep = np.arange(n)
    held = {}
    for item, col in HELD_OUT:
        held.setdefault(item, []).append(col)
    if split == "train":
        for i in range(n):
            bad = held.get(int(labels[i]), [])
            while colour[i] in bad:
                colour[i] = (colour[i] + 1 + rng.integers(0, len(COLOURS) - 1)) % len(COLOURS)
    elif split == "heldout":
        keep = np.array([i for i in range(n) if int(labels[i]) in held])
        colour = np.array([held[int(labels[i])][rng.integers(0, len(held[int(labels[i])]))]
                           if int(labels[i]) in held else 0 for i in range(n)])
    return Factors(labels[keep], colour[keep], size[keep], position[keep]), keep


def _fashion_split(split, data_dir):
    directory = data_dir or os.environ.get("KERAS_GAN_DATA_DIR") or _IDX_DIR
    files = data_lib.idx_files(directory, "train" if split == "train" else "t10k")
    if files is None or files[1] is None:
        raise data_lib.DatasetError(
            f"The Fashion-MNIST IDX files are not in '{directory}'; install the Debian "
            "package dataset-fashion-mnist (scripts/setup.sh) or pass data_dir."
        )
    return data_lib.read_idx(files[0]), data_lib.read_idx(files[1]).astype("int64")


def load(split="train", batch_size=64, canvas=32, seed=0, shuffle=True, repeat=False,
         with_factors=False, limit=None, data_dir=None, return_info=False):
    """The synthetic captioned Fashion-MNIST set as a `tf.data.Dataset`.

    Elements are `(image, caption)`: float32 `(canvas, canvas, 3)` in [-1, 1]
    and a scalar string, one of the image's three phrasings (chosen again
    at every pass, from the seed and the element's position in the stream).
    With `with_factors=True` a third element holds the int32 factor
    combination id (`Factors.combo`), which the joint-embedding loss uses.

    Args:
        split: str. "train" (Fashion-MNIST train items, held-out pairs
            excluded), "test" (test items, every pair) or "heldout" (test
            items, held-out pairs only).
        batch_size: int. Defaults to 64.
        canvas: int. Canvas side, a multiple of 16. Defaults to 32.
        seed: int. Seeds factors, phrasings and shuffling. Defaults to 0.
        shuffle: bool. Defaults to True.
        repeat: bool. Repeat forever. Defaults to False.
        with_factors: bool. Defaults to False.
        limit: int or None. Use only the first `limit` items.
        data_dir: str or None. Folder of the Fashion-MNIST IDX files.
        return_info: bool. Also return a `CaptionedInfo`.

    Example:
    >>> ds = load("train", batch_size=8)
    >>> images, captions = next(iter(ds))
    >>> images.shape
    TensorShape([8, 32, 32, 3])

    Reference:
        Reed et al., "Generative Adversarial Text to Image Synthesis", ICML 2016.
    """
    check_canvas(canvas)
    data_lib.validate("captioned_fashion_mnist", "train", batch_size, None, 3, seed)
    images, labels = _fashion_split(split, data_dir)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    factors, keep = draw_factors(labels, seed, split)
    images = images[keep]
    captions = captions_for(factors, seed)
    info = CaptionedInfo(
        "captioned_fashion_mnist", (canvas, canvas, 3), len(images),
        [c for row in captions for c in row], factors, True,
    )
    paint = render_fn(canvas)
    ds = tf.data.Dataset.from_tensor_slices(
        (images, factors.colour, factors.size, factors.position,
         tf.constant(captions), factors.combo().astype("int32"))
    )
    if shuffle:
        ds = ds.shuffle(min(len(images), 20000), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.enumerate()

    def element(index, values):
        item, colour, size, position, texts, combo = values
        pick = tf.random.stateless_uniform(
            (), seed=tf.stack([tf.cast(seed, tf.int64), index]), maxval=3, dtype=tf.int64
        )
        image = paint(item, colour, size, position)
        return (image, texts[pick], combo) if with_factors else (image, texts[pick])

    ds = ds.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    return (ds, info) if return_info else ds


def _read_captions(directory):
    """`{filename: [captions]}` from `captions.txt` (lines `filename<TAB>caption`
    or `filename: caption`) or from one `<stem>.txt` per image."""
    images = sorted(f for f in os.listdir(directory)
                    if os.path.splitext(f)[1].lower() in (".png", ".jpg", ".jpeg", ".bmp", ".gif"))
    table = {}
    listing = os.path.join(directory, "captions.txt")
    if os.path.exists(listing):
        with open(listing, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                name, sep, text = line.partition("\t")
                if not sep:
                    name, sep, text = line.partition(":")
                if not sep or not text.strip():
                    raise data_lib.DatasetError(
                        f"{listing} line {number} is not 'filename<TAB>caption' or "
                        f"'filename: caption'; fix or remove it. Received: {line!r}"
                    )
                table.setdefault(name.strip(), []).append(text.strip())
        missing = sorted(set(table) - set(images))
        if missing:
            raise data_lib.DatasetError(
                f"{listing} names {missing[0]!r}, which is not an image in {directory}; "
                "add the image or remove its lines."
            )
    else:
        for name in images:
            side = os.path.join(directory, os.path.splitext(name)[0] + ".txt")
            if os.path.exists(side):
                with open(side, encoding="utf-8") as f:
                    texts = [t.strip() for t in f if t.strip()]
                if texts:
                    table[name] = texts
    if not table:
        raise data_lib.DatasetError(
            f"Folder '{directory}' has no captions: add captions.txt (lines "
            "'filename<TAB>caption') or one <image stem>.txt per image."
        )
    return table


def load_folder(directory, batch_size=64, canvas=32, seed=0, shuffle=True, repeat=False,
                with_factors=False, return_info=False):
    """A user's captioned image folder as `(image, caption)` batches.

    Every (image, caption) pair is one example; images are resized to
    `canvas` x `canvas` RGB in [-1, 1]. With `with_factors=True` the third
    element is the image's index (each image its own match class for the
    joint-embedding loss).

    Args:
        directory: str. Folder with images and `captions.txt` or `.txt` files.
        Other args: as `load`.
    """
    if not os.path.isdir(directory):
        raise data_lib.DatasetError(f"'{directory}' is not a folder of captioned images.")
    check_canvas(canvas)
    table = _read_captions(directory)
    names = sorted(table)
    paths, texts, ids = [], [], []
    for i, name in enumerate(names):
        for text in table[name]:
            paths.append(os.path.join(directory, name))
            texts.append(text)
            ids.append(i)
    for path in dict.fromkeys(paths):
        if data_lib.check_image(path) is None:
            raise data_lib.DatasetError(
                f"'{path}' is not an image TensorFlow can decode (PNG, JPEG, BMP or GIF); "
                "convert or remove it."
            )
    info = CaptionedInfo(directory, (canvas, canvas, 3), len(paths), texts, None, False)
    ds = tf.data.Dataset.from_tensor_slices((paths, texts, np.asarray(ids, "int32")))
    if shuffle:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    def element(path, text, index):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32), (canvas, canvas), antialias=True)
        image = tf.ensure_shape(image / 127.5 - 1.0, (canvas, canvas, 3))
        return (image, text, index) if with_factors else (image, text)

    ds = ds.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(batch_size, drop_remainder=len(paths) >= batch_size).prefetch(tf.data.AUTOTUNE)
    return (ds, info) if return_info else ds
