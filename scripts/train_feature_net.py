r"""Trains the shipped Fashion-MNIST feature network, reproducibly.

    python scripts/train_feature_net.py

Trains `keras_gan.features.fashion_mnist_classifier` on the real Fashion-MNIST
training split (local Debian copy), reports its accuracy on the test split,
and writes keras_gan/assets/fashion_mnist_classifier.weights.h5 and a JSON
card with the accuracy and the settings.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags

flags.DEFINE_integer("epochs", 5, "Training epochs.")
flags.DEFINE_integer("seed", 0, "Seed of weights and data order.")
flags.DEFINE_string("out", None, "Weights path; default: the packaged asset.")
FLAGS = flags.FLAGS


def main(argv):
    import keras
    import tensorflow as tf

    from keras_gan import data
    from keras_gan import features

    keras.utils.set_random_seed(FLAGS.seed)
    tf.config.experimental.enable_op_determinism()
    train = data.load("fashion_mnist", batch_size=128, with_labels=True, seed=FLAGS.seed)
    test = data.load("fashion_mnist", split="test", batch_size=500, with_labels=True,
                     shuffle=False, drop_remainder=False)
    model = features.fashion_mnist_classifier()
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, FLAGS.epochs * 468)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.time()
    model.fit(train, epochs=FLAGS.epochs, verbose=2)
    _, accuracy = model.evaluate(test, verbose=0)
    out = FLAGS.out or features.FASHION_MNIST_WEIGHTS
    os.makedirs(os.path.dirname(out), exist_ok=True)
    # A fresh copy saves the weights alone, without the optimizer state.
    shipped = features.fashion_mnist_classifier()
    shipped.set_weights(model.get_weights())
    shipped.save_weights(out)
    card = {
        "test_accuracy": round(float(accuracy), 4),
        "epochs": FLAGS.epochs,
        "seed": FLAGS.seed,
        "batch_size": 128,
        "optimizer": "Adam 1e-3, cosine decay",
        "train_seconds": round(time.time() - start),
        "parameters": model.count_params(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    with open(os.path.splitext(os.path.splitext(out)[0])[0] + ".json", "w") as f:
        json.dump(card, f, indent=2)
    print(f"test accuracy {accuracy:.4f}; weights: {out}")
    return 0


if __name__ == "__main__":
    app.run(main)
