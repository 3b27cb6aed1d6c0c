"""Trains GAN-INT-CLS, StackGAN and a class-conditional baseline on the
synthetic captioned Fashion-MNIST set at a fixed CPU budget, then measures
caption obedience and draws the figures of docs/text2image.md.

    python bench/text2image.py                      # ~35 min on 2 CPU cores
    python bench/text2image.py --seconds=120 --encoder_steps=300   # a quick look
    python bench/text2image.py --phase=report       # re-measure saved models

Writes runs/bench_text2image/ (joint_embedding.keras, one run folder per
model with samples/, model.keras and export/, results.json) and
docs/text2image_*.png; prints the markdown tables.
"""

import argparse
import json
import os
import shutil
import sys
import time
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import keras  # noqa: E402

from keras_gan.callbacks import TimeLimit  # noqa: E402
from keras_gan.models import ConditionalGAN  # noqa: E402
from keras_gan.text2image import data as data_lib  # noqa: E402
from keras_gan.text2image import evaluation as eval_lib  # noqa: E402
from keras_gan.text2image import metrics as metrics_lib  # noqa: E402
from keras_gan.text2image import text_encoder as text_lib  # noqa: E402
from keras_gan.text2image.family import SAMPLE_CAPTIONS  # noqa: E402
from keras_gan.text2image.family import TextToImageFamily  # noqa: E402
from keras_gan.text2image.samples import save_caption_grid  # noqa: E402
from keras_gan.text2image.stack_gan import StackGAN  # noqa: E402

ROOT = "runs/bench_text2image"
DOCS = "docs"
HELD_OUT_ROWS = 4  # the last rows of SAMPLE_CAPTIONS name held-out pairs
INTERPOLATIONS = (
    ("a large red bag in the center", "a large blue bag in the center"),
    ("a small white sneaker in the top left", "a small white sneaker in the bottom right"),
    ("a small yellow dress in the center", "a large yellow dress in the center"),
    ("a large green trousers in the center", "a large green ankle boot in the center"),
)


def context(out_dir, seed, **options):
    config = types.SimpleNamespace(
        dataset="captioned_fashion_mnist", data_dir=None, latent_dim=100, width=32, seed=seed,
        loss="", samples_every=1, health=True, on_nan="rollback", final_eval_samples=1000)
    defaults = {o.name: o.default for o in TextToImageFamily.options}
    return types.SimpleNamespace(config=config, options={**defaults, **options}, out_dir=out_dir)


def fit(model, dataset, seconds, callbacks):
    start = time.monotonic()
    steps_before = model.train_steps if hasattr(model, "train_steps") else 0
    model.fit(dataset, epochs=1000, steps_per_epoch=500, verbose=0,
              callbacks=[TimeLimit(seconds), *callbacks])
    return {"seconds": round(time.monotonic() - start, 1),
            "steps": int(model.train_steps - steps_before)}


