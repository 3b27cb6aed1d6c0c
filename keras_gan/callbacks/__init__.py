"""Callbacks for GAN training, one per module: sample grids, loss curves,
a time limit, evaluation, health checks, checkpoints, TensorBoard images and
InfoGAN code sweeps."""

from keras_gan.callbacks.checkpoint import Checkpoint
from keras_gan.callbacks.code_sweep import CodeSweep
from keras_gan.callbacks.evaluation import Evaluation
from keras_gan.callbacks.loss_plot import LossPlot
from keras_gan.callbacks.sample_grid import SampleGrid
from keras_gan.callbacks.sample_grid import fixed_samples
from keras_gan.callbacks.tensorboard_images import TensorBoardImages
from keras_gan.callbacks.time_limit import TimeLimit
from keras_gan.callbacks.training_health import TrainingHealth

__all__ = [
    "SampleGrid",
    "LossPlot",
    "TimeLimit",
    "Evaluation",
    "TrainingHealth",
    "Checkpoint",
    "TensorBoardImages",
    "CodeSweep",
]
