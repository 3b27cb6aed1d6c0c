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

# Fashion-MNIST class order; the first name is the canonical one.
CLASSES = (
    ("t-shirt", "tee", "top"),
    ("trousers", "pants", "jeans"),
    ("pullover", "sweater", "jumper"),
    ("dress", "frock", "gown"),
    ("coat", "jacket", "parka"),
    ("sandal", "flip flop", "slide"),
    ("shirt", "blouse", "button shirt"),
    ("sneaker", "trainer", "running shoe"),
    ("bag", "handbag", "purse"),
    ("ankle boot", "boot", "bootie"),
)
# Every tint has a largest channel of 1, so the item's grey level is the
# pixel's largest channel whatever the colour (used by the metrics).
COLOURS = (
    ("white", (1.0, 1.0, 1.0)),
    ("red", (1.0, 0.12, 0.1)),
    ("green", (0.12, 1.0, 0.15)),
    ("blue", (0.15, 0.35, 1.0)),
    ("yellow", (1.0, 0.9, 0.08)),
    ("purple", (0.7, 0.15, 1.0)),
)
SIZES = (("small", "little", "tiny"), ("large", "big", "huge"))
POSITIONS = (
    ("top left", "upper left"),
    ("top right", "upper right"),
    ("bottom left", "lower left"),
    ("bottom right", "lower right"),
    ("center", "middle"),
)
# (class, colour) pairs never seen in training.
HELD_OUT = ((8, 2), (7, 1), (1, 3), (3, 4), (4, 5))  # green bag, red sneaker, blue trousers, yellow dress, purple coat
TEMPLATES = (
    "a {size} {colour} {item} in the {position}",
    "{position}: a {size} {colour} {item}",
    "a {colour} {item}, {size}, at the {position}",
    "there is a {size} {colour} {item} in the {position} of the picture",
)
SPLITS = ("train", "test", "heldout")
_IDX_DIR = "/usr/share/datasets/fashion-mnist"


@dataclasses.dataclass
class Factors:
    """Integer factors of a set of images, one array per factor (shape (n,))."""

    item: np.ndarray
    colour: np.ndarray
    size: np.ndarray
    position: np.ndarray

    def __len__(self):
        return len(self.item)

    def combo(self):
        """One id per factor combination (class, colour, size, position)."""
        return ((self.item * len(COLOURS) + self.colour) * len(SIZES) + self.size) * len(
            POSITIONS
        ) + self.position

    def take(self, index):
        return Factors(*(np.asarray(a)[index] for a in dataclasses.astuple(self)))


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


def _check_canvas(canvas):
    if isinstance(canvas, bool) or not isinstance(canvas, int) or canvas < 16 or canvas % 16:
        raise ValueError(
            f"canvas must be a multiple of 16, at least 16 (e.g. 32 or 64). Received: canvas={canvas!r}"
        )
    return canvas


def item_sizes(canvas):
    """Pixel side of the item's frame for each size: 7/16 and 11/16 of the
    canvas (14 and 22 pixels on 32), far enough apart for the size and the
    position to be read back from the pixels."""
    return (int(round(canvas * 7 / 16)), int(round(canvas * 11 / 16)))


