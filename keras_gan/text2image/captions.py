"""The words of the captioned set: the factors' names, the caption templates,
writing captions from factors and reading factors back from captions."""

import dataclasses

import numpy as np

__all__ = ["CLASSES", "COLOURS", "SIZES", "POSITIONS", "HELD_OUT", "TEMPLATES", "Factors",
           "caption", "captions_for", "parse_caption", "vocabulary"]

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
