"""The classic image family's `train.py --model` names, declared without
TensorFlow so that `train.py --help` lists them without importing the family.
(Its options are the generic `TrainConfig` fields: latent_dim, width, loss ...)"""

__all__ = ["MODELS", "OPTIONS"]

MODELS = ("gan", "dcgan", "cgan", "wgan", "wgan_gp", "lsgan", "sngan", "acgan", "infogan",
          "unrolled", "vae")
OPTIONS = ()