def train(args):
    family = TextToImageFamily()
    os.makedirs(ROOT, exist_ok=True)
    log = {}
    # 1) The DS-SJE text encoder, shared by both models.
    joint_path = os.path.join(ROOT, "joint_embedding.keras")
    start = time.monotonic()
    ds = data_lib.load("train", 64, seed=args.seed, repeat=True, with_factors=True)
    joint = text_lib.train_joint_embedding(ds, args.encoder_steps, seed=args.seed)
    joint.save(joint_path)
    log["encoder"] = {"steps": args.encoder_steps, "seconds": round(time.monotonic() - start, 1)}
    print("encoder", log["encoder"], flush=True)
    # 2) GAN-INT-CLS and StackGAN through the family protocol.
    for name in ("text2image", "stackgan"):
        out_dir = os.path.join(ROOT, name)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        shutil.copy(joint_path, os.path.join(out_dir, "joint_embedding.keras"))
        ctx = context(out_dir, args.seed)
        dataset, info = family.load_data(ctx, split="train", seed=args.seed, repeat=True,
                                         batch_size=64)
        model = family.build(ctx, family.models[name], info)
        callbacks = family.callbacks(ctx, model, info)
        if name == "text2image":
            log[name] = fit(model, dataset, args.seconds, callbacks)
        else:
            # Zhang et al. train Stage-I first, then Stage-II on top of it; a
            # Stage-II step costs 3-4 Stage-I steps here, so it gets 60%.
            log[name] = {"stage1": fit(model, dataset, 0.4 * args.seconds, callbacks)}
            model.set_stage(2)
            log[name]["stage2"] = fit(model, dataset, 0.6 * args.seconds, callbacks)
        model.save(os.path.join(out_dir, "model.keras"))
        print(name, log[name], flush=True)
    # 3) The baseline: a class-conditional GAN on the same canvases.
    out_dir = os.path.join(ROOT, "cgan")
    os.makedirs(out_dir, exist_ok=True)
    per_class = len(data_lib.COLOURS) * len(data_lib.SIZES) * len(data_lib.POSITIONS)
    labelled = data_lib.load("train", 64, seed=args.seed, repeat=True, with_factors=True).map(
        lambda images, captions, combos: (images, combos // per_class))
    cgan = ConditionalGAN(num_classes=10, image_shape=(32, 32, 3), latent_dim=100, width=32,
                          seed=args.seed)
    cgan.compile()
    log["cgan"] = fit(cgan, labelled, args.seconds, [])
    cgan.save(os.path.join(out_dir, "model.keras"))
    print("cgan", log["cgan"], flush=True)
    with open(os.path.join(ROOT, "training.json"), "w") as f:
        json.dump(log, f, indent=2)


def rows_for(model, captions, per_row, seed=0):
    z = np.tile(np.asarray(model.latent_for(per_row, seed)), (len(captions), 1))
    images = model.generate_from(z, [c for c in captions for _ in range(per_row)])
    return [images[i * per_row : (i + 1) * per_row] for i in range(len(captions))]


def interpolation_rows(model, steps=8, seed=0):
    rows = []
    z = np.repeat(np.asarray(model.latent_for(1, seed)), steps, axis=0)
    for a, b in INTERPOLATIONS:
        ea, eb = np.asarray(model.embed([a])), np.asarray(model.embed([b]))
        t = np.linspace(0.0, 1.0, steps)[:, None]
        mixed = ((1 - t) * ea + t * eb).astype("float32")
        rows.append(np.asarray(model.images_from(keras.ops.convert_to_tensor(z),
                                                 keras.ops.convert_to_tensor(mixed))))
    return rows


def report(args):
    family = TextToImageFamily()
    joint = keras.models.load_model(os.path.join(ROOT, "joint_embedding.keras"))
    models = {name: keras.models.load_model(os.path.join(ROOT, name, "model.keras"))
              for name in ("text2image", "stackgan")}
    cgan = keras.models.load_model(os.path.join(ROOT, "cgan", "model.keras"))
    results = {"chance": dict(metrics_lib.CHANCE, r_precision=0.01)}
    for split in ("test", "heldout"):
        batch = eval_lib.prompts(split, args.eval_samples, args.seed)
        results[f"real/{split}"] = eval_lib.evaluate_real(batch, joint)
        for name, model in models.items():
            results[f"{name}/{split}"] = eval_lib.evaluate_model(model, batch, joint)
        results[f"cgan/{split}"] = eval_lib.evaluate_class_conditional(cgan, batch, joint)
        print(split, {k: v for k, v in results.items() if k.endswith(split)}, flush=True)
    # Export and parity of both models (strings in).
    for name, model in models.items():
        out = family.export(model, os.path.join(ROOT, name, "export"))
        results[f"{name}/parity"] = out["parity"]
        print(name, "parity", out["parity"], flush=True)
    training = os.path.join(ROOT, "training.json")
    if os.path.exists(training):
        with open(training) as f:
            results["training"] = json.load(f)
    with open(os.path.join(ROOT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    # Figures.
    labels = [c + ("   [held-out pair]" if i >= len(SAMPLE_CAPTIONS) - HELD_OUT_ROWS else "")
              for i, c in enumerate(SAMPLE_CAPTIONS)]
    titles = {"text2image": "GAN-INT-CLS", "stackgan": "StackGAN"}
    for name, model in models.items():
        save_caption_grid(os.path.join(DOCS, f"text2image_captions_{name}.png"),
                          rows_for(model, list(SAMPLE_CAPTIONS), 8),
                          [f"{titles[name]}: {c}" for c in labels])
    rows, texts = [], []
    for name, model in models.items():
        for (a, b), row in zip(INTERPOLATIONS, interpolation_rows(model)):
            rows.append(row)
            texts.append(f"{titles[name]}: '{a}' -> '{b}'")
    save_caption_grid(os.path.join(DOCS, "text2image_interpolation.png"), rows, texts)
    stack = models["stackgan"]
    rows, texts = [], []
    for caption in SAMPLE_CAPTIONS[:4] + SAMPLE_CAPTIONS[-2:]:
        low, high = stack.generate_stages(6, seed=0, captions=caption)
        up = np.asarray(keras.ops.image.resize(low, (32, 32), interpolation="nearest"))
        rows += [up, high]
        texts += [f"Stage-I (16x16): {caption}", f"Stage-II (32x32): {caption}"]
    save_caption_grid(os.path.join(DOCS, "text2image_stackgan_stages.png"), rows, texts)
    batch = eval_lib.prompts("test", 8, args.seed)
    save_caption_grid(os.path.join(DOCS, "text2image_real.png"),
                      [batch.real[i : i + 1] for i in range(8)], batch.captions)
    print_tables(results)


def print_tables(results):
    columns = ("item", "colour", "size", "position", "all", "r_precision")
    for split in ("test", "heldout"):
        print(f"\n{split}\n| images | " + " | ".join(columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        for name in ("real", "text2image", "stackgan", "cgan"):
            scores = results[f"{name}/{split}"]
            print(f"| {name} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |")
        print("| chance | " + " | ".join(f"{results['chance'][c]:.3f}" for c in columns) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=480.0,
                        help="training budget per model (StackGAN: both stages together)")
    parser.add_argument("--encoder_steps", type=int, default=1500)
    parser.add_argument("--eval_samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--phase", choices=("all", "train", "report"), default="all")
    parser.add_argument("--root", default=ROOT, help="where the runs go")
    parser.add_argument("--docs", default=DOCS, help="where the figures go")
    args = parser.parse_args()
    globals().update(ROOT=args.root, DOCS=args.docs)
    if args.phase in ("all", "train"):
        train(args)
    if args.phase in ("all", "report"):
        report(args)


if __name__ == "__main__":
    main()
