"""The registry of model families (see `keras_gan.family` for the protocol).

Each entry names the module and class of one family; the module is imported
only when the family is asked for. Beside this file, `<name>_options.py`
declares the family's `train.py --model` names (`MODELS`) and options
(`OPTIONS`) without importing TensorFlow, so `train.py --help` lists every
family's flags without loading any. A new family is one line here and its
options module.
"""

import importlib

from keras_gan.family import Family
from keras_gan.family import Option
from keras_gan.family import RunContext

__all__ = ["FAMILIES", "Family", "Option", "RunContext", "declared", "declared_model_names",
           "declared_recipes", "get", "family_for", "load_all", "model_names"]

FAMILIES = {
    "image": "keras_gan.families.image:ImageFamily",
    "image_to_image": "keras_gan.families.image_to_image:ImageToImageFamily",
    "stylegan": "keras_gan.stylegan.family:StyleGANFamily",
    "midinet": "keras_gan.midinet.family:MidiNetFamily",
    "text2image": "keras_gan.text2image.family:TextToImageFamily",
}

_LOADED = {}


def get(name):
    """The `Family` registered as `name` (one instance per process)."""
    if name not in _LOADED:
        module, cls = FAMILIES[name].split(":")
        _LOADED[name] = getattr(importlib.import_module(module), cls)()
    return _LOADED[name]


def declared(name):
    """The options module of family `name` (its `MODELS` and `OPTIONS`),
    imported without the family itself (nor TensorFlow)."""
    if name not in FAMILIES:
        raise ValueError(f"Unknown family {name!r}; choose one of {sorted(FAMILIES)}.")
    return importlib.import_module(f"{__name__}.{name}_options")


def declared_recipes(name):
    """Family `name`'s `RECIPES` (model -> {option: value}, where train.py's
    recipe departs from an option's default), read without TensorFlow."""
    return getattr(declared(name), "RECIPES", {})


def declared_model_names():
    """`model_names()` read from the options modules: without TensorFlow."""
    return {model: name for name in FAMILIES for model in declared(name).MODELS}


def load_all():
    """Imports every family, so each model class is registered with Keras
    (`keras.models.load_model` can then rebuild any keras_gan model)."""
    for name in FAMILIES:
        get(name)


def model_names():
    """`train.py --model` name -> family name, for every registered family."""
    return {model: name for name in FAMILIES for model in get(name).models}


def family_for(model):
    """The family that trains `model` (a `train.py --model` name)."""
    names = model_names()
    if model not in names:
        raise ValueError(f"Unknown model {model!r}; choose one of {sorted(names)}.")
    return get(names[model])
