"""keras_gan: generative adversarial networks that train with `model.fit`."""

import sys as _sys

try:
    import quiet_tensorflow as _quiet_tensorflow
except ImportError as _error:  # keras_gan.precision needs it too.
    raise ImportError(
        "keras_gan's module quiet_tensorflow is not installed (an editable install made "
        "before setup.cfg listed it); reinstall with: pip install -e ."
    ) from _error
# oneDNN's kernels where TensorFlow would leave them off (precision.onednn()
# reports it); only before TensorFlow's import, which this package's import makes.
_quiet_tensorflow.apply_onednn_choice()
if _sys.argv[:1] == ["-m"]:
    # `python -m keras_gan.generate` (or another tool of the package) imports this
    # package, and TensorFlow with it, before the tool's first line runs: its start-up
    # notices are dropped here, as train.py and export.py drop them.
    _quiet_tensorflow.import_tensorflow_quietly()

from keras_gan import architectures
from keras_gan import callbacks
from keras_gan import data
from keras_gan import losses
from keras_gan import models
from keras_gan.models import DCGAN
from keras_gan.models import GAN
from keras_gan.models import WGAN
from keras_gan.models import WGANGP
from keras_gan.models import ConditionalGAN

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "DCGAN",
    "ConditionalGAN",
    "WGAN",
    "WGANGP",
    "architectures",
    "callbacks",
    "data",
    "losses",
    "models",
]
