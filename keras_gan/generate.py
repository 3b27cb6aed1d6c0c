r"""Turns any exported or saved generator into pictures.

Works on the three forms a generator ships in: a `.keras` file (or a
train.py run directory), a SavedModel version directory, a `.tflite` file.
The same seed gives the same z in all three, so their pictures agree.

    python -m keras_gan.generate --model=runs/default --out=grid.png --num=64
    python -m keras_gan.generate --model=exports/generator/1 --out=pngs --folder
    python -m keras_gan.generate --model=exports/generator.float32.tflite \
        --out=strip.png --interpolate=10 --seed=1 --seed_b=2
    python -m keras_gan.generate --model=runs/default --out=sum.png \
        --concept=a:3,5,9 --concept=b:12,14 --concept=c:4,8 --arithmetic=a-b+c
    python -m keras_gan.generate --model=runs/pix2pix --input=edges/ --out=shoes.png

Image-to-image models (pix2pix, CycleGAN, SRGAN, Context Encoder) take
their inputs from `--input` (an image file or a folder of them), converted
to the model's input channels and resized to its input size.
"""

import os
import re
import sys

import numpy as np

from keras_gan.sampler import MAX_FOLDER
from keras_gan.sampler import Sampler
from keras_gan.sampler import check_count
from keras_gan.sampler import check_seed

__all__ = ["Sampler", "interpolate", "latent_arithmetic", "save_images", "read_images"]

# A grid beyond 64 x 64 images is not a picture anyone can look at.
MAX_GRID = 4096
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def read_images(path, shape):
    """Reads an image file, or every image file of a folder (sorted), as
    float32 in [-1, 1] of `shape` `(H, W, C)`: converted to C channels and
    resized (bilinear) to H x W. Returns `(images, names)`."""
    from PIL import Image

    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if f.lower().endswith(_IMAGE_EXTENSIONS) and not f.startswith("."))
        if not files:
            raise ValueError(f"--input={path} has no image files; add files ending in "
                             f"{', '.join(_IMAGE_EXTENSIONS)}.")
    elif os.path.isfile(path):
        files = [path]
    else:
        raise ValueError(f"--input={path} does not exist; pass an image file or a folder of them.")
    height, width, channels = shape
    images = []
    for file in files:
        try:
            with Image.open(file) as image:
                image = image.convert("L" if channels == 1 else "RGB")
                if image.size != (width, height):
                    image = image.resize((width, height), Image.BILINEAR)
                array = np.asarray(image, "float32")
        except Exception as e:  # PIL raises many types for bad files.
            raise ValueError(f"--input image {file} could not be read ({type(e).__name__}); "
                             "pass PNG, JPEG, BMP or GIF files.") from e
        images.append(array.reshape(height, width, channels) / 127.5 - 1.0)
    return np.stack(images), [os.path.splitext(os.path.basename(f))[0] for f in files]


