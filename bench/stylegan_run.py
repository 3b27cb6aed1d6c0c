r"""StyleGAN on Fashion-MNIST for a fixed wall-clock budget: scores, a
truncation table and the figures of docs/stylegan.md.

Trains `StyleGAN`'s defaults (28x28 padded to 32x32) for `--seconds` of
`fit` (graph building included; the machine may be shared, so the step count
is reported beside it), saves the model, scores `--samples` images at each
`--psis` value against the training split in the shipped classifier's
feature space (central 28x28 crop), and writes the figures below.

`--seconds` may list several budgets (`600,1800`): one model trains on, and
at each mark of training time (scoring excluded) it is saved as
`model_<seconds>s.keras` and scored, so one run gives the table at each
budget. The figures come from the last mark.

    <figures>_mixing.png      style-mixing grid (rows: coarse styles, columns: fine)
    <figures>_truncation.png  one row per seed, one column per psi
    <figures>_projection.png  test images | their projections

    python bench/stylegan_run.py --seconds=600
    python bench/stylegan_run.py --seconds=60 --samples=2000 --figures=/tmp/sg   # a quick look
"""
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags
import numpy as np

flags.DEFINE_list("seconds", ["600"], "Wall-clock budgets of training, rising; scored at each.")
flags.DEFINE_integer("batch_size", 32, "Batch size.")
flags.DEFINE_integer("seed", 0, "Seed of the model and the data order.")
flags.DEFINE_integer("samples", 10000, "Generated images scored per psi.")
flags.DEFINE_list("psis", ["1", "0.7", "0.5"], "Truncation psi values scored.")
flags.DEFINE_string("out_dir", "runs/stylegan_bench", "Where the model and results.json go.")
flags.DEFINE_string("figures", "docs/stylegan", "Prefix of the figure files.")
flags.DEFINE_integer("projection_images", 4, "Test images projected.")
flags.DEFINE_integer("projection_steps", 300, "Projector steps per image.")
flags.DEFINE_integer("width", 32, "StyleGAN width.")
flags.DEFINE_integer("mapping_layers", 4, "Mapping network depth.")
FLAGS = flags.FLAGS


def main(argv):
    import keras

    from keras_gan import evaluation
    from keras_gan import features
    from keras_gan import precision
    from keras_gan.callbacks import TimeLimit
    from keras_gan.images import save_grid
    from keras_gan.stylegan import StyleGAN
    from keras_gan.stylegan import data as style_data
    from keras_gan.stylegan import tools

    os.makedirs(FLAGS.out_dir, exist_ok=True)
    ds, info = style_data.load("fashion_mnist", batch_size=FLAGS.batch_size, seed=FLAGS.seed,
                               repeat=True)
    model = StyleGAN(image_shape=info.image_shape, seed=FLAGS.seed, width=FLAGS.width,
                     mapping_layers=FLAGS.mapping_layers)
    model.compile()
    marks = [float(s) for s in FLAGS.seconds]
    if not marks or any(b <= a for a, b in zip([0.0] + marks, marks)):
        raise app.UsageError(f"--seconds must be positive and rising. Received: {FLAGS.seconds}")
    base = features.load_extractor("fashion_mnist")
    reference = evaluation.reference_statistics("fashion_mnist", extractor=base)
    seconds, budgets, rows = 0.0, [], []
    for mark in marks:
        start = time.monotonic()
        history = model.fit(ds, steps_per_epoch=100, epochs=10**6,
                            callbacks=[TimeLimit(mark - seconds)], verbose=2)
        seconds += time.monotonic() - start
        steps = model.train_steps
        model.save(os.path.join(FLAGS.out_dir, f"model_{mark:g}s.keras"))
        last = {k: float(v[-1]) for k, v in history.history.items()}
        print(f"{steps} steps in {seconds:.0f} s (batch {FLAGS.batch_size}); last epoch: {last}")
        budgets.append({"budget": mark, "seconds": seconds, "steps": steps,
                        "images_seen": steps * FLAGS.batch_size, "last_epoch_logs": last})
        for psi in (float(p) for p in FLAGS.psis):
            scores = style_data.evaluate(model, reference, base, info.padding, FLAGS.samples,
                                         seed=FLAGS.seed, truncation_psi=psi)
            rows.append({"budget": mark, "steps": steps, "psi": psi, **scores})
            print(f"{mark:g} s, psi {psi}: {scores}")
    model.save(os.path.join(FLAGS.out_dir, "model.keras"))

    prefix = FLAGS.figures
    tools.save_table(f"{prefix}_mixing.png",
                     tools.style_mixing_grid(model, [1, 2, 3, 4], [5, 6, 7, 8, 9, 10]), scale=3)
    tools.save_table(f"{prefix}_truncation.png",
                     tools.truncation_sweep(model, list(range(8)), (1.0, 0.7, 0.5, 0.25, 0.0)),
                     scale=3)
    real = next(iter(style_data.load("fashion_mnist", split="test", batch_size=64,
                                      shuffle=False)[0])).numpy()
    projections, pairs = [], []
    for i in range(FLAGS.projection_images):
        t0 = time.monotonic()
        result = tools.project(model, real[i], steps=FLAGS.projection_steps, seed=i)
        projections.append({k: result[k] for k in ("pixel_mse", "psnr", "feature_distance")}
                           | {"seconds": time.monotonic() - t0})
        pairs += [real[i], result["image"]]
        print(f"projection {i}: {projections[-1]}")
    save_grid(f"{prefix}_projection.png", np.stack(pairs), columns=2, scale=3)

    results = {"seconds": seconds, "steps": steps, "batch_size": FLAGS.batch_size,
               "images_seen": steps * FLAGS.batch_size, "config": model.get_config(),
               "last_epoch_logs": last, "budgets": budgets, "scores": rows,
               "extractor": reference.extractor, "cpu": precision.cpu_name(),
               "projection": projections,
               "projection_steps": FLAGS.projection_steps, "samples": FLAGS.samples,
               "keras": keras.__version__}
    with open(os.path.join(FLAGS.out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2, default=str)
    print("| budget | steps | psi | FID | KID | precision | recall |\n|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['budget']:g} s | {row['steps']:,} | {row['psi']} | {row['fid']:.2f} "
              f"| {row['kid']:.4f} | {row['precision']:.3f} | {row['recall']:.3f} |")


if __name__ == "__main__":
    app.run(main)
