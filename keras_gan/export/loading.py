"""Loading the model to export (or sample from) from a `.keras` file or a
train.py run directory, with one sentence for anything that is not one."""

import os

import keras

from keras_gan.export.writer import ExportError

__all__ = ["load_gan"]


def first_sentence(error, limit=200):
    # Keras appends the whole model config to some messages.
    text = str(error).splitlines()[0] if str(error) else ""
    text = text.split(". ")[0]
    return text if len(text) <= limit else text[:limit] + "..."


def load_gan(path):
    """Loads a keras_gan model from a `.keras` file or a train.py run directory.

    Loading uses Keras safe mode: no code from the file is executed, only
    registered keras_gan classes are built.
    """
    from keras_gan import families

    families.load_all()  # Registers every family's classes with Keras.

    if os.path.isdir(path):
        candidate = os.path.join(path, "model.keras")
        if not os.path.exists(candidate):
            raise ExportError(
                f"{path} is a directory without model.keras; pass a .keras "
                "file or a finished train.py run directory."
            )
        path = candidate
    if not os.path.exists(path):
        raise ExportError(f"{path} does not exist; pass a .keras file or a run directory.")
    try:
        model = keras.models.load_model(path, safe_mode=True)
    except Exception as e:  # Keras raises many types for foreign or broken files.
        raise ExportError(
            f"{path} could not be loaded as a keras_gan model ({type(e).__name__}: "
            f"{first_sentence(e)}); pass a .keras file "
            "saved by keras_gan."
        ) from e
    # Image-to-image models (those with a `task`) have no latent_dim.
    if not hasattr(model, "generator") or not (
        hasattr(model, "latent_dim") or getattr(model, "task", None)
    ):
        raise ExportError(
            f"{path} holds a {type(model).__name__}, not a keras_gan GAN; pass "
            "a model saved by keras_gan."
        )
    return model
