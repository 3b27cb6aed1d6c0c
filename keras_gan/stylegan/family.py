"""The StyleGAN family on the trainer's protocol (`keras_gan.family`).

Data: any `keras_gan.data` source; images smaller than 32 pixels or not a
power of two are padded (with black, -1) to the next power of two of at
least 32, so Fashion-MNIST's 28x28 becomes 32x32 with a 2-pixel border.
Evaluation scores the central crop with the project's Fashion-MNIST feature
network when the data is 28x28 grayscale, as for the other image GANs.
"""

import dataclasses
import os

import tensorflow as tf

from keras_gan import callbacks as callbacks_lib
from keras_gan import data as data_lib
from keras_gan.family import Family
from keras_gan.family import Option
from keras_gan.stylegan.model import StyleGAN

__all__ = ["StyleGANFamily", "padded_side", "cropping_extractor"]


@dataclasses.dataclass(frozen=True)
class StyleGANDataInfo:
    """The dataset as StyleGAN sees it.

    Attributes:
        name: str. Dataset name or folder.
        image_shape: tuple. The (padded) shape the model makes.
        source_shape: tuple. The dataset's own image shape.
        num_classes: int or None. Label count (conditional runs).
        num_examples: int or None. Examples in the split.
    """

    name: str
    image_shape: tuple
    source_shape: tuple
    num_classes: int | None
    num_examples: int | None

    @property
    def padding(self):
        return (self.image_shape[0] - self.source_shape[0]) // 2


def padded_side(side):
    """The side StyleGAN trains at: the next power of two, at least 32."""
    target = 32
    while target < side:
        target *= 2
    return target


def cropping_extractor(extractor, padding):
    """`extractor` (a FeatureExtractor) seeing the central crop of padded
    images: same network and fingerprint, so the reference statistics of
    the unpadded data apply."""
    from keras_gan.features import FeatureExtractor

    if not padding:
        return extractor

    def crop(batch):
        return batch[:, padding:-padding, padding:-padding]

    return FeatureExtractor(extractor.model, extractor.name, extractor.image_shape,
                            preprocess=crop, batch_size=extractor.batch_size)


class StyleGANFamily(Family):
    """StyleGAN2 on any image dataset (Fashion-MNIST by default)."""

    name = "stylegan"
    models = {"stylegan": StyleGAN}
    default_dataset = "fashion_mnist"
    options = (
        Option("width", 32, "Channels at the output resolution (doubled per halving).",
               architecture=True),
        Option("max_width", 128, "Channel cap of G and D.", architecture=True),
        Option("w_dim", 128, "Size of w.", architecture=True),
        Option("mapping_layers", 4, "Dense layers of the mapping network.", architecture=True),
        Option("conditional", False, "Class-conditional StyleGAN (needs labels).",
               architecture=True),
        Option("style_mixing", 0.9, "Probability of style mixing per batch."),
        Option("r1_weight", None, "gamma of the lazy R1 penalty (model default 0.01).",
               type=float),
        Option("r1_interval", 16, "D steps between R1 penalties.", architecture=True),
        Option("pl_weight", 0.0, "Weight of path-length regularisation (0: off; paper 2).",
               architecture=True),
        Option("ema_kimg", 10.0, "Half-life of the EMA generator, thousands of images."),
    )

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        config = ctx.config
        conditional = bool(ctx.options.get("conditional"))
        size = getattr(config, "image_size", 0) or None
        ds, info = data_lib.load(config.dataset, split=split, batch_size=batch_size,
                                 with_labels=conditional, data_dir=config.data_dir,
                                 image_size=size, seed=seed, repeat=repeat, return_info=True)
        height, width, channels = info.image_shape
        if height != width:
            raise ValueError(
                f"StyleGAN makes square images but {config.dataset!r} has {height}x{width}; "
                "pass --image_size=32 (or 64, 128) to resize it.")
        side = padded_side(height)
        if side != height and height >= 32:
            raise ValueError(
                f"StyleGAN needs a power-of-two side; {config.dataset!r} has {height}. "
                "Pass --image_size=32, 64 or 128 to resize it.")
        if conditional and not info.num_classes:
            raise ValueError(
                f"--conditional needs class labels, but {config.dataset!r} has none; use a "
                "labelled dataset or a folder with one subfolder per class.")
        before = (side - height) // 2
        after = side - height - before
        if before or after:
            pads = [[0, 0], [before, after], [before, after], [0, 0]]

            def pad(images):
                return tf.pad(images, pads, constant_values=-1.0)

            ds = ds.map(lambda x, y: (pad(x), y)) if conditional else ds.map(pad)
        return ds, StyleGANDataInfo(info.name, (side, side, channels), tuple(info.image_shape),
                                    info.num_classes if conditional else None,
                                    info.num_examples)

    def build(self, ctx, model_cls, info):
        config = ctx.config
        kwargs = {k: v for k, v in ctx.options.items() if v is not None and k != "conditional"}
        model = model_cls(image_shape=info.image_shape,
                          latent_dim=getattr(config, "latent_dim", 128) or 128,
                          seed=config.seed, num_classes=info.num_classes, **kwargs)
        model.compile(jit_compile=getattr(config, "jit_compile", False),
                      steps_per_execution=getattr(config, "steps_per_execution", 1))
        return model

    # === Evaluation ===
    def _extractor(self, ctx, info):
        """The feature network (cropping the padding), or None."""
        from keras_gan import features

        name = getattr(ctx.config, "extractor", "auto")
        if name == "none" or (name == "auto" and tuple(info.source_shape) != (28, 28, 1)):
            return None
        base = features.load_extractor("fashion_mnist" if name == "auto" else name)
        return base, cropping_extractor(base, info.padding)

    def _reference(self, ctx, base):
        from keras_gan import evaluation

        config = ctx.config
        return evaluation.reference_statistics(config.dataset, split=config.split,
                                               extractor=base, data_dir=config.data_dir)

    def callbacks(self, ctx, model, info):
        config = ctx.config
        found = self._extractor(ctx, info)
        result = [callbacks_lib.SampleGrid(os.path.join(ctx.out_dir, "samples"),
                                           every=config.samples_every, num=config.num_samples,
                                           seed=config.seed)]
        if config.health:
            real, _ = self.load_data(ctx, split=config.split, seed=0, repeat=False,
                                     batch_size=256)
            real = next(iter(real))
            real = (real[0] if isinstance(real, (tuple, list)) else real).numpy()
            result.append(callbacks_lib.TrainingHealth(
                real_images=real, extractor=found[1] if found else None, on_nan=config.on_nan))
        if found and config.eval_every > 0:
            result.append(callbacks_lib.Evaluation(
                self._reference(ctx, found[0]), found[1], every=config.eval_every,
                num_samples=config.eval_samples, seed=config.seed))
        return result

    def evaluate(self, ctx, model, info):
        from keras_gan import evaluation

        found = self._extractor(ctx, info)
        if found is None or ctx.config.final_eval_samples <= 0:
            return None
        base, cropping = found
        reference = self._reference(ctx, base)
        scores = evaluation.evaluate(model, reference, cropping, ctx.config.final_eval_samples,
                                     seed=ctx.config.seed)
        return {"num_samples": ctx.config.final_eval_samples, "extractor": reference.extractor,
                "reference": reference.source, "truncation_psi": 1.0, **scores}

    def export(self, model, export_dir):
        from keras_gan.stylegan import export as export_lib

        info = export_lib.export(model, export_dir, overwrite=True)
        return {"files": info["files"], "parity": export_lib.check_parity(model, info["files"])}
