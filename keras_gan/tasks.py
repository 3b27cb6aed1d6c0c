"""Paired and unpaired data for the image-to-image models, and their metrics.

`load(task, name)` builds the `tf.data` pipeline a task trains on, from any
image source `keras_gan.data.load` reads (local Fashion-MNIST by default,
image folders, tensorflow-datasets names):

| task | batches | from Fashion-MNIST (offline) | from other data |
|---|---|---|---|
| "pix2pix" | (edges, images) | Sobel edge maps -> clothing | a folder of side-by-side pairs (left: input, right: target, the edges2shoes layout), else Sobel edges of any images |
| "cyclegan" | (domain A, domain B) | sneakers (7) <-> ankle boots (9) | `cycle_gan/<pair>` (trainA/trainB splits), or two classes of any labelled dataset |
| "srgan" | (low-res, high-res) | 14x14 -> 28x28 | any images (e.g. `div2k` with `image_size`), bicubic downsampled |
| "inpainting" | (images, images) | clothing (the model masks it) | any images |

Every pipeline is deterministic given `seed`: the first iterator of a
freshly loaded stream yields the same batches in every process, so
`load(...).skip(step)` resumes a run exactly (as `keras_gan.data.load`).
`evaluate(model)` measures each task's metric next to a baseline on the
test split.
"""

import math

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan import callbacks as callbacks_lib
from keras_gan import data as data_lib
from keras_gan.images import save_grid

__all__ = [
    "TASKS",
    "load",
    "loader_for",
    "preview",
    "evaluate",
    "sobel_edges",
    "downsample",
    "bicubic_upsample",
    "center_mask",
    "random_block_masks",
    "TripletGrid",
]

TASKS = ("pix2pix", "cyclegan", "srgan", "inpainting")
_TEST_SPLITS = {"train": "test"}


def _check_task(task):
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}. Received: task={task!r}")


# === Transforms (batches of float32 images in [-1, 1]) ===


def sobel_edges(images):
    """Edge maps in [-1, 1]: the Sobel gradient magnitude, bright on black."""
    images = (tf.convert_to_tensor(images, tf.float32) + 1.0) / 2.0
    channels = images.shape[-1]
    gray = tf.image.rgb_to_grayscale(images) if channels == 3 else images
    gradients = tf.image.sobel_edges(gray)  # (b, h, w, 1, [dy, dx])
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=-1))
    edges = tf.clip_by_value(magnitude / 2.0, 0.0, 1.0) * 2.0 - 1.0
    # As many channels as the images, so G maps c channels to c channels.
    return tf.tile(edges, [1, 1, 1, channels])


def downsample(images, scale):
    """Bicubic (antialiased) downsampling by `scale`, clipped to [-1, 1]."""
    images = tf.convert_to_tensor(images, tf.float32)
    h, w = images.shape[1] // scale, images.shape[2] // scale
    small = tf.image.resize(images, (h, w), method="bicubic", antialias=True)
    return tf.clip_by_value(small, -1.0, 1.0)


def bicubic_upsample(images, scale):
    """The bicubic baseline of super-resolution, clipped to [-1, 1]."""
    images = tf.convert_to_tensor(images, tf.float32)
    size = (images.shape[1] * scale, images.shape[2] * scale)
    return tf.clip_by_value(tf.image.resize(images, size, method="bicubic"), -1.0, 1.0)


