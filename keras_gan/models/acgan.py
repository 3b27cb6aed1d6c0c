"""Auxiliary-classifier GAN."""

import keras
from keras import ops

from keras_gan.architectures import dcgan_discriminator
from keras_gan.models.conditional_gan import ConditionalGAN


def _class_loss(labels, outputs):
    logits = ops.cast(outputs[1], "float32")
    return ops.mean(
        keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    )


@keras.saving.register_keras_serializable(package="keras_gan")
class ACGAN(ConditionalGAN):
    """GAN whose discriminator also classifies: G is conditioned on a label,
    D sees only the image and predicts both "real?" and "which class?".

    D's second head gives class logits; D minimises the adversarial loss plus
    the class cross-entropy on real images (their true labels) and on
    generated ones (the labels they were drawn for), and G minimises its
    adversarial loss plus the class cross-entropy of its samples, so G learns
    to make images D recognises as the asked-for class. The class losses are
    tracked as `d_class` and `g_class`.

    With `classify_fakes=False` D's classifier learns from real images only
    (twice weighted, so the class term keeps its size), as in Keras's AC-GAN
    example: trained on G's samples too, the classifier rewards G for the
    images it finds easiest to classify (Shu, Bui & Ermon, "AC-GAN learns a
    biased distribution", 2017). On Fashion-MNIST at 600 s it did not stop
    G from drawing one image per class (README, "Quality after 600 s").

    Args:
        num_classes: int. Number of classes.
        class_weight: float. Weight of the class cross-entropy in both
            losses. Defaults to 1.
        g_class_weight: float or None. Weight of the class cross-entropy in
            G's loss alone, so D's classifier can learn at full weight while
            G is pulled to its label more gently. None: `class_weight`.
        classify_fakes: bool. Whether D's class loss also covers generated
            images (the paper's). Defaults to True.
        **kwargs: `DCGAN` arguments. A user discriminator must take images
            only and return `[logits (batch, 1), class_logits (batch,
            num_classes)]`.

    Example:
    >>> gan = ACGAN(num_classes=10, latent_dim=16, width=8)
    >>> gan.compile()
    >>> gan.generate(3, seed=0, labels=[4, 4, 4]).shape
    (3, 28, 28, 1)

    Reference:
        Odena, Olah & Shlens, "Conditional Image Synthesis with Auxiliary
        Classifier GANs", ICML 2017.
    """

    discriminator_takes_labels = False

    train_options = ConditionalGAN.train_options + ("classify_fakes", "class_weight",
                                                    "g_class_weight")
    # Collapse within each class comes from G's class term (README, "Quality
    # after 600 s").
    collapse_advice = ("Try a smaller class-loss weight for G (--g_class_weight), "
                       "--noclassify_fakes, or an earlier checkpoint.")

    def __init__(self, num_classes=None, class_weight=1.0, classify_fakes=True,
                 g_class_weight=None, **kwargs):
        for name, value in (("class_weight", class_weight), ("g_class_weight", g_class_weight)):
            if value is not None and not value >= 0:
                raise ValueError(f"{name} must be >= 0. Received: {name}={value!r}")
        self.class_weight = float(class_weight)
        self.g_class_weight = self.class_weight if g_class_weight is None else float(g_class_weight)
        self.classify_fakes = bool(classify_fakes)
        super().__init__(num_classes=num_classes, **kwargs)
        self._penalty_trackers["d_class"] = keras.metrics.Mean(name="d_class")
        self._penalty_trackers["g_class"] = keras.metrics.Mean(name="g_class")

    def build_discriminator(self):
        return dcgan_discriminator(
            self.image_shape,
            self.width,
            normalization=self.critic_normalization,
            extra_outputs=self.num_classes,
            extra_layers=self.extra_layers,
        )

    def _check_pair(self, generator, discriminator):
        super()._check_pair(generator, discriminator)
        if len(discriminator.outputs) != 2 or tuple(discriminator.outputs[1].shape[1:]) != (
            self.num_classes,
        ):
            raise ValueError(
                "ACGAN's discriminator must return [logits (batch, 1), class "
                f"logits (batch, {self.num_classes})]. Received outputs "
                f"{[tuple(o.shape) for o in discriminator.outputs]}."
            )

    def discriminator_terms(self, real, fake, labels, z, real_outputs, fake_outputs):
        if self.classify_fakes:
            loss = _class_loss(labels, real_outputs) + _class_loss(labels, fake_outputs)
        else:
            loss = 2.0 * _class_loss(labels, real_outputs)
        return {
            **super().discriminator_terms(real, fake, labels, z, real_outputs, fake_outputs),
            "d_class": self.class_weight * loss,
        }

    def generator_terms(self, fake, labels, z, fake_outputs):
        return {
            **super().generator_terms(fake, labels, z, fake_outputs),
            "g_class": self.g_class_weight * _class_loss(labels, fake_outputs),
        }

    def get_config(self):
        return {**super().get_config(), "class_weight": self.class_weight,
                "g_class_weight": self.g_class_weight, "classify_fakes": self.classify_fakes}
