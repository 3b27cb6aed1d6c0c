"""A whole training run: data, model, callbacks, resume and the final model.

`train.py` turns its flags into a `TrainConfig` and calls `train`; the same
function serves Python users who want the run directory layout without the
command line: `train(make_config(model="wgan_gp", n_critic=3, epochs=5))`
(the options by name, generic or the model's family's).

Run directory layout:
    options.json        the options of the run (checked on resume)
    samples/            samples_epoch_0001.png, ... from a fixed latent seed
    losses.csv, losses.png   training curves, appended across resumes
    history.csv         per-epoch logs (losses, FID/KID/precision/recall, health)
    metrics.json        scores of the final model
    checkpoints/        latest/previous.weights.h5: networks, optimizers (with
                        the step counter) and noise state; re-running resumes
                        at that exact step
    model.keras         the final model (generator, discriminator, optimizers)
    export/             the generator for TF Serving and TFLite (keras_gan.export)
"""

from keras_gan.family import RunError
from keras_gan.trainer.build import build_model
from keras_gan.trainer.build import family_options
from keras_gan.trainer.build import run_context
from keras_gan.trainer.config import PRECISIONS
from keras_gan.trainer.config import TrainConfig
from keras_gan.trainer.config import make_config
from keras_gan.trainer.run import TrainResult
from keras_gan.trainer.run import train

__all__ = ["TrainConfig", "TrainResult", "train", "build_model", "family_options", "make_config",
           "run_context",
           "RunError", "PRECISIONS"]
