"""Text-to-image synthesis: GAN-INT-CLS and StackGAN trained from raw
captions, on a synthetic captioned Fashion-MNIST set whose every word can
be checked (see docs/text2image.md)."""

from keras_gan.text2image import data
from keras_gan.text2image import evaluation
from keras_gan.text2image import metrics
from keras_gan.text2image import text_encoder
from keras_gan.text2image.architectures import ConditioningAugmentation
from keras_gan.text2image.stack_gan import StackGAN
from keras_gan.text2image.text_encoder import JointEmbedding
from keras_gan.text2image.text_to_image_gan import TextToImageGAN

__all__ = [
    "data",
    "evaluation",
    "metrics",
    "text_encoder",
    "ConditioningAugmentation",
    "JointEmbedding",
    "StackGAN",
    "TextToImageGAN",
]
