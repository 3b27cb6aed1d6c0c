"""Deprecated alias of `keras_gan.export.image_to_image`, kept for one release.

The image-to-image exporter now lives in the `keras_gan.export` package
beside the other exporters; `keras_gan.export.export` picks it for
image-to-image models by itself.
"""

from keras_gan.export.image_to_image import check_parity
from keras_gan.export.image_to_image import export
from keras_gan.export.image_to_image import export_saved_model
from keras_gan.export.image_to_image import export_tflite
from keras_gan.export.image_to_image import metadata
from keras_gan.export.image_to_image import run_tflite

__all__ = ["export", "export_saved_model", "export_tflite", "run_tflite", "check_parity"]
