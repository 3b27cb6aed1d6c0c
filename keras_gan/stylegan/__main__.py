"""StyleGAN tools on a trained model: `python -m keras_gan.stylegan COMMAND`.

    python -m keras_gan.stylegan mix --model=runs/stylegan --out=mixing.png \
        --rows=1,2,3,4 --columns=5,6,7,8
    python -m keras_gan.stylegan truncation --model=runs/stylegan --out=truncation.png \
        --seeds=0,1,2,3 --psis=1,0.7,0.5,0
    python -m keras_gan.stylegan project --model=runs/stylegan --out=projection.png \
        --dataset=fashion_mnist --index=0 --steps=300

`--model` is a `.keras` file or a train.py run directory. `project` prints
its reconstruction error as JSON and saves target | reconstruction.
"""

import json
import sys

import numpy as np
from absl import app
from absl import flags

COMMANDS = ("mix", "truncation", "project")

flags.DEFINE_string("model", None, "A StyleGAN .keras file or a train.py run directory.")
flags.DEFINE_string("out", None, "Output PNG.")
flags.DEFINE_float("psi", 1.0, "mix, project: truncation psi of the images.")
flags.DEFINE_integer("cutoff", None, "Truncate only the first CUTOFF style vectors.")
flags.DEFINE_integer("label", None, "Class of every image (conditional models).")
flags.DEFINE_integer("scale", 3, "Pixel upscaling of the saved PNG.")
flags.DEFINE_list("rows", ["1", "2", "3", "4"], "mix: seeds of the coarse styles (rows).")
flags.DEFINE_list("columns", ["5", "6", "7", "8", "9"], "mix: seeds of the fine styles (columns).")
flags.DEFINE_integer("crossover", None, "mix: first layer taken from the column seed "
                     "(default: half the layers).")
flags.DEFINE_list("seeds", ["0", "1", "2", "3", "4", "5"], "truncation: seeds (rows).")
flags.DEFINE_list("psis", ["1", "0.7", "0.5", "0.25", "0"], "truncation: psi values (columns).")
flags.DEFINE_string("image", None, "project: target image file (PNG/JPEG).")
flags.DEFINE_string("dataset", "fashion_mnist", "project: dataset of the target when no --image.")
flags.DEFINE_string("split", "test", "project: split of the target.")
flags.DEFINE_integer("index", 0, "project: index of the target in the split.")
flags.DEFINE_integer("steps", 300, "project: optimisation steps.")
flags.DEFINE_float("feature_weight", 1.0, "project: weight of the feature-space loss.")
FLAGS = flags.FLAGS


class ToolError(ValueError):
    """A tool cannot run as asked; the message says what to change."""


def _ints(name, values):
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ToolError(f"--{name} must be comma-separated ints. Received: {','.join(values)}") from None


def load_model(path):
    """A StyleGAN from a `.keras` file or run directory."""
    import keras_gan.stylegan  # noqa: F401  (registers the classes)
    from keras_gan.export import load_gan
    from keras_gan.stylegan import StyleGAN

    model = load_gan(path)
    if not isinstance(model, StyleGAN):
        raise ToolError(f"{path} holds a {type(model).__name__}, not a StyleGAN; pass a "
                        "model trained with --model=stylegan.")
    return model


def fit_to(image, shape):
    """An image in [-1, 1] brought to `shape`: padded with -1 when smaller
    (Fashion-MNIST's 28 -> 32), resized when larger."""
    import tensorflow as tf

    image = np.asarray(image, "float32")
    if image.shape[-1] != shape[-1]:
        image = image.mean(axis=-1, keepdims=True) if shape[-1] == 1 else np.repeat(image, 3, -1)
    if image.shape[0] < shape[0] and image.shape[1] < shape[1]:
        top, left = (shape[0] - image.shape[0]) // 2, (shape[1] - image.shape[1]) // 2
        out = np.full(shape, -1.0, "float32")
        out[top:top + image.shape[0], left:left + image.shape[1]] = image
        return out
    return tf.image.resize(image, shape[:2], antialias=True).numpy()


def target_image(model):
    import keras

    if FLAGS.image:
        try:
            image = keras.utils.img_to_array(keras.utils.load_img(FLAGS.image)) / 127.5 - 1.0
        except (OSError, ValueError) as e:
            raise ToolError(f"--image={FLAGS.image} could not be read as an image ({e}).") from None
        return fit_to(image, model.image_shape)
    from keras_gan import data

    ds = data.load(FLAGS.dataset, split=FLAGS.split, batch_size=FLAGS.index + 1, shuffle=False)
    images = next(iter(ds))
    return fit_to(images[FLAGS.index].numpy(), model.image_shape)


def run(command):
    from keras_gan.images import save_grid
    from keras_gan.stylegan import tools

    if command not in COMMANDS:
        raise ToolError(f"Unknown command {command!r}; choose one of {', '.join(COMMANDS)}.")
    if not FLAGS.model or not FLAGS.out:
        raise ToolError("--model and --out are required.")
    model = load_model(FLAGS.model)
    if command == "mix":
        grid = tools.style_mixing_grid(model, _ints("rows", FLAGS.rows),
                                       _ints("columns", FLAGS.columns), FLAGS.crossover,
                                       FLAGS.psi, FLAGS.cutoff, FLAGS.label)
        tools.save_table(FLAGS.out, grid, FLAGS.scale)
        return {"out": FLAGS.out, "shape": list(grid.shape)}
    if command == "truncation":
        try:
            psis = [float(p) for p in FLAGS.psis]
        except ValueError:
            raise ToolError(f"--psis must be comma-separated numbers. Received: {FLAGS.psis}") from None
        strip = tools.truncation_sweep(model, _ints("seeds", FLAGS.seeds), psis, FLAGS.cutoff,
                                       FLAGS.label)
        tools.save_table(FLAGS.out, strip, FLAGS.scale)
        return {"out": FLAGS.out, "shape": list(strip.shape), "psis": psis}
    target = target_image(model)
    result = tools.project(model, target, steps=FLAGS.steps, feature_weight=FLAGS.feature_weight,
                           label=FLAGS.label)
    save_grid(FLAGS.out, np.stack([target, result["image"]]), columns=2, scale=FLAGS.scale)
    return {"out": FLAGS.out, "steps": FLAGS.steps,
            **{k: result[k] for k in ("pixel_mse", "psnr", "feature_distance")}}


def main(argv):
    if len(argv) != 2:
        print(f"usage: python -m keras_gan.stylegan {{{'|'.join(COMMANDS)}}} --model=PATH "
              "--out=PNG [flags]", file=sys.stderr)
        return 2
    try:
        print(json.dumps(run(argv[1])))
    except ValueError as e:  # ToolError, ExportError, DatasetError: one sentence each.
        print(f"Error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    app.run(main)
