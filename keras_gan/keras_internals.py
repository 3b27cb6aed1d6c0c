"""The one module that reaches into Keras internals, each use with its reason.

Keras 3 has no public API for these. Keeping every such use here means a
Keras release that moves one breaks this module alone, where it is easy to
find and fix; tests/layout_test.py fails when `keras.src` is imported
anywhere else in the package.
"""

from keras.src.losses.loss import scale_loss_for_distribution

__all__ = ["adam_slots", "flatten_layers", "own_variables", "scale_loss_for_distribution",
           "seed_generators"]

# `scale_loss_for_distribution(loss)` divides a loss by the number of replicas
# in sync. A custom `train_step` that applies its own gradients needs it under
# `tf.distribute`, where gradients are summed across replicas; Keras applies it
# inside `Model.compute_loss`, which a two-network step does not call, and
# does not export it.


def flatten_layers(layer, include_self=True):
    """Every layer nested in `layer` (and itself), as Keras tracks them.

    `Layer._flatten_layers` is the only walk that reaches layers Keras tracks
    through attributes rather than `.layers` (a wrapper's inner layer, a
    model's sub-models), which is where the seed generators of Dropout and
    friends live.
    """
    return layer._flatten_layers(include_self=include_self)


def seed_generators(layer):
    """The `keras.random.SeedGenerator`s a layer owns (Dropout, GaussianNoise,
    ...). Keras keeps them in `_seed_generators` and saves none of their
    states, so a resumed run must save them itself."""
    return getattr(layer, "_seed_generators", [])


def own_variables(layer):
    """The variables `layer` holds itself, not through nested layers: what
    Keras's own `save_own_variables` stores (`_trainable_variables +
    _non_trainable_variables`), so an override can add to it."""
    return layer._trainable_variables + layer._non_trainable_variables


def adam_slots(optimizer, variables):
    """The `(momentum, velocity)` tensors an Adam `optimizer` keeps for each
    of `variables` (which it must have been built with), for the unrolled
    GAN's differentiable copy of its update. Adam stores them by the index
    of the variable in its private `_trainable_variables`."""
    index = {id(v): i for i, v in enumerate(optimizer._trainable_variables)}
    slots = [index[id(v)] for v in variables]
    return [(optimizer._momentums[i].value, optimizer._velocities[i].value) for i in slots]