def center_mask(height, width):
    """`(h, w, 1)` float32 mask, 1 on the central block of half the side
    (the Context Encoder's 64x64 hole in 128x128 images)."""
    mask = np.zeros((height, width, 1), "float32")
    mask[height // 4 : height // 4 + height // 2, width // 4 : width // 4 + width // 2] = 1.0
    return ops.convert_to_tensor(mask)


def random_block_masks(batch_size, height, width, num_blocks=3, seed=None):
    """`(batch, h, w, 1)` masks of `num_blocks` random rectangles each, sides
    between a quarter and a half of the image's (1 = missing).

    Args:
        seed: int or keras.random.SeedGenerator, as for `keras.random`.
    """
    shape = (batch_size, num_blocks)
    sizes_h = keras.random.randint(shape, height // 4, height // 2 + 1, seed=seed)
    sizes_w = keras.random.randint(shape, width // 4, width // 2 + 1, seed=seed)
    top = ops.cast(keras.random.uniform(shape, seed=seed) * ops.cast(height - sizes_h + 1,
                                                                      "float32"), "int32")
    left = ops.cast(keras.random.uniform(shape, seed=seed) * ops.cast(width - sizes_w + 1,
                                                                       "float32"), "int32")
    rows = ops.arange(height, dtype="int32")[None, None, :, None]
    cols = ops.arange(width, dtype="int32")[None, None, None, :]
    inside = ((rows >= top[..., None, None]) & (rows < (top + sizes_h)[..., None, None])
              & (cols >= left[..., None, None]) & (cols < (left + sizes_w)[..., None, None]))
    return ops.cast(ops.any(inside, axis=1), "float32")[..., None]


# === Pipelines ===


def _is_cycle_gan_tfds(name):
    return str(name).startswith("cycle_gan/")


def load(task, name="fashion_mnist", split="train", batch_size=64, with_labels=False,
         data_dir=None, image_size=None, shuffle=True, seed=None, drop_remainder=True,
         return_info=False, repeat=False, scale=2, domains=(7, 9), channels=None):
    """Loads the batches of an image-to-image task.

    Takes `keras_gan.data.load`'s arguments (so the trainer can call either)
    plus the task's options.

    Args:
        task: str. "pix2pix", "cyclegan", "srgan" or "inpainting".
        name: str. A dataset name or folder for `keras_gan.data.load`.
        split: str. "train" or "test" ("trainA"/"trainB" are picked for
            `cycle_gan/*` datasets).
        batch_size: int. Examples per batch.
        with_labels: bool. Must be False: tasks yield pairs, not labels.
        scale: int. srgan: downsampling factor. Defaults to 2.
        domains: tuple or str. cyclegan: the class ids of domains A and B
            for labelled datasets. Defaults to `(7, 9)` (sneaker, ankle boot).
        Other arguments: as for `keras_gan.data.load`.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets)` (cyclegan: `(a, b)`)
        float32 batches in [-1, 1], or `(dataset, DatasetInfo)` with
        `return_info`; `info.image_shape` is the targets' shape.

    Example:
    >>> ds = load("srgan", "fashion_mnist", batch_size=4)
    >>> [t.shape.as_list() for t in next(iter(ds))]
    [[4, 14, 14, 1], [4, 28, 28, 1]]
    """
    _check_task(task)
    if with_labels:
        raise ValueError("Image-to-image tasks yield (input, target) pairs, not labels; "
                         "pass with_labels=False.")
    common = dict(data_dir=data_dir, image_size=image_size, channels=channels, seed=seed,
                  drop_remainder=drop_remainder, shuffle=shuffle)
    if task == "cyclegan":
        ds, info = _cyclegan(name, split, batch_size, repeat, domains, common)
    else:
        ds, info = data_lib.load(name, split=split, batch_size=batch_size, repeat=repeat,
                                 return_info=True, **common)
        shape = tuple(info.image_shape)
        if task == "pix2pix" and shape[1] == 2 * shape[0]:
            # Side-by-side pairs: left half input, right half target.
            half = shape[1] // 2
            ds = ds.map(lambda x: (x[:, :, :half], x[:, :, half:]))
            shape = (shape[0], half, shape[2])
        elif task == "pix2pix":
            ds = ds.map(lambda x: (sobel_edges(x), x))
        elif task == "srgan":
            if shape[0] % scale or shape[1] % scale:
                raise ValueError(f"Images of shape {shape} do not divide by scale={scale}; "
                                 "pass an image_size that is a multiple of the scale.")
            ds = ds.map(lambda x: (downsample(x, scale), x))
        else:
            ds = ds.map(lambda x: (x, x))
        info = data_lib.DatasetInfo(info.name, f"{info.source}:{task}", shape, None,
                                    info.num_examples)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    return (ds, info) if return_info else ds


def _cyclegan(name, split, batch_size, repeat, domains, common):

    if _is_cycle_gan_tfds(name):
        suffix = "train" if split == "train" else "test" if split == "test" else split
        sides = [data_lib.load(name, split=f"{suffix}{side}", batch_size=batch_size,
                               repeat=repeat, return_info=True,
                               **{**common, "seed": None if common["seed"] is None
                                  else common["seed"] + i})
                 for i, side in enumerate("AB")]
        (ds_a, info), (ds_b, _) = sides
        return tf.data.Dataset.zip((ds_a, ds_b)), info
    a, b = parse_domains(domains)
    sides = []
    for i, label in enumerate((a, b)):
        seed = None if common["seed"] is None else common["seed"] + i
        ds, info = data_lib.load(name, split=split, batch_size=1024, with_labels=True,
                                 repeat=repeat, return_info=True,
                                 **{**common, "seed": seed, "drop_remainder": False})
        if info.num_classes is None or max(a, b) >= info.num_classes:
            raise ValueError(
                f"domains={a},{b} are not class ids of dataset {name!r} "
                f"({info.num_classes or 'no'} classes); pick two of its classes or a "
                "cycle_gan/<pair> dataset.")
        ds = ds.unbatch().filter(lambda x, y, label=label: tf.equal(y, label))
        ds = ds.map(lambda x, y: x).batch(batch_size, drop_remainder=common["drop_remainder"])
        sides.append((ds, info))
    (ds_a, info), (ds_b, _) = sides
    # An epoch is one pass over domain A: the class's share of the split.
    per_class = (info.num_examples or 0) // (info.num_classes or 1)
    info = data_lib.DatasetInfo(info.name, info.source, info.image_shape, None, per_class)
    return tf.data.Dataset.zip((ds_a, ds_b)), info


def _model_options(model):
    options = {"scale": getattr(model, "scale", 2)}
    if hasattr(model, "domains"):
        options["domains"] = model.domains
    return options


def parse_domains(domains):
    """`"7,9"` or `(7, 9)` -> `(7, 9)`: the class ids of CycleGAN's domains A and B."""
    try:
        parts = domains.split(",") if isinstance(domains, str) else list(domains)
        parsed = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        parsed = ()
    if len(parsed) != 2 or parsed[0] == parsed[1] or min(parsed) < 0:
        raise ValueError(
            "domains must name two different class ids, e.g. '7,9' (sneaker -> "
            f"ankle boot). Received: domains={domains!r}"
        )
    return parsed


def loader_for(task_options, task):
    """A function with `keras_gan.data.load`'s signature that loads `task`
    with `task_options` (`scale`, and `domains` for cyclegan)."""
    options = {"scale": task_options.get("scale", 2)}
    if task == "cyclegan":
        options["domains"] = task_options.get("domains", "7,9")

    def loader(name, **kwargs):
        return load(task, name, **{**kwargs, **options})

    return loader


_PREVIEW_CACHE = {}


def _test_split(model):
    import os

    name = model.dataset
    if os.path.isdir(os.path.expanduser(name)):
        return "train"  # Folders have a single split.
    return "validation" if name.startswith("div2k") else "test"


def held_out(model, count=None, split=None):
    """The first `count` test examples (inputs, targets) of `model`'s task, as numpy."""
    split = split or _test_split(model)
    key = (model.task, model.dataset, tuple(model.image_shape), split,
           tuple(sorted(_model_options(model).items())), count)
    if key not in _PREVIEW_CACHE:
        # Side-by-side pix2pix pairs keep their own size; others are resized
        # like the training data was.
        size = None if model.task == "pix2pix" else tuple(model.image_shape[:2])
        ds = load(model.task, model.dataset, split=split, batch_size=256, shuffle=False,
                  drop_remainder=False, image_size=size, channels=model.image_shape[-1],
                  **_model_options(model))
        inputs, targets, n = [], [], 0
        for x, y in ds:
            inputs.append(x.numpy())
            targets.append(y.numpy())
            n += len(x)
            if count is not None and n >= count:
                break
        _PREVIEW_CACHE.clear()
        _PREVIEW_CACHE[key] = (np.concatenate(inputs)[:count], np.concatenate(targets)[:count])
    return _PREVIEW_CACHE[key]


def preview(model, count, seed=0):
    """`count` held-out (inputs, targets) of `model`'s task, picked by `seed`."""
    inputs, targets = held_out(model, 1024)
    picks = np.random.default_rng(seed).choice(len(inputs), count, replace=count > len(inputs))
    return inputs[picks], targets[picks]


# === Metrics ===


def _psnr_ssim(a, b):
    a01, b01 = (tf.convert_to_tensor(a) + 1.0) / 2.0, (tf.convert_to_tensor(b) + 1.0) / 2.0
    filter_size = min(7, a.shape[1], a.shape[2])
    return (float(tf.reduce_mean(tf.image.psnr(a01, b01, 1.0))),
            float(tf.reduce_mean(tf.image.ssim(a01, b01, 1.0, filter_size=filter_size))))


def _classify(images):
    from keras_gan import features

    extractor = features.load_extractor("fashion_mnist")
    return extractor(images, with_probabilities=True)[1].argmax(axis=1)


def evaluate(model, num=10000):
    """The task metric of `model` on up to `num` held-out examples, next to
    its baseline; returns a dict of floats.

    - pix2pix: `l1`, `psnr`, `ssim` of G(x) vs the target, and the same for
      the mean training-free baseline of the test targets' mean image.
    - srgan: `psnr`, `ssim` vs `bicubic_psnr`, `bicubic_ssim`.
    - inpainting: `masked_l1` (center hole, [-1, 1] units) vs
      `mean_fill_l1` (the hole filled with the mean of the visible pixels).
    - cyclegan (28x28x1 Fashion-MNIST only): `target_accuracy`, the
      fraction of translated A images the shipped classifier calls class B,
      vs `input_accuracy` of the untranslated inputs; and the same for B -> A.
    """
    inputs, targets = held_out(model, num)
    n = len(inputs)
    if model.task == "pix2pix":
        outputs = model.translate(inputs)
        mean = np.broadcast_to(targets.mean(axis=0), targets.shape)
        psnr, ssim = _psnr_ssim(outputs, targets)
        base_psnr, base_ssim = _psnr_ssim(mean, targets)
        return {"num_examples": n, "l1": float(np.abs(outputs - targets).mean()),
                "psnr": psnr, "ssim": ssim,
                "mean_image_l1": float(np.abs(mean - targets).mean()),
                "mean_image_psnr": base_psnr, "mean_image_ssim": base_ssim}
    if model.task == "srgan":
        outputs = model.translate(inputs)
        psnr, ssim = _psnr_ssim(outputs, targets)
        base_psnr, base_ssim = _psnr_ssim(bicubic_upsample(inputs, model.scale), targets)
        return {"num_examples": n, "psnr": psnr, "ssim": ssim,
                "bicubic_psnr": base_psnr, "bicubic_ssim": base_ssim}
    if model.task == "inpainting":
        h, w = model.image_shape[:2]
        hole = ops.convert_to_numpy(center_mask(h, w))
        outputs = model.translate(inputs)
        visible = (inputs * (1 - hole)).sum(axis=(1, 2, 3)) / ((1 - hole).sum() * inputs.shape[-1])
        mean_fill = inputs * (1 - hole) + hole * visible[:, None, None, None]
        area = hole.sum() * inputs.shape[-1] * n
        return {"num_examples": n,
                "masked_l1": float((np.abs(outputs - targets) * hole).sum() / area),
                "mean_fill_l1": float((np.abs(mean_fill - targets) * hole).sum() / area)}
    # cyclegan
    if tuple(model.image_shape) != (28, 28, 1) or _is_cycle_gan_tfds(model.dataset):
        return {}
    a_class, b_class = model.domains
    a_images, b_images = inputs, targets
    to_b, to_a = model.translate(a_images), model.inverse_translate(b_images)
    return {"num_examples": n,
            "target_accuracy": float((_classify(to_b) == b_class).mean()),
            "input_accuracy": float((_classify(a_images) == b_class).mean()),
            "inverse_target_accuracy": float((_classify(to_a) == a_class).mean()),
            "inverse_input_accuracy": float((_classify(b_images) == a_class).mean())}


# === Sample grids ===


class TripletGrid(callbacks_lib.SampleGrid):
    """`SampleGrid` for image-to-image models: one (input, output, target)
    triplet per row segment, two triplets per row."""

    def save(self, epoch):
        import os

        count = max(3, self.num - self.num % 3)
        images = self.model.generate(count, seed=self.seed)
        columns = 6 if count >= 12 else 3
        path = os.path.join(self.directory, f"samples_epoch_{epoch:04d}.png")
        self.last_path = save_grid(path, images, columns=columns, scale=self.scale)
        return self.last_path
