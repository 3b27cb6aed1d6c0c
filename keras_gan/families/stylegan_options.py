"""StyleGAN's `train.py --model` name and options, declared without TensorFlow
so that `train.py --help` lists them without importing the family."""

from keras_gan.family import Option

__all__ = ["MODELS", "OPTIONS"]

MODELS = ("stylegan",)
OPTIONS = (
    Option("width", 32, "Channels at the output resolution (doubled per halving).",
           architecture=True),
    Option("max_width", 128, "Channel cap of G and D.", architecture=True),
    Option("w_dim", 128, "Size of w.", architecture=True),
    Option("mapping_layers", 4, "Dense layers of the mapping network.", architecture=True),
    Option("conditional", False, "Class-conditional StyleGAN (needs labels).",
           architecture=True),
    Option("style_mixing", 0.9, "Probability of style mixing per batch."),
    Option("r1_weight", None, "gamma of the lazy R1 penalty (model default 0.01).",
           type=float),
    Option("r1_interval", 16, "D steps between R1 penalties.", architecture=True),
    Option("pl_weight", 0.0, "Weight of path-length regularisation (0: off; paper 2).",
           architecture=True),
    Option("ema_kimg", 10.0, "Half-life of the EMA generator, thousands of images."),
    Option("augment", None, "DiffAugment policy for everything D sees, e.g. "
           "color,translation,cutout; unset or empty: off.", type=str),
)
