"""Short CPU runs of the image-to-image models on their offline Fashion-MNIST
tasks: a figure per model (rows of input | output | target) and the task
metric next to its baseline.

    python bench/image_to_image.py                    # all four, ~3 min each on 2 cores
    python bench/image_to_image.py --models=srgan --seconds=60

Writes docs/<model>_figure.png and runs/bench_i2i/<model>/ (a train.py run
directory each), and prints a markdown table of the measured numbers.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_gan import trainer  # noqa: E402
from keras_gan.images import save_grid  # noqa: E402

# The train.py options of each run (all else: train.py's defaults).
RUNS = {
    "pix2pix": dict(width=32, batch_size=32),
    "srgan": dict(width=32, batch_size=32),
    "inpainting": dict(width=32, batch_size=32),
    "cyclegan": dict(width=16, batch_size=8),
}


def _row(name, metrics):
    if name == "pix2pix":
        return (f"L1 {metrics['l1']:.3f} / PSNR {metrics['psnr']:.2f} dB / SSIM {metrics['ssim']:.3f}",
                f"mean test image: L1 {metrics['mean_image_l1']:.3f} / PSNR "
                f"{metrics['mean_image_psnr']:.2f} dB / SSIM {metrics['mean_image_ssim']:.3f}")
    if name == "srgan":
        return (f"PSNR {metrics['psnr']:.2f} dB / SSIM {metrics['ssim']:.3f}",
                f"bicubic: PSNR {metrics['bicubic_psnr']:.2f} dB / SSIM {metrics['bicubic_ssim']:.3f}")
    if name == "inpainting":
        return (f"masked-region L1 {metrics['masked_l1']:.3f}",
                f"mean-fill: L1 {metrics['mean_fill_l1']:.3f}")
    return (f"A→B classified as B: {metrics['target_accuracy']:.3f}; "
            f"B→A as A: {metrics['inverse_target_accuracy']:.3f}",
            f"untranslated inputs: {metrics['input_accuracy']:.3f}; "
            f"{metrics['inverse_input_accuracy']:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(RUNS))
    parser.add_argument("--seconds", type=float, default=180.0, help="training time per model")
    parser.add_argument("--runs", default="runs/bench_i2i")
    parser.add_argument("--docs", default="docs")
    args = parser.parse_args()
    rows = []
    for name in args.models.split(","):
        out_dir = os.path.join(args.runs, name)
        config = trainer.make_config(
            model=name, out_dir=out_dir, epochs=100, steps_per_epoch=200,
            time_limit=args.seconds, verbose=0, export=False, num_samples=24,
            final_eval_samples=10000, seed=0, **RUNS[name])
        start = time.monotonic()
        result = trainer.train(config)
        seconds = time.monotonic() - start
        figure = save_grid(os.path.join(args.docs, f"{name}_figure.png"),
                           result.model.generate(24, seed=1), columns=6, scale=3)
        with open(os.path.join(out_dir, "metrics.json")) as f:
            metrics = json.load(f)
        ours, baseline = _row(name, metrics)
        rows.append((name, result.step, config.batch_size, seconds, ours, baseline, figure))
        print(f"{name}: {result.step} steps in {seconds:.0f} s; {ours} vs {baseline}", flush=True)
    print("\n| model | steps × batch | wall time | metric | baseline | figure |")
    print("|---|---|---|---|---|---|")
    for name, steps, batch, seconds, ours, baseline, figure in rows:
        print(f"| {name} | {steps} × {batch} | {seconds:.0f} s | {ours} | {baseline} | {figure} |")


if __name__ == "__main__":
    main()
