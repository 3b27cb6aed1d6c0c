"""Sample grids with each row's caption written under it."""

import os

import numpy as np
import keras
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont

from keras_gan.architectures.common import check_positive_int
from keras_gan.images import to_uint8

__all__ = ["caption_grid", "save_caption_grid", "CaptionGrid"]

_TEXT_HEIGHT = 14


def caption_grid(rows, captions, scale=2, padding=2):
    """One uint8 RGB image: row i shows `rows[i]` (images in [-1, 1],
    shape `(k, h, w, 3)`) with `captions[i]` written under it.

    Args:
        rows: list of arrays, one per caption.
        captions: list of str, as many as rows.
        scale: int. Nearest-neighbour upscaling of the images. Defaults to 2.
        padding: int. Pixels between images. Defaults to 2.
    """
    if len(rows) != len(captions) or not rows:
        raise ValueError(
            f"caption_grid needs one caption per row. Received: {len(rows)} rows and "
            f"{len(captions)} captions"
        )
    check_positive_int("scale", scale)
    rows = [to_uint8(r).repeat(scale, axis=1).repeat(scale, axis=2) for r in rows]
    h, w = rows[0].shape[1:3]
    columns = max(len(r) for r in rows)
    font = ImageFont.load_default()
    width = max(columns * (w + padding) + padding,
                max(int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(c, font=font))
                    for c in captions) + 2 * padding)
    height = len(rows) * (h + _TEXT_HEIGHT + padding) + padding
    canvas = Image.new("RGB", (width, height), (40, 40, 40))
    draw = ImageDraw.Draw(canvas)
    for i, (row, text) in enumerate(zip(rows, captions)):
        top = padding + i * (h + _TEXT_HEIGHT + padding)
        for j, image in enumerate(row):
            if image.shape[-1] == 1:
                image = image.repeat(3, axis=-1)
            canvas.paste(Image.fromarray(image), (padding + j * (w + padding), top))
        draw.text((padding, top + h + 1), text, fill=(235, 235, 235), font=font)
    return np.asarray(canvas)


def save_caption_grid(path, rows, captions, scale=2):
    """Writes `caption_grid(rows, captions)` as a PNG; returns the path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(caption_grid(rows, captions, scale)).save(path)
    return path


class CaptionGrid(keras.callbacks.Callback):
    """Saves `samples/captions_epoch_0001.png`, ... (StackGAN:
    `captions_stage1_epoch_0001.png`, ...): one row per caption,
    `per_row` samples from fixed seeds, the caption written under the row.

    Args:
        directory: str. Where the PNGs go (`out_dir/samples`).
        captions: list of str. One row each. Defaults to the model's
            `DEFAULT_CAPTIONS`.
        per_row: int. Samples per caption. Defaults to 8.
        every: int. Save every `every` epochs. Defaults to 1.
        seed: int. Seed of the fixed latent vectors. Defaults to 0.
        scale: int. Pixel upscaling. Defaults to 2.

    Example:
    >>> cb = CaptionGrid("/tmp/samples", captions=["a big red bag in the center"])
    >>> # gan.fit(data, epochs=2, callbacks=[cb])
    """

    def __init__(self, directory, captions=None, per_row=8, every=1, seed=0, scale=2):
        super().__init__()
        for name, value in (("per_row", per_row), ("every", every), ("scale", scale)):
            check_positive_int(name, value)
        self.directory = directory
        self.captions = list(captions) if captions is not None else None
        self.per_row = per_row
        self.every = every
        self.seed = seed
        self.scale = scale
        self.last_path = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)

    def save(self, epoch):
        """Writes the grid for `epoch` now and returns its path."""
        from keras_gan.text2image.text_to_image_gan import DEFAULT_CAPTIONS

        captions = self.captions or list(DEFAULT_CAPTIONS)
        # Column j has the same z in every row, so rows differ only by caption.
        z = np.tile(np.asarray(self.model.latent_for(self.per_row, self.seed)), (len(captions), 1))
        images = self.model.generate_from(
            z, [c for c in captions for _ in range(self.per_row)])
        rows = [images[i * self.per_row : (i + 1) * self.per_row] for i in range(len(captions))]
        # StackGAN's stages are separate fits whose epochs both count from 1.
        stage = getattr(self.model, "stage", None)
        prefix = f"captions_stage{stage}" if stage else "captions"
        path = os.path.join(self.directory, f"{prefix}_epoch_{epoch:04d}.png")
        self.last_path = save_caption_grid(path, rows, captions, self.scale)
        return self.last_path
