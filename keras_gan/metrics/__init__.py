"""Sample-quality metrics: pure float64 maths on features, plus streaming forms.

The functions take features (or class probabilities) that a network has
already produced, so they are testable without any download. The
`keras.metrics.Metric` classes accumulate the generated side batch by batch in
float64 Keras variables; `update_state` traces in a `tf.function`, `result()`
uses numpy linear algebra and needs eager mode (call it from a callback).
"""

from keras_gan.metrics.distances import classifier_score
from keras_gan.metrics.distances import feature_statistics
from keras_gan.metrics.distances import frechet_distance
from keras_gan.metrics.distances import kernel_distance
from keras_gan.metrics.precision_recall import precision_recall
from keras_gan.metrics.streaming import ClassifierScore
from keras_gan.metrics.streaming import FrechetDistance
from keras_gan.metrics.streaming import KernelDistance

__all__ = [
    "feature_statistics",
    "frechet_distance",
    "kernel_distance",
    "classifier_score",
    "precision_recall",
    "FrechetDistance",
    "ClassifierScore",
    "KernelDistance",
]
