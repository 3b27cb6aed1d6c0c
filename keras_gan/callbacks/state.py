"""What a roll-back or a checkpoint covers, and whether it is healthy."""

import numpy as np

__all__ = ["is_finite", "training_state"]


def is_finite(variables):
    """Whether every floating-point variable holds only finite values."""
    return all(
        np.isfinite(v.numpy()).all() for v in variables if "float" in str(v.dtype)
    )


def training_state(model):
    """Every variable a roll-back or checkpoint must cover: the networks,
    the noise states and all optimizer state."""
    return [*model.variables, *(v for opt in model.optimizers for v in opt.variables)]
