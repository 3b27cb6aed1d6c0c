r"""Does the judge see what people see? FID of known disturbances, per feature network.

    python bench/judge_sanity.py                       # every candidate, 10,000 images
    python bench/judge_sanity.py --extractors=fashion_mnist --num=2000

Real Fashion-MNIST training images (a fixed random 10,000), disturbed as in
Heusel et al. 2017 (noise, blur, black rectangles, swirl, salt and pepper) at
rising levels, plus what a pooled embedding cannot see (shuffled patches,
elastic warps) and diversity failures (a class dropped, three classes only,
duplicates), are scored against the 10,000 test images. A judge passes when
FID rises with every level of every disturbance, shuffled patches score
clearly worse than real, and a dropped class shows in FID and in the class
report. Prints one markdown table of FID per extractor, one of the full
report for the first extractor, the verdicts, and writes them as JSON.
"""

import dataclasses
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags

flags.DEFINE_list("extractors",
                  ["fashion_mnist", "fashion_mnist_spatial", "fashion_mnist_pooled",
                   "fashion_mnist_v1"],
                  "Feature networks to compare (keras_gan.features.load_extractor names).")
flags.DEFINE_integer("num", 10000, "Real images disturbed (and test images as reference).")
flags.DEFINE_integer("pr_num", 5000, "Images for KID and precision/recall (first extractor).")
flags.DEFINE_integer("seed", 0, "Seed of the image choice and of every disturbance.")
flags.DEFINE_string("json", None, "Write the results here as JSON.")
FLAGS = flags.FLAGS


def _arrays(split, num, seed):
    import numpy as np

    from keras_gan import data

    ds = data.load("fashion_mnist", split=split, batch_size=70000, with_labels=True,
                   shuffle=False, drop_remainder=False)
    images, labels = next(iter(ds))
    images, labels = images.numpy(), labels.numpy()
    pick = np.sort(np.random.default_rng(seed).permutation(len(images))[:num])
    return images[pick], labels[pick]


def verdicts(rows):
    """Checks one extractor's rows: `{name: [(level, fid), ...]}` and `real`."""
    real = rows["real"][0][1]
    out = {}
    for name, points in rows.items():
        if name == "real":
            continue
        fids = [fid for _, fid in points]
        if name.startswith(("one class", "three classes", "duplicates")):
            out[name] = all(f > 2 * real for f in fids)
        else:
            out[name] = fids[0] > real and all(b > a for a, b in zip(fids, fids[1:]))
    return out


def main(argv):
    import numpy as np

    from keras_gan import evaluation
    from keras_gan import features as features_lib
    from keras_gan import sanity

    start = time.time()
    train_images, train_labels = _arrays("train", FLAGS.num, FLAGS.seed)
    test_images, _ = _arrays("test", FLAGS.num, FLAGS.seed)
    sets = [("real", "", train_images)] + list(
        sanity.suite(train_images, train_labels, seed=FLAGS.seed))
    from keras_gan import metrics

    results = {}
    for index, name in enumerate(FLAGS.extractors):
        extractor = features_lib.load_extractor(name)
        reference = evaluation.reference_statistics(test_images, extractor=extractor, cache=False)
        reference_pr = dataclasses.replace(reference, features=reference.features[:FLAGS.pr_num])
        rows = []
        for kind, level, images in sets:
            if index == 0:
                # The full report for the first extractor only; FID on every
                # image, KID and precision/recall (k-NN over n x n distances)
                # on the first --pr_num.
                feats, probs = evaluation.features_of(images, extractor, len(images))
                mu, sigma = metrics.feature_statistics(feats)
                scores = evaluation.compare(feats[:FLAGS.pr_num], reference_pr, probs)
                scores["fid"] = float(metrics.frechet_distance(
                    reference.mu, reference.sigma, mu, sigma))
            else:
                feats, probs = evaluation.features_of(images, extractor, len(images))
                mu, sigma = metrics.feature_statistics(feats)
                scores = {"fid": float(metrics.frechet_distance(
                    reference.mu, reference.sigma, mu, sigma))}
                if probs is not None and reference.class_shares is not None:
                    scores.update(evaluation.class_report(probs, reference.class_shares))
            rows.append({"disturbance": kind, "level": level, **{
                k: v for k, v in scores.items() if not k.endswith("_std")}})
            print(f"  {name} {kind} {level}: FID {scores['fid']:.2f}", file=sys.stderr, flush=True)
        results[name] = rows
        print(f"{name}: {len(rows)} sets scored ({time.time() - start:.0f} s)", file=sys.stderr)

    names = FLAGS.extractors
    print(f"\nFID against {FLAGS.num} Fashion-MNIST test images "
          f"({FLAGS.num} training images, disturbed; seed {FLAGS.seed})\n")
    print("| disturbance | level | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for i, (kind, level, _) in enumerate(sets):
        cells = " | ".join(f"{results[n][i]['fid']:.2f}" for n in names)
        print(f"| {kind} | {level} | {cells} |")
    blur = [i for i, (k, lv, _) in enumerate(sets) if k.startswith("gaussian blur") and lv == 1.0]
    if blur:
        print("\nFID relative to blur (sigma 1 px), to compare scales across judges\n")
        print("| disturbance | level | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for i, (kind, level, _) in enumerate(sets):
            cells = " | ".join(
                f"{results[n][i]['fid'] / results[n][blur[0]]['fid']:.2f}" for n in names)
            print(f"| {kind} | {level} | {cells} |")

    first = names[0]
    print(f"\nFull report for {first}\n")
    print("| disturbance | level | FID | KID | precision | recall | min class share | class KL |")
    print("|---|---|---|---|---|---|---|---|")
    for row in results[first]:
        print(f"| {row['disturbance']} | {row['level']} | {row['fid']:.2f} | {row['kid']:.4f} | "
              f"{row['precision']:.3f} | {row['recall']:.3f} | "
              f"{row.get('min_class_share', float('nan')):.3f} | "
              f"{row.get('class_kl', float('nan')):.3f} |")

    checks = {}
    print("\nVerdicts (FID rises with each level and above real; diversity failures > 2x real)\n")
    print("| disturbance | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for n in names:
        grouped = {}
        for row in results[n]:
            grouped.setdefault(row["disturbance"], []).append((row["level"], row["fid"]))
        checks[n] = verdicts(grouped)
    for kind in checks[names[0]]:
        print(f"| {kind} | " + " | ".join("pass" if checks[n][kind] else "FAIL" for n in names)
              + " |")
    print("| **all** | " + " | ".join(
        "pass" if all(checks[n].values()) else "FAIL" for n in names) + " |")
    print(f"\n{time.time() - start:.0f} s in all", file=sys.stderr)
    if FLAGS.json:
        with open(FLAGS.json, "w") as f:
            json.dump({"num": FLAGS.num, "seed": FLAGS.seed, "results": results,
                       "verdicts": checks}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    app.run(main)