def _slerp(a, b, t):
    cos = np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def interpolate(z_a, z_b, steps, spherical=True):
    """`steps` latent vectors from `z_a` to `z_b` (both included).

    Spherical interpolation keeps the vectors at the norm typical of a
    Gaussian z; a straight line passes through low-norm points the generator
    never saw (White, "Sampling Generative Networks", 2016).
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2. Received: steps={steps}")
    ts = np.linspace(0.0, 1.0, steps)
    mix = _slerp if spherical else (lambda a, b, t: (1 - t) * a + t * b)
    return np.stack([mix(z_a, z_b, t) for t in ts]).astype("float32")


def latent_arithmetic(concepts, expression):
    """Evaluates e.g. "a-b+c" over concept vectors, each the mean of its z's.

    Radford et al. (DCGAN, sec. 6.3) average three z per concept before
    adding and subtracting, which makes the result far more stable than
    single vectors.

    Args:
        concepts: dict. Name -> array `(k, latent_dim)` of z's showing it.
        expression: str. Names joined by + and -, e.g. "smiling_woman -
            neutral_woman + neutral_man".

    Returns:
        `(means, result)`: the mean z of each concept in the expression's
        order, shape `(n, latent_dim)`, and the resulting z, `(latent_dim,)`.
    """
    terms = re.findall(r"([+-]?)\s*([A-Za-z_]\w*)", expression.replace(" ", ""))
    if not terms or "".join(s + n for s, n in terms) != expression.replace(" ", "").lstrip("+"):
        raise ValueError(
            "expression must be concept names joined by + and -, e.g. a-b+c. "
            f"Received: expression={expression!r}"
        )
    means, result = [], 0.0
    for sign, name in terms:
        if name not in concepts:
            raise ValueError(
                f"Concept {name!r} of the expression is not defined; define it "
                f"with --concept={name}:SEED,SEED,... Known: {sorted(concepts)}"
            )
        mean = np.mean(np.asarray(concepts[name], "float32"), axis=0)
        means.append(mean)
        result = result - mean if sign == "-" else result + mean
    return np.stack(means), np.asarray(result, "float32")


def save_images(images, out, folder=False, columns=None, scale=2, names=None):
    """Writes a PNG grid to `out`, or with `folder=True` one PNG per image
    into the directory `out` (named `names[i].png`, else `00000.png`, ...);
    returns the paths written."""
    import keras

    from keras_gan.images import save_grid, to_uint8

    if not folder:
        if len(images) > MAX_GRID:
            raise ValueError(f"A grid of {len(images)} images is too large to look at; "
                             f"write at most {MAX_GRID}, or pass --folder.")
        return [save_grid(out, images, columns=columns, scale=scale)]
    os.makedirs(out, exist_ok=True)
    paths = []
    for i, image in enumerate(to_uint8(images)):
        path = os.path.join(out, f"{names[i] if names else f'{i:05d}'}.png")
        keras.utils.save_img(path, image, scale=False)
        paths.append(path)
    return paths


def _parse_concepts(values):
    concepts = {}
    for value in values or []:
        name, _, seeds = value.partition(":")
        try:
            concepts[name] = [int(s) for s in seeds.split(",") if s]
        except ValueError:
            concepts[name] = []
        if not name or not concepts[name]:
            raise ValueError(
                "--concept must look like NAME:SEED,SEED,... (e.g. a:3,5,9). "
                f"Received: {value!r}"
            )
    return concepts


def main(argv):
    from absl import flags
    from absl import logging

    from keras_gan.export import ExportError

    logging.set_verbosity(logging.WARNING)
    FLAGS = flags.FLAGS
    if len(argv) > 1:
        print(f"generate: error: unexpected arguments {argv[1:]}", file=sys.stderr)
        return 2
    try:
        check_seed("--seed", FLAGS.seed)
        check_seed("--seed_b", FLAGS.seed_b)
        check_count("--num", FLAGS.num, MAX_FOLDER)
        if FLAGS.num > MAX_GRID and not FLAGS.folder:
            raise ValueError(f"--num={FLAGS.num} images do not fit one grid (at most {MAX_GRID}); "
                             f"pass --folder to write up to {MAX_FOLDER} files.")
        if FLAGS.interpolate:
            check_count("--interpolate", FLAGS.interpolate, MAX_GRID)
        parent = os.path.dirname(os.path.abspath(FLAGS.out))
        while not os.path.exists(parent):
            parent = os.path.dirname(parent)
        if not os.path.isdir(parent):
            raise ValueError(f"--out={FLAGS.out} lies under {parent}, which is a file; pick "
                             "another --out.")
        if os.path.isfile(FLAGS.out) and FLAGS.folder:
            raise ValueError(f"--out={FLAGS.out} is a file; --folder writes into a directory.")
        if os.path.isdir(FLAGS.out) and not FLAGS.folder:
            raise ValueError(f"--out={FLAGS.out} is a directory; name a .png file, or pass --folder.")
        if FLAGS.text:
            # Text-to-image models: images for captions, one row a caption.
            from keras_gan.text2image.generate import write_text_png

            num = FLAGS.num if FLAGS["num"].present else 1
            out = write_text_png(FLAGS.model, FLAGS.text, FLAGS.out, num=num, seed=FLAGS.seed)
            print(f"Wrote {num * len(FLAGS.text)} images for {len(FLAGS.text)} caption(s) to {out}")
            return 0
        sampler = Sampler(FLAGS.model)
        labels = [int(x) for x in FLAGS.labels] if FLAGS.labels else None
        columns = None
        names = None
        if sampler.kind == "image" or FLAGS.input:
            if sampler.kind != "image":
                raise ValueError(f"{sampler.needs()}; --input is for image-to-image models.")
            if not FLAGS.input:
                raise ValueError(f"{sampler.needs()}.")
            if FLAGS.arithmetic or FLAGS.interpolate or labels:
                raise ValueError(f"{sampler.needs()}; --arithmetic, --interpolate and --labels "
                                 "are for noise generators.")
            inputs, names = read_images(FLAGS.input, sampler.input_shape)
            images = sampler.translate(inputs)
        elif FLAGS.arithmetic:
            concepts = _parse_concepts(FLAGS.concept)
            z = {name: np.concatenate([sampler.latent(s, 1) for s in seeds])
                 for name, seeds in concepts.items()}
            means, result = latent_arithmetic(z, FLAGS.arithmetic)
            names = re.findall(r"[A-Za-z_]\w*", FLAGS.arithmetic)
            # One row per concept (its samples, then their mean); last row: the result.
            rows = [sampler.sample(np.concatenate([z[n], m[None]]), labels)
                    for n, m in zip(names, means)]
            rows.append(sampler.sample(result[None], labels))
            columns = max(len(r) for r in rows)
            blank = -np.ones_like(rows[0][:1])
            images = np.concatenate(
                [np.concatenate([r] + [blank] * (columns - len(r))) for r in rows])
        elif FLAGS.interpolate:
            z_a = sampler.latent(FLAGS.seed, 1)[0]
            z_b = sampler.latent(FLAGS.seed_b, 1)[0]
            latent = interpolate(z_a, z_b, FLAGS.interpolate)
            images = sampler.sample(latent, labels)
            columns = FLAGS.interpolate
        else:
            images = sampler.sample(sampler.latent(FLAGS.seed, FLAGS.num), labels)
        paths = save_images(images, FLAGS.out, folder=FLAGS.folder, columns=columns,
                            names=names)
    except (ExportError, ValueError) as e:
        print(f"generate: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # Writing --out: a file in the path, no space, no permission.
        print(f"generate: error: cannot write {e.filename or FLAGS.out} ({e.strerror or e}); "
              "pick another --out.", file=sys.stderr)
        return 2
    where = FLAGS.out if FLAGS.folder else paths[0]
    print(f"Wrote {len(images)} images from the {sampler.form} generator to {where}")
    return 0


def _define_flags():
    from absl import flags

    flags.DEFINE_string("model", None, "A .keras file, run directory, SavedModel directory or .tflite file.", required=True)
    flags.DEFINE_string("out", "generated.png", "Output PNG (grid) or directory (--folder).")
    flags.DEFINE_integer("num", 64, "Number of images.")
    flags.DEFINE_integer("seed", 0, "Seed of z (the same z in every form).")
    flags.DEFINE_list("labels", None, "Class ids for conditional generators, repeated to --num.")
    flags.DEFINE_bool("folder", False, "Write one PNG per image into --out.")
    flags.DEFINE_integer("interpolate", 0, "Write an interpolation strip of this many steps from --seed to --seed_b.")
    flags.DEFINE_integer("seed_b", 1, "End seed of --interpolate.")
    flags.DEFINE_multi_string("concept", None, "NAME:SEED,SEED,... z's whose mean stands for a concept.")
    flags.DEFINE_string("arithmetic", None, "Expression over concepts, e.g. a-b+c.")
    flags.DEFINE_multi_string("text", None, "Text-to-image models: a caption (repeat the flag "
                              "for more), e.g. --text \"a large blue bag in the center\".")
    flags.DEFINE_string("input", None, "Image-to-image models: an image file or a folder of "
                        "them, converted and resized to the model's input.")


if __name__ == "__main__":
    # TensorFlow was imported, quietly, by keras_gan/__init__.py (KERAS_GAN_TF_LOGS=1 keeps its
    # start-up notices).
    from absl import app

    _define_flags()
    app.run(main)
