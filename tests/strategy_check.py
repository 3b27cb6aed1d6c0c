"""Runs in a fresh process (the CPU must be split before TensorFlow starts):
per-step losses of one-device and MirroredStrategy(2 CPUs) training on the
same global batches, and checkpoints moved between the two, for each
MODEL:OPTIMIZER on the command line (optimizer "default" or "sgd"). Prints
one JSON object keyed by those arguments: one process (one TensorFlow
start-up) serves every case."""

import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Run as a script, this file's folder heads sys.path: put the checkout's
# root first so the keras_gan under test is this one, not an installed copy.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_gan import distribute

distribute.split_cpu(2)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import callbacks  # noqa: E402
from keras_gan import testing  # noqa: E402
from keras_gan.models import MODELS  # noqa: E402


def tiny(cls):
    # Two critic updates per step still split each replica's batch; the
    # paper's 5 trace WGAN-GP's double backward pass 2.5x as often.
    return testing.tiny_model(cls, **({"n_critic": 2} if "n_critic" in cls.train_options else {}))


def build(cls, strategy, weights=None, optimizer="default"):
    with strategy.scope():
        model = tiny(cls)
        if optimizer == "sgd":
            # An update proportional to the gradient (Adam's is invariant to
            # its scale): a replica scaling slip changes the weights.
            model.compile(d_optimizer=keras.optimizers.SGD(0.01),
                          g_optimizer=keras.optimizers.SGD(0.01))
        if weights is not None:
            model.set_weights(weights)
    return model


def train(model, images, steps=3):
    ds = tf.data.Dataset.from_tensor_slices(images).batch(len(images) // steps)
    history = model.fit(ds, epochs=steps, steps_per_epoch=1, verbose=0, shuffle=False)
    return {k: [float(x) for x in v] for k, v in history.history.items()}


def main(name, optimizer="default", seed="0", mirrored=None):
    # Seeded: the same initial weights every run, so a failure reproduces.
    keras.utils.set_random_seed(int(seed))
    cls = MODELS[name]
    mirrored = mirrored or distribute.make_strategy("mirrored")
    single = tf.distribute.get_strategy()
    reference = tiny(cls)
    initial = reference.get_weights()
    images, _ = testing.fake_batch(reference, 16 * 3, seed=1)
    one = build(cls, single, initial, optimizer)
    two = build(cls, mirrored, initial, optimizer)
    result = {
        "replicas": mirrored.num_replicas_in_sync,
        "single": train(one, images),
        "mirrored": train(two, images),
        "weight_diff": max(
            float(np.abs(a - b).max()) for a, b in zip(one.get_weights(), two.get_weights())
        ),
        "weight_change": max(
            float(np.abs(a - b).max()) for a, b in zip(one.get_weights(), initial)
        ),
    }
    # Checkpoints cross strategies both ways.
    directory = tempfile.mkdtemp()
    for source, target_strategy, key in ((two, single, "mirrored_to_single"),
                                         (one, mirrored, "single_to_mirrored")):
        checkpoint = callbacks.Checkpoint(os.path.join(directory, key))
        checkpoint.set_model(source)
        checkpoint.save()
        target = build(cls, target_strategy, optimizer=optimizer)
        step = callbacks.Checkpoint(os.path.join(directory, key)).restore(target)
        result[key] = {
            "step": step,
            "weight_diff": max(float(np.abs(a - b).max())
                               for a, b in zip(source.get_weights(), target.get_weights())),
        }
    return result


if __name__ == "__main__":
    # One strategy for every case: two in one process mix up their
    # collective all-reduces.
    mirrored = distribute.make_strategy("mirrored")
    print(json.dumps({case: main(*case.split(":"), mirrored=mirrored) for case in sys.argv[1:]}))
