r"""The metrics of reference image sets against Fashion-MNIST train.

Shows that every metric moves the right way: real test images (the floor),
uniform noise, one class only (a collapsed generator), blurred images.

    python bench/metrics_table.py
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np

import keras_gan  # noqa: F401  Before TensorFlow: the oneDNN choice for this CPU.
import tensorflow as tf

from keras_gan import data, evaluation, features
def split(s, n):
    b = next(iter(data.load("fashion_mnist", split=s, batch_size=n, shuffle=False, with_labels=True)))
    return np.asarray(b[0]), np.asarray(b[1])
ex = features.load_extractor("fashion_mnist")
ref = evaluation.reference_statistics("fashion_mnist", extractor=ex)
real, labels = split("test", 10000)
rows = {"real test split (the floor)": real,
        "uniform noise": np.random.default_rng(0).uniform(-1, 1, real.shape).astype("float32"),
        "one class only (sneakers, collapse)": real[labels == 7],
        "blurred test images (3x3 box)": tf.nn.avg_pool2d(real + 1.0, 3, 1, "SAME").numpy() - 1.0}
print("| data vs Fashion-MNIST train | n | FID | KID | precision | recall | IS |")
print("|---|---|---|---|---|---|---|")
for name, imgs in rows.items():
    s = evaluation.evaluate(imgs, ref, ex, num_samples=10000)
    print(f"| {name} | {min(len(imgs), 10000)} | {s['fid']:.2f} | {s['kid']:.4f} | {s['precision']:.3f} | {s['recall']:.3f} | {s['is']:.2f} |")
