"""Images from captions: the function behind `python -m keras_gan.text2image
generate` (and `keras_gan.generate --text`)."""

import os

from keras_gan.images import to_uint8

__all__ = ["load_text_model", "generate_text", "write_text_png"]


def load_text_model(path):
    """Loads a text-to-image model from a `.keras` file or a run directory."""
    from keras_gan import export as export_lib

    import keras_gan.text2image  # noqa: F401  (registers the classes)

    model = export_lib.load_gan(path)
    if not getattr(model, "needs_captions", False):
        raise ValueError(
            f"{path} holds a {type(model).__name__}, which takes no text; pass a "
            "text2image or stackgan model (or drop --text)."
        )
    return model


def generate_text(model, texts, num=1, seed=0):
    """`num` uint8 images per caption, shape `(len(texts) * num, H, W, 3)`
    (caption-major); `model` is a model or a path."""
    if isinstance(model, (str, os.PathLike)):
        model = load_text_model(model)
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError(f"text must be one or more non-empty strings. Received: text={texts!r}")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"num must be a positive int. Received: num={num!r}")
    captions = [t for t in texts for _ in range(num)]
    return to_uint8(model.generate(len(captions), seed=seed, captions=captions))


def write_text_png(model, texts, out, num=1, seed=0, scale=2):
    """Writes the images for `texts` to the PNG `out`: one image when
    there is one, else a grid with each caption written under its row;
    returns `out`."""
    from keras_gan.text2image.samples import save_caption_grid

    texts = [texts] if isinstance(texts, str) else list(texts)
    images = generate_text(model, texts, num, seed)
    if len(images) == 1:
        from PIL import Image

        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        image = images[0].repeat(scale, axis=0).repeat(scale, axis=1)
        Image.fromarray(image).save(out)
        return out
    floats = images.astype("float32") / 127.5 - 1.0
    rows = [floats[i * num : (i + 1) * num] for i in range(len(texts))]
    return save_caption_grid(out, rows, texts, scale)
