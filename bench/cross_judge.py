r"""Scores saved generators under several judges, so no recipe is chosen on
one feature network's word.

Each `.keras` model (or run directory holding `model.keras`) is sampled once
(`--samples` images from one seed) and scored against the Fashion-MNIST
`--split` under every `--extractors` entry: the default judge (the v2
network's dense embedding), its spatial readout and the first network (v1),
which was trained apart with another architecture. A recipe that wins under
one judge and loses under the others is suspect.

    python bench/cross_judge.py runs/quality/*/ --samples=10000
    python bench/cross_judge.py a/model.keras b/model.keras --json=/tmp/judges.json
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags

flags.DEFINE_list("extractors", ["fashion_mnist", "fashion_mnist_spatial", "fashion_mnist_v1"],
                  "Feature networks to score with (keras_gan.features names).")
flags.DEFINE_integer("samples", 10000, "Generated images scored per model.")
flags.DEFINE_string("split", "test", "Real split the samples are compared with.")
flags.DEFINE_integer("seed", 0, "Seed of the generated samples.")
flags.DEFINE_string("json", None, "Also write the rows as JSON.")
FLAGS = flags.FLAGS


def _model_path(path):
    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    if not os.path.isfile(path):
        raise app.UsageError(f"{path} is not a .keras file or a run directory holding model.keras.")
    return path


def main(argv):
    paths = [_model_path(p) for p in argv[1:]]
    if not paths:
        raise app.UsageError("Give one or more .keras files or run directories.")
    from keras_gan import evaluation
    from keras_gan import export

    references = {
        name: evaluation.reference_statistics(split=FLAGS.split, extractor=name)
        for name in FLAGS.extractors
    }
    rows = []
    for path in paths:
        model = export.load_gan(path)
        images = model.generate(FLAGS.samples, seed=FLAGS.seed)
        label = os.path.basename(os.path.dirname(os.path.abspath(path)))
        row = {"model": label, "path": path}
        for name, reference in references.items():
            scores = evaluation.evaluate(images, reference, extractor=name,
                                         num_samples=FLAGS.samples)
            row[name] = {k: scores[k] for k in ("fid", "precision", "recall") if k in scores}
            for k in ("min_class_share", "class_kl"):
                if k in scores:
                    row[name][k] = scores[k]
        rows.append(row)
        print(label, " ".join(f"{n}={row[n]['fid']:.2f}" for n in references), flush=True)

    print(f"\nFID against the {FLAGS.split} split, {FLAGS.samples} samples per model "
          "(rank in brackets, 1 = best):\n")
    print("| model | " + " | ".join(FLAGS.extractors) + " |")
    print("|---|" + "---|" * len(FLAGS.extractors))
    ranks = {n: sorted(rows, key=lambda r: r[n]["fid"]) for n in references}
    for row in sorted(rows, key=lambda r: r[FLAGS.extractors[0]]["fid"]):
        cells = [f"{row[n]['fid']:.2f} ({ranks[n].index(row) + 1})" for n in references]
        print(f"| {row['model']} | " + " | ".join(cells) + " |")
    if FLAGS.json:
        with open(FLAGS.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    app.run(main)
