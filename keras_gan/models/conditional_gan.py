"""Conditional GAN: generation steered by a class label."""

import keras

from keras_gan.models.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalGAN(DCGAN):
    """GAN conditioned on a class label y, fed to both G and D.

    G takes `[z, labels]` (the label is embedded and concatenated with z);
    D takes `[images, labels]` (the label becomes an extra input channel), so
    D judges whether an image is a real example *of that class*. Train on
    `(images, labels)` batches (`data.load(..., with_labels=True)`) and draw
    a chosen class with `generate(num, labels=...)`.

    Args:
        num_classes: int. Number of classes; labels are ints in
            `[0, num_classes)`.
        **kwargs: `DCGAN` arguments (`width`, `generator`, `discriminator`,
            `image_shape`, `latent_dim`, `seed`). User networks must take two
            inputs each.

    Example:
    >>> gan = ConditionalGAN(num_classes=10, latent_dim=16, width=8)
    >>> gan.compile()
    >>> gan.generate(3, seed=0, labels=[7, 7, 7]).shape
    (3, 28, 28, 1)

    Reference:
        Mirza & Osindero, "Conditional Generative Adversarial Nets", 2014.
    """

    needs_labels = True

    def __init__(self, num_classes=None, **kwargs):
        if num_classes is None:
            raise ValueError(
                "ConditionalGAN needs num_classes, the number of label values "
                "(e.g. 10 for Fashion-MNIST). Received: num_classes=None"
            )
        super().__init__(num_classes=num_classes, **kwargs)