def layout(size, position, canvas):
    """`(top, left, side)` of the item's frame on the canvas."""
    side = item_sizes(canvas)[size]
    far = canvas - side - max(1, canvas // 32)
    near = max(1, canvas // 32)
    mid = (canvas - side) // 2
    top, left = ((near, near), (near, far), (far, near), (far, far), (mid, mid))[position]
    return top, left, side


def anchors(canvas):
    """Centre `(y, x)` of the frame for every (size, position): shape (2, 5, 2)."""
    out = np.zeros((len(SIZES), len(POSITIONS), 2))
    for s in range(len(SIZES)):
        for p in range(len(POSITIONS)):
            top, left, side = layout(s, p, canvas)
            out[s, p] = (top + side / 2.0, left + side / 2.0)
    return out


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


def caption(item, colour, size, position, rng):
    """One caption for the factors, phrasing drawn with `rng`
    (a `numpy.random.Generator`)."""
    pick = lambda names: names[rng.integers(0, len(names))]  # noqa: E731
    template = TEMPLATES[rng.integers(0, len(TEMPLATES))]
    return template.format(
        item=pick(CLASSES[item]),
        colour=COLOURS[colour][0],
        size=pick(SIZES[size]),
        position=pick(POSITIONS[position]),
    )


def captions_for(factors, seed, per_image=3):
    """`per_image` captions for every image: list of lists of str."""
    rng = np.random.default_rng([seed, 7])
    return [
        [caption(int(a), int(b), int(c), int(d), rng) for _ in range(per_image)]
        for a, b, c, d in zip(factors.item, factors.colour, factors.size, factors.position)
    ]


def _find(text, table):
    """Index of the row of `table` one of whose names occurs in `text`
    (longest name first, so "button shirt" beats "shirt"), or -1."""
    best, best_len = -1, 0
    for i, names in enumerate(table):
        for name in names:
            padded = f" {text} "
            if f" {name} " in padded and len(name) > best_len:
                best, best_len = i, len(name)
    return best


def parse_caption(text):
    """Reads the factors back from a caption: `(item, colour, size,
    position)`, -1 for a factor the caption does not name.

    Example:
    >>> parse_caption("top left: a little red trainer")
    (7, 1, 0, 0)
    """
    text = " ".join("".join(c if c.isalnum() or c in " -" else " " for c in text.lower()).split())
    return (
        _find(text, CLASSES),
        _find(text, [(name,) for name, _ in COLOURS]),
        _find(text, SIZES),
        _find(text, POSITIONS),
    )


def vocabulary():
    """Every word the templates can write, sorted (the default tokenizer's
    vocabulary, so it needs no adapt() and is the same in every process)."""
    words = set()
    for template in TEMPLATES:
        words.update(template.replace("{", " ").replace("}", " ").replace(":", " ").replace(",", " ").split())
    for table in (CLASSES, SIZES, POSITIONS, [(c,) for c, _ in COLOURS]):
        for names in table:
            for name in names:
                words.update(name.replace("-", "").split())
    words -= {"item", "colour", "size", "position"}
    return sorted(words)


def render(items, factors, canvas=32):
    """Composes 28x28 uint8 items onto RGB canvases in [-1, 1].

    Args:
        items: uint8 array `(n, 28, 28)`.
        factors: `Factors` of length n.
        canvas: int. Canvas side in pixels. Defaults to 32.

    Returns:
        float32 numpy array `(n, canvas, canvas, 3)`.
    """
    fn = _render_fn(canvas)
    out = [
        fn(tf.constant(items[i]), *(tf.constant(int(v[i]), tf.int64) for v in
                                    (factors.colour, factors.size, factors.position))).numpy()
        for i in range(len(items))
    ]
    return np.stack(out) if out else np.zeros((0, canvas, canvas, 3), "float32")


def _render_fn(canvas):
    _check_canvas(canvas)
    tints = tf.constant([rgb for _, rgb in COLOURS], tf.float32)
    layouts = tf.constant(
        [[layout(s, p, canvas) for p in range(len(POSITIONS))] for s in range(len(SIZES))],
        tf.int32,
    )

    def fn(item, colour, size, position):
        top, left, side = tf.unstack(layouts[size, position])
        grey = tf.cast(item, tf.float32)[..., None] / 255.0
        # Area resampling keeps the thin strokes of sandals and bags.
        grey = tf.image.resize(grey, tf.stack([side, side]), method="area", antialias=True)
        grey = tf.image.pad_to_bounding_box(grey, top, left, canvas, canvas)
        rgb = grey * tints[colour]
        return tf.ensure_shape(rgb * 2.0 - 1.0, (canvas, canvas, 3))

    return fn


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
    _check_canvas(canvas)
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
    render_fn = _render_fn(canvas)
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
        image = render_fn(item, colour, size, position)
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
    _check_canvas(canvas)
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
