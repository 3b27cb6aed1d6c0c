"""The image-to-image family's `train.py --model` names and options, declared
without TensorFlow so that `train.py --help` lists them without importing the
family. An option applies to the models whose `train_options` name it;
`None` means the model's own default (the paper's), recorded as `null`."""

from keras_gan.family import Option

__all__ = ["MODELS", "OPTIONS"]

MODELS = ("pix2pix", "cyclegan", "srgan", "inpainting")
OPTIONS = (
    Option("width", 32, "Base number of filters of the generators and discriminators (the "
           "papers' 64).", architecture=True),
    Option("l1_weight", None, "pix2pix: weight of the L1 loss (unset: the paper's 100).",
           type=float),
    Option("cycle_weight", None, "cyclegan: weight of the cycle loss (unset: the paper's 10).",
           type=float),
    Option("identity_weight", None, "cyclegan: identity loss weight, relative to "
           "--cycle_weight (unset: the paper's 0.5).", type=float),
    Option("domains", None, "cyclegan: class ids of domains A and B of a labelled dataset "
           "(unset: 7,9, sneaker -> ankle boot); cycle_gan/* datasets bring their own.",
           type=str, architecture=True),
    Option("content_loss", None, "srgan: content loss space (unset: pixel); vgg19 falls back "
           "to pixel without its weights.", type=str, choices=("pixel", "fashion_mnist", "vgg19")),
    Option("scale", None, "srgan: upsampling factor, a power of two (unset: 2).", type=int,
           architecture=True),
    Option("num_blocks", None, "srgan, cyclegan: residual blocks of the generator (unset: the "
           "paper's: 16 for srgan; 9 from 256 pixels, 6 below for cyclegan).", type=int,
           architecture=True),
    Option("mask", None, "inpainting: training masks (unset: center).", type=str,
           choices=("center", "random")),
)
