r"""Mode collapse on the mixture of 8 Gaussians: GAN vs Unrolled GAN.

The test of Metz et al.: 8 Gaussians (std 0.02) on a circle of radius 2.
Both models get the same networks (G: z of 256 -> 128 -> 128 -> 2, ReLU;
D: 2 -> 128 -> 1), the same optimizers (Adam, beta_1 0.5, --learning_rate), batch and
number of steps; only the generator update differs. Prints the modes
covered and the share of high-quality samples per seed, at the strict
threshold of the literature (within 3 std of a mode) and a loose one (10 std,
0.2 here), and draws the samples of the first seed against the modes.

    python bench/mode_coverage.py --steps=10000 --seeds=3
"""
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags
import numpy as np
import keras

from keras_gan import toy
from keras_gan.architectures import toy_discriminator, toy_generator
from keras_gan.models import GAN, UnrolledGAN

flags.DEFINE_integer("steps", 3000, "Training steps per model.")
flags.DEFINE_integer("seeds", 3, "Runs per model (seeds 0, 1, ...).")
flags.DEFINE_integer("unroll_steps", 5, "Look-ahead D steps of the Unrolled GAN.")
flags.DEFINE_integer("batch_size", 512, "Points per batch.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate of both networks.")
flags.DEFINE_string("plot", "docs/eight_gaussians.png", "Where to draw the first seed's samples.")
FLAGS = flags.FLAGS
STD = 0.02


def run(cls, seed, modes, **kwargs):
    keras.utils.set_random_seed(seed)
    model = cls(generator=toy_generator(256), discriminator=toy_discriminator(units=(128,)),
                seed=seed, **kwargs)
    model.compile(d_optimizer=keras.optimizers.Adam(FLAGS.learning_rate, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(FLAGS.learning_rate, beta_1=0.5))
    start = time.monotonic()
    model.fit(toy.dataset(modes, FLAGS.batch_size, STD, seed), steps_per_epoch=FLAGS.steps,
              epochs=1, verbose=0)
    seconds = time.monotonic() - start
    samples = model.generate(2500, seed=1000 + seed)
    return samples, (toy.mode_coverage(samples, modes, STD),
                     toy.mode_coverage(samples, modes, STD, radius=10.0)), seconds


def main(argv):
    modes = toy.ring_modes(8, radius=2.0)
    models = {"GAN": (GAN, {}),
              f"UnrolledGAN (k={FLAGS.unroll_steps})": (UnrolledGAN, {"unroll_steps": FLAGS.unroll_steps})}
    shown = {}
    print(f"8 Gaussians, {FLAGS.steps} steps of batch {FLAGS.batch_size}, 2500 samples scored")
    print("| model | seed | modes covered, 3 std | high-quality samples, 3 std "
          "| modes covered, 10 std | samples within 10 std | train s |")
    print("|---|---|---|---|---|---|---|")
    totals = {name: [] for name in models}
    for seed in range(FLAGS.seeds):
        for name, (cls, kwargs) in models.items():
            samples, (score, loose), seconds = run(cls, seed, modes, **kwargs)
            totals[name].append((score, loose))
            shown.setdefault(name, (samples, loose))
            print(f"| {name} | {seed} | {score['modes_covered']} | {score['high_quality']:.1%} "
                  f"| {loose['modes_covered']} | {loose['high_quality']:.1%} | {seconds:.0f} |", flush=True)
    for name, scores in totals.items():
        columns = " | ".join(
            f"{np.mean([s[i]['modes_covered'] for s in scores]):.2f} | "
            f"{np.mean([s[i]['high_quality'] for s in scores]):.1%}" for i in (0, 1))
        print(f"| {name} | mean | {columns} | |")
    if FLAGS.plot:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        fig, axes = plt.subplots(1, len(shown), figsize=(4.5 * len(shown), 4.5))
        for axis, (name, (samples, score)) in zip(axes, shown.items()):
            axis.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="samples")
            axis.scatter(modes[:, 0], modes[:, 1], marker="x", c="red", s=60, label="modes")
            axis.set_title(f"{name} (seed 0)\n{score['modes_covered']}/8 modes, "
                           f"{score['high_quality']:.0%} of samples within 10 std")
            axis.set_xlim(-3, 3)
            axis.set_ylim(-3, 3)
            axis.set_aspect("equal")
            axis.legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        os.makedirs(os.path.dirname(FLAGS.plot) or ".", exist_ok=True)
        fig.savefig(FLAGS.plot, dpi=90)
        print(f"Plot: {FLAGS.plot}")


if __name__ == "__main__":
    app.run(main)
