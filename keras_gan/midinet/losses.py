"""MidiNet's losses as pure functions.

D: binary cross-entropy with one-sided label smoothing (real target 0.9).
G: the non-saturating loss plus two regularisers that pull the statistics of
generated bars towards those of real ones (Salimans et al.'s feature
matching): `lambda_1 * l2(mean f(x) - mean f(G(z)))` on D's first layer and
`lambda_2 * l2(mean x - mean G(z))` on the bars themselves, where
`l2(v) = sum(v^2) / 2` (TensorFlow's `l2_loss`) and means run over the batch.
The reference code sets lambda_1 = 0.1 and lambda_2 = 0.01.

Reference:
    Yang, Chou & Yang, "MidiNet", ISMIR 2017, section 3.3;
    Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.
"""

from keras import ops

__all__ = [
    "smoothed_discriminator_loss",
    "feature_matching_loss",
    "mean_bar_loss",
    "FEATURE_MATCHING_WEIGHT",
    "MEAN_BAR_WEIGHT",
    "LABEL_SMOOTHING",
]

FEATURE_MATCHING_WEIGHT = 0.1
MEAN_BAR_WEIGHT = 0.01
LABEL_SMOOTHING = 0.1


def _bce(logits, target):
    # Stable sigmoid cross-entropy: max(x, 0) - x * t + log(1 + exp(-|x|)).
    logits = ops.cast(logits, "float32")
    return ops.mean(ops.relu(logits) - logits * target + ops.softplus(-ops.abs(logits)))


def smoothed_discriminator_loss(real_logits, fake_logits, smoothing=LABEL_SMOOTHING):
    """`BCE(D(x), 1 - smoothing) + BCE(D(G(z)), 0)`: only the real targets
    are smoothed (one-sided), as Salimans et al. advise.

    Args:
        real_logits: tensor. D's logits on real bars.
        fake_logits: tensor. D's logits on generated bars.
        smoothing: float. Taken off the real target. Defaults to 0.1.
    """
    return _bce(real_logits, 1.0 - smoothing) + _bce(fake_logits, 0.0)


def _l2_of_means(real, fake):
    difference = ops.mean(ops.cast(real, "float32"), axis=0) - ops.mean(
        ops.cast(fake, "float32"), axis=0
    )
    return 0.5 * ops.sum(ops.square(difference))


def feature_matching_loss(real_features, fake_features):
    """`l2(mean_batch f(x) - mean_batch f(G(z)))` for D's first-layer
    features `f` (unweighted)."""
    return _l2_of_means(real_features, fake_features)


def mean_bar_loss(real_bars, fake_bars):
    """`l2(mean_batch x - mean_batch G(z))`: the average piano roll of the
    batch (unweighted)."""
    return _l2_of_means(real_bars, fake_bars)
