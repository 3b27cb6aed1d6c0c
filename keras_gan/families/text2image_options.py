"""The text-to-image family's `train.py --model` names and options, declared
without TensorFlow so that `train.py --help` lists them without importing the
family."""

from keras_gan.family import Option

__all__ = ["MODELS", "OPTIONS"]

MODELS = ("text2image", "stackgan")
OPTIONS = (
    Option("width", 32, "Base number of filters of G and D.", architecture=True),
    Option("canvas", 32, "Canvas side of the synthetic captioned set (multiple of 16).",
           architecture=True),
    Option("text_encoder", "", "A .keras model mapping strings to vectors; empty: train "
           "the DS-SJE encoder here.", architecture=True),
    Option("encoder_steps", 1500, "DS-SJE training steps of the default text encoder.",
           architecture=True),
    Option("embedding_dim", 128, "Size of the default text encoder's vectors.",
           architecture=True),
    Option("int_weight", None, "GAN-INT weight (text2image).", type=float),
    Option("kl_weight", None, "Conditioning-augmentation KL weight (stackgan).", type=float),
    Option("stage", 1, "StackGAN stage to train: 1, then 2 in the same run directory."),
)
