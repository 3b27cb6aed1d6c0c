r"""Sample quality after a fixed wall-clock budget, per model.

Trains each model on Fashion-MNIST from scratch with `keras_gan.trainer`
(the defaults of `train.py --model=NAME`, no evaluation during training)
for `--seconds` of training, then scores `--samples` generated images
against the training split in the shipped classifier's feature space.
Prints a Markdown table and saves one row of samples per model.

A `--recipe` is a named set of `train.py` options (generic, or the model's family's
fields), for comparing training recipes of one model:

    python bench/quality.py --seconds=600
    python bench/quality.py --seconds=120 --models=dcgan,lsgan,vae
    python bench/quality.py --seconds=180 --models= \
        --recipe="no_ema:model=dcgan;ema=0" --recipe="b32:model=dcgan;batch_size=32"

Timings depend on the machine and on what else runs on it; compare rows
of one invocation, run on an otherwise idle machine.
"""
import dataclasses
import os
import shutil
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags
import numpy as np

from keras_gan.images import to_uint8
from keras_gan.trainer import TrainConfig, make_config, train

flags.DEFINE_integer("seconds", 600, "Training budget per model (wall clock); 0: none (set epochs "
                     "or steps_per_epoch in a --recipe).")
flags.DEFINE_list("models", ["dcgan", "lsgan", "sngan", "wgan_gp", "acgan", "infogan", "unrolled", "vae"],
                  "Models to train (train.py --model names).")
flags.DEFINE_multi_string(
    "recipe", [], "LABEL:option=value;option=value (train.py options, e.g. model=dcgan;ema=0.999); "
    "one row each.")
flags.DEFINE_integer("samples", 5000, "Generated images scored per model.")
flags.DEFINE_string("out_dir", "runs/quality", "Where the runs go (replaced).")
flags.DEFINE_string("figure", "docs/quality_samples.png", "One row of samples per model.")
flags.DEFINE_integer("strip", 16, "Samples in each model's row of the figure.")
flags.DEFINE_string("json", None, "Also write the rows (with the class report) as JSON.")
FLAGS = flags.FLAGS


def _option_types(model):
    """train.py option name -> its type, generic and the model's family's."""
    import types as types_lib

    from keras_gan import families

    def kind(annotation):
        if isinstance(annotation, types_lib.UnionType):  # float | None
            return next(a for a in annotation.__args__ if a is not type(None))
        return annotation

    found = {f.name: kind(f.type) for f in dataclasses.fields(TrainConfig)}
    family = families.declared_model_names().get(model)
    if family:
        found.update({o.name: o.kind() for o in families.declared(family).OPTIONS})
    return found


def parse_recipe(spec):
    """"LABEL:field=value;..." -> (LABEL, {option: value}) typed as train.py's options."""
    label, _, options = spec.partition(":")
    items = [item.partition("=") for item in filter(None, options.split(";"))]
    model = next((value for key, _, value in items if key == "model"), TrainConfig.model)
    types = _option_types(model)
    overrides = {}
    for key, sep, value in items:
        if not sep or key not in types:
            raise app.UsageError(f"--recipe {spec!r}: {key + sep + value!r} is not OPTION=VALUE "
                                 f"of an option of --model={model}.")
        cast = types[key]
        overrides[key] = value.lower() in ("1", "true") if cast is bool else cast(value)
    return label.strip(), overrides


def main(argv):
    rows, samples = [], {}
    runs = [(name, {"model": name}) for name in FLAGS.models]
    runs += [parse_recipe(spec) for spec in FLAGS.recipe]
    for name, overrides in runs:
        out = os.path.join(FLAGS.out_dir, name)
        shutil.rmtree(out, ignore_errors=True)
        config = make_config(**{**dict(epochs=1000, out_dir=out, eval_every=0, export=False, verbose=0),
                                **overrides,
                                "time_limit": float(FLAGS.seconds),
                                "final_eval_samples": FLAGS.samples})
        start = time.monotonic()
        result = train(config)
        elapsed = time.monotonic() - start
        m = result.metrics
        rows.append((name, result.step, elapsed, m, overrides))
        samples[name] = result.model.generate(FLAGS.strip, seed=0)
        print(f"{name}: {result.step} steps, FID {m['fid']:.2f} ({elapsed:.0f} s in all)", flush=True)
        # Written after every row: a long invocation stopped part-way keeps
        # the rows it finished.
        save(rows, samples)
    budget = f"{FLAGS.seconds} s of training per row" if FLAGS.seconds else "the steps each recipe sets"
    print(f"\nFashion-MNIST, {budget}, {FLAGS.samples} samples scored "
          "(the default judge's features; lower FID/KID and higher precision/recall are better; "
          "min class share: the rarest class among the samples, 0.1 when balanced; label "
          "agreement, conditional models only: the share drawn in the asked class, chance 0.1, "
          "real test images 0.93)\n")
    print("| model | steps | FID | KID | precision | recall | min class share | class KL "
          "| label agreement (worst class) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, steps, _, m, _ in sorted(rows, key=lambda r: r[3]["fid"]):
        agreement = (f"{m['label_agreement']:.3f} ({m['label_agreement_min']:.3f})"
                     if "label_agreement" in m else "n/a")
        print(f"| {name} | {steps} | {m['fid']:.2f} | {m['kid']:.4f} | {m['precision']:.3f} | "
              f"{m['recall']:.3f} | {m.get('min_class_share', float('nan')):.3f} | "
              f"{m.get('class_kl', float('nan')):.3f} | {agreement} |")
    if FLAGS.figure:
        print(f"\nSamples: {FLAGS.figure}")


def save(rows, samples):
    """The rows as JSON and one strip of samples per row, as far as they go."""
    if FLAGS.json:
        import json

        with open(FLAGS.json, "w") as f:
            # "options": the row's train.py options as given, so that each
            # row says how to reproduce it.
            json.dump([{"name": n, "options": o, "steps": st, "seconds": round(sec), **m}
                       for n, st, sec, m, o in rows], f, indent=1)
    if FLAGS.figure:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        fig, axes = plt.subplots(len(samples), 1, figsize=(0.75 * FLAGS.strip, 0.85 * len(samples) + 0.3))
        axes = np.atleast_1d(axes)
        for axis, (name, images) in zip(axes, samples.items()):
            strip = np.concatenate(list(to_uint8(images)[..., 0]), axis=1)
            axis.imshow(strip, cmap="gray", vmin=0, vmax=255)
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_ylabel(name, rotation=0, ha="right", va="center")
        fig.tight_layout()
        fig.savefig(FLAGS.figure, dpi=100)
        plt.close(fig)


if __name__ == "__main__":
    app.run(main)
