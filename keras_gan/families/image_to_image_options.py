"""The image-to-image family's `train.py --model` names, declared without
TensorFlow so that `train.py --help` lists them without importing the family.
(Its options are `TrainConfig` fields: l1_weight, cycle_weight, domains ...)"""

__all__ = ["MODELS", "OPTIONS"]

MODELS = ("pix2pix", "cyclegan", "srgan", "inpainting")
OPTIONS = ()
