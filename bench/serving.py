r"""Generation latency and throughput of every exported form.

Per-sample latency at batch 1 and images/s at batch 64 for the Keras model,
the SavedModel signature and the TFLite float32/float16 files, measured in
one process on the same generator (the default DCGAN unless --model is given).

    python bench/serving.py                      # default 28x28 DCGAN generator
    python bench/serving.py --model=runs/default --repeats=200
"""

import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags

flags.DEFINE_string("model", None, "A .keras file or run directory; default: a fresh DCGAN.")
flags.DEFINE_integer("repeats", 100, "Timed calls per measurement (median reported).")
flags.DEFINE_integer("threads", 2, "Threads for the TFLite interpreter.")
FLAGS = flags.FLAGS


def _median_seconds(fn, repeats):
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv):
    import numpy as np

    import keras_gan  # noqa: F401  Before TensorFlow: the oneDNN choice for this CPU.
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from keras_gan import export
    from keras_gan.models import DCGAN

    gan = export.load_gan(FLAGS.model) if FLAGS.model else DCGAN(seed=0)
    directory = tempfile.mkdtemp()
    info = export.export(gan, directory, warmup=False)
    loaded = tf.saved_model.load(info["files"]["saved_model"])
    serve = loaded.signatures["serving_default"]

    def tflite_runner(path, batch):
        interpreter = Interpreter(model_path=path, num_threads=FLAGS.threads)
        runner = interpreter.get_signature_runner()
        z = np.random.default_rng(0).normal(size=(batch, gan.latent_dim)).astype("float32")
        runner(z=z)  # Resizes and allocates once.
        return lambda: runner(z=z)

    rows = []
    for batch in (1, 64):
        z = tf.random.normal((batch, gan.latent_dim))
        forms = {
            "keras (eager call)": lambda: gan.generator(z, training=False),
            "saved_model": lambda: serve(z=z),
            "tflite float32": tflite_runner(info["files"]["tflite_float32"], batch),
            "tflite float16": tflite_runner(info["files"]["tflite_float16"], batch),
        }
        for name, fn in forms.items():
            seconds = _median_seconds(fn, FLAGS.repeats)
            rows.append((name, batch, seconds * 1000 / batch, batch / seconds))
    print(f"generator: {gan.generator.count_params():,} parameters, output "
          f"{tuple(gan.image_shape)}; {FLAGS.threads} TFLite threads; median of {FLAGS.repeats}")
    print(f"{'form':<20}{'batch':>6}{'ms/sample':>12}{'images/s':>12}")
    for name, batch, ms, ips in rows:
        print(f"{name:<20}{batch:>6}{ms:>12.3f}{ips:>12.0f}")
    base = {b: ms for name, b, ms, _ in rows if name == "keras (eager call)"}
    for name, batch, ms, _ in rows:
        if name != "keras (eager call)":
            print(f"speed-up of {name} over keras at batch {batch}: {base[batch] / ms:.2f}x")


if __name__ == "__main__":
    app.run(main)
