"""Data and scoring for StyleGAN: power-of-two sides by padding, and the
feature network seeing the unpadded crop.

Fashion-MNIST's 28x28 images are padded with black (-1) to 32x32, so the
synthesis network can double from 4x4; scores use the central 28x28 crop
in the shipped classifier's feature space, comparable with every other
model's scores on the unpadded data.
"""

import dataclasses

import tensorflow as tf

from keras_gan import data as data_lib

__all__ = ["StyleGANDataInfo", "padded_side", "load", "cropping_extractor", "evaluate"]


@dataclasses.dataclass(frozen=True)
class StyleGANDataInfo:
    """The dataset as StyleGAN sees it.

    Attributes:
        name: str. Dataset name or folder.
        image_shape: tuple. The (padded) shape the model makes.
        source_shape: tuple. The dataset's own image shape.
        num_classes: int or None. Label count (labelled loads only).
        num_examples: int or None. Examples in the split.
    """

    name: str
    image_shape: tuple
    source_shape: tuple
    num_classes: int | None
    num_examples: int | None

    @property
    def padding(self):
        return (self.image_shape[0] - self.source_shape[0]) // 2


def padded_side(side):
    """The side StyleGAN trains at: the next power of two, at least 32."""
    target = 32
    while target < side:
        target *= 2
    return target


def load(name, split="train", batch_size=32, with_labels=False, data_dir=None, image_size=None,
         seed=None, repeat=False, shuffle=True):
    """`keras_gan.data.load` with the images padded to a power-of-two side.

    Returns:
        `(dataset, StyleGANDataInfo)`.

    Example:
    >>> ds, info = load("fashion_mnist", batch_size=8)
    >>> info.image_shape
    (32, 32, 1)
    """
    ds, info = data_lib.load(name, split=split, batch_size=batch_size, with_labels=with_labels,
                             data_dir=data_dir, image_size=image_size, seed=seed, repeat=repeat,
                             shuffle=shuffle, return_info=True)
    height, width, channels = info.image_shape
    if height != width:
        raise ValueError(f"StyleGAN makes square images but {name!r} has {height}x{width}; "
                         "pass image_size=32 (or 64, 128) to resize it.")
    side = padded_side(height)
    if side != height and height >= 32:
        raise ValueError(f"StyleGAN needs a power-of-two side; {name!r} has {height}. "
                         "Pass image_size=32, 64 or 128 to resize it.")
    if with_labels and not info.num_classes:
        raise ValueError(f"A conditional StyleGAN needs class labels, but {name!r} has none; "
                         "use a labelled dataset or a folder with one subfolder per class.")
    before = (side - height) // 2
    after = side - height - before
    if before or after:
        pads = [[0, 0], [before, after], [before, after], [0, 0]]

        def pad(images):
            return tf.pad(images, pads, constant_values=-1.0)

        ds = ds.map(lambda x, y: (pad(x), y)) if with_labels else ds.map(pad)
    return ds, StyleGANDataInfo(info.name, (side, side, channels), tuple(info.image_shape),
                                info.num_classes if with_labels else None, info.num_examples)


def cropping_extractor(extractor, padding):
    """`extractor` (a FeatureExtractor) seeing the central crop of padded
    images: same network and fingerprint, so the reference statistics of
    the unpadded data apply."""
    from keras_gan.features import FeatureExtractor

    if not padding:
        return extractor

    def crop(batch):
        return batch[:, padding:-padding, padding:-padding]

    return FeatureExtractor(extractor.model, extractor.name, extractor.image_shape,
                            preprocess=crop, batch_size=extractor.batch_size)


class _Truncated:
    """A model's samples at one truncation psi, as `evaluation` draws them."""

    def __init__(self, model, truncation_psi):
        self.model = model
        self.truncation_psi = truncation_psi
        # A conditional model's asked classes are scored too (label agreement).
        self.num_classes = model.num_classes
        self.default_labels = model.default_labels

    def generate(self, num, seed=None):
        return self.model.generate(num, seed=seed, truncation_psi=self.truncation_psi)


def evaluate(model, reference, extractor, padding, num_samples=10000, seed=0, truncation_psi=1.0):
    """FID, KID, precision, recall (and the classifier score) of the
    model's samples at `truncation_psi`, cropped by `padding`, against
    `reference` (statistics of the unpadded data from `extractor`)."""
    from keras_gan import evaluation

    return evaluation.evaluate(_Truncated(model, truncation_psi), reference,
                               cropping_extractor(extractor, padding), num_samples, seed)
