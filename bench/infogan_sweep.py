r"""Does InfoGAN's categorical code pick up the clothing classes?

Trains InfoGAN on Fashion-MNIST (through `keras_gan.trainer`, the same run
as `python train.py --model=infogan`), then, for each value of the
categorical code, generates samples with fresh noise and classifies them
with the shipped Fashion-MNIST classifier. Prints, per code value, the
predicted class distribution's majority class and its share, and overall:
    purity   mean share of the majority class per code value
    NMI      mutual information I(code; predicted class) / H(predicted class)
             (0: the code says nothing about the class, 1: it fixes it)
With --control, also trains the same model with info_weight=0 (the codes
are then ignored by the loss), the baseline for both numbers.

    python bench/infogan_sweep.py --epochs=6 --control
"""
import os
import shutil
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags
import numpy as np

from keras_gan import features
from keras_gan.images import save_grid
from keras_gan.trainer import make_config, train

flags.DEFINE_integer("epochs", 6, "Training epochs.")
flags.DEFINE_integer("per_code", 1000, "Samples scored per code value.")
flags.DEFINE_integer("latent_dim", 62, "Noise size (the paper's 62).")
flags.DEFINE_bool("code_embedding", True, "InfoGAN code_embedding.")
flags.DEFINE_bool("control", False, "Also train with info_weight=0 as a baseline.")
flags.DEFINE_bool("only_control", False, "Train only the info_weight=0 baseline.")
flags.DEFINE_string("out_dir", "runs/infogan_sweep", "Run directories (replaced).")
flags.DEFINE_string("grid", "docs/infogan_category_sweep.png", "Where to save the category sweep.")
FLAGS = flags.FLAGS

NAMES = ["T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]


def code_class_table(model, classifier, per_code):
    """counts[c, k]: samples of code value c that the classifier calls class k."""
    counts = np.zeros((model.categories, 10))
    for c in range(model.categories):
        images = model.generate(per_code, seed=100 + c, codes={"category": c})
        _, probabilities = classifier(images, with_probabilities=True)
        counts[c] = np.bincount(np.argmax(probabilities, axis=1), minlength=10)
    return counts


def scores(counts):
    joint = counts / counts.sum()
    pc, pk = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / (pc @ pk)[nz])).sum())
    h = float(-(pk[pk > 0] * np.log(pk[pk > 0])).sum())
    purity = float((counts.max(1) / counts.sum(1)).mean())
    return purity, mi / h


def run(info_weight, tag):
    out_dir = os.path.join(FLAGS.out_dir, tag)
    shutil.rmtree(out_dir, ignore_errors=True)  # a fresh run, never a resumed one
    config = make_config(model="infogan", epochs=FLAGS.epochs, info_weight=info_weight,
                         latent_dim=FLAGS.latent_dim, code_embedding=FLAGS.code_embedding,
                         width=64,  # the README's figures were measured at width 64
                         out_dir=out_dir, export=False,
                         eval_every=0, final_eval_samples=0, verbose=2)
    start = time.monotonic()
    result = train(config)
    return result.model, time.monotonic() - start


def main(argv):
    classifier = features.load_extractor("fashion_mnist")
    runs = [(1.0, "infogan")] + ([(0.0, "control_info_weight_0")] if FLAGS.control else [])
    if FLAGS.only_control:
        runs = runs[1:] if FLAGS.control else [(0.0, "control_info_weight_0")]
    summary = []
    for info_weight, tag in runs:
        model, seconds = run(info_weight, tag)
        counts = code_class_table(model, classifier, FLAGS.per_code)
        purity, nmi = scores(counts)
        summary.append((tag, info_weight, purity, nmi, len(set(counts.argmax(1))), seconds))
        print(f"\n{tag}: {FLAGS.epochs} epochs in {seconds:.0f} s")
        print("| code value | majority class | share | second class | share |")
        print("|---|---|---|---|---|")
        for c, row in enumerate(counts):
            order = np.argsort(row)[::-1]
            share = row / row.sum()
            print(f"| {c} | {NAMES[order[0]]} | {share[order[0]]:.0%} | {NAMES[order[1]]} | {share[order[1]]:.0%} |")
        if tag == "infogan" and FLAGS.grid:
            images, columns = model.sweep("category", rows=8, seed=0)
            save_grid(FLAGS.grid, images, columns=columns, scale=2)
            print(f"Sweep grid: {FLAGS.grid}")
    print("\n| run | info_weight | purity | NMI(code; class) | distinct majority classes | train s |")
    print("|---|---|---|---|---|---|")
    for tag, w, purity, nmi, distinct, seconds in summary:
        print(f"| {tag} | {w:g} | {purity:.3f} | {nmi:.3f} | {distinct} of 10 | {seconds:.0f} |")


if __name__ == "__main__":
    app.run(main)
