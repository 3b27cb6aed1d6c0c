r"""Training throughput of the default DCGAN step: ours vs a tutorial-style loop.

In one process, on the same networks (keras_gan's default DCGAN for
Fashion-MNIST, width 64, latent 100) and the same batch, times:
    tutorial   TensorFlow's DCGAN-tutorial way: a `tf.function` train step
               with two GradientTapes, called from a Python loop over a
               `from_tensor_slices(...).shuffle().batch()` dataset, float32
    fit/f32    `DCGAN.fit` on `keras_gan.data.load`, float32
    fit/bf16   the same under the `mixed_bfloat16` policy
    fit/bf16/spe  bf16 plus `steps_per_execution=--spe`
    fit/bf16/xla  bf16 plus `jit_compile=True`
Each is measured `--rounds` times, interleaved, after a warm-up; the median
is reported with its ratio to the tutorial loop. FLOPs per step are
counted from the layer shapes (convolutions and dense layers; forward =
2 x MACs, backward = 2 x forward for each pass that needs it), and the
MFU is the achieved FLOP/s over a bf16 matmul peak measured here.

    python bench/throughput.py
"""
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf
import keras

from keras_gan import data
from keras_gan.architectures import dcgan_discriminator, dcgan_generator
from keras_gan.models import DCGAN

flags.DEFINE_integer("batch_size", 64, "Images per step.")
flags.DEFINE_integer("steps", 60, "Timed steps per measurement.")
flags.DEFINE_integer("rounds", 3, "Interleaved measurements per variant.")
flags.DEFINE_integer("spe", 8, "steps_per_execution of the spe variant.")
flags.DEFINE_list("variants", ["tutorial", "fit/f32", "fit/bf16", "fit/bf16/spe", "fit/bf16/xla"],
                  "Variants to time.")
FLAGS = flags.FLAGS


# === FLOPs ===
def forward_flops(model, batch):
    """2 x multiply-adds of the convolutions and dense layers, per batch."""
    total = 0
    for layer in model._flatten_layers(include_self=False):
        inner = getattr(layer, "layer", layer)  # wrappers
        if isinstance(inner, keras.layers.Conv2DTranspose):
            k = np.prod(inner.kernel_size)
            h, w, c_in = layer.input.shape[1:]
            total += 2 * k * c_in * inner.filters * h * w
        elif isinstance(inner, keras.layers.Conv2D):
            k = np.prod(inner.kernel_size)
            c_in = layer.input.shape[-1]
            h, w = layer.output.shape[1:3]
            total += 2 * k * c_in * inner.filters * h * w
        elif isinstance(inner, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * inner.units
    return int(total) * batch


def step_flops(g_forward, d_forward):
    """One GAN step: D update (G forward; D forward and full backward on the
    real and the fake batch) then G update (G forward, D forward, D's
    input gradient, G's full backward)."""
    d_step = g_forward + 2 * d_forward + 2 * (2 * d_forward)
    g_step = g_forward + d_forward + d_forward + 2 * g_forward
    return d_step + g_step


def matmul_peak(dtype, n=4096, repeat=10):
    a = tf.random.normal((n, n), dtype=dtype)
    b = tf.random.normal((n, n), dtype=dtype)
    f = tf.function(lambda a, b: tf.matmul(a, b))
    f(a, b).numpy()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


# === Variants ===
def images():
    batch = next(iter(data.load("fashion_mnist", batch_size=60000, shuffle=False, drop_remainder=False)))
    return np.asarray(batch)


def tutorial_runner(train_images):
    keras.mixed_precision.set_global_policy("float32")
    generator = dcgan_generator((28, 28, 1), 100, 64)
    discriminator = dcgan_discriminator((28, 28, 1), 64)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    batch = FLAGS.batch_size

    @tf.function
    def train_step(real):
        noise = tf.random.normal([batch, 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            fake = generator(noise, training=True)
            real_out = discriminator(real, training=True)
            fake_out = discriminator(fake, training=True)
            g_loss = cross_entropy(tf.ones_like(fake_out), fake_out)
            d_loss = (cross_entropy(tf.ones_like(real_out), real_out)
                      + cross_entropy(tf.zeros_like(fake_out), fake_out))
        g_opt.apply_gradients(zip(gen_tape.gradient(g_loss, generator.trainable_variables),
                                  generator.trainable_variables))
        d_opt.apply_gradients(zip(disc_tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))

    dataset = tf.data.Dataset.from_tensor_slices(train_images).shuffle(60000).batch(
        batch, drop_remainder=True).repeat()
    iterator = iter(dataset)

    def run(steps):
        for _ in range(steps):
            train_step(next(iterator))
        g_opt.iterations.numpy()

    return run


def fit_runner(policy, steps_per_execution=1, jit_compile=False):
    keras.mixed_precision.set_global_policy(policy)
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=100, width=64, seed=0)
    model.compile(steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    keras.mixed_precision.set_global_policy("float32")
    dataset = data.load("fashion_mnist", batch_size=FLAGS.batch_size, repeat=True)

    def run(steps):
        model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)

    return run


def main(argv):
    train_images = images()
    builders = {
        "tutorial": lambda: tutorial_runner(train_images),
        "fit/f32": lambda: fit_runner("float32"),
        "fit/bf16": lambda: fit_runner("mixed_bfloat16"),
        "fit/bf16/spe": lambda: fit_runner("mixed_bfloat16", steps_per_execution=FLAGS.spe),
        "fit/bf16/xla": lambda: fit_runner("mixed_bfloat16", jit_compile=True),
    }
    steps = FLAGS.steps - FLAGS.steps % FLAGS.spe
    runners = {}
    for name in FLAGS.variants:
        runners[name] = builders[name]()
        runners[name](2 * FLAGS.spe)  # trace, compile, warm up
    times = {name: [] for name in runners}
    for _ in range(FLAGS.rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run(steps)
            times[name].append((time.perf_counter() - start) / steps)

    flops = step_flops(
        forward_flops(dcgan_generator((28, 28, 1), 100, 64), FLAGS.batch_size),
        forward_flops(dcgan_discriminator((28, 28, 1), 64), FLAGS.batch_size),
    )
    peak_f32, peak_bf16 = matmul_peak(tf.float32), matmul_peak(tf.bfloat16)
    base = statistics.median(times.get("tutorial", [float("nan")]))
    print(f"DCGAN (width 64, latent 100) on Fashion-MNIST, batch {FLAGS.batch_size}, "
          f"{steps} steps x {FLAGS.rounds} interleaved rounds, median")
    print(f"Counted {flops / 1e9:.2f} GFLOP per train step; measured matmul peak: "
          f"float32 {peak_f32 / 1e9:.0f} GFLOP/s, bfloat16 {peak_bf16 / 1e9:.0f} GFLOP/s\n")
    print("| variant | ms/step | images/s | vs tutorial | GFLOP/s | % of f32 peak | % of bf16 peak (MFU) |")
    print("|---|---|---|---|---|---|---|")
    for name, values in times.items():
        seconds = statistics.median(values)
        rate = flops / seconds
        print(f"| {name} | {seconds * 1e3:.1f} | {FLAGS.batch_size / seconds:.0f} | {base / seconds:.2f}x "
              f"| {rate / 1e9:.0f} | {rate / peak_f32:.0%} | {rate / peak_bf16:.0%} |")


if __name__ == "__main__":
    app.run(main)
