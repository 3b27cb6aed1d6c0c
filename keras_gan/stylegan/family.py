"""The StyleGAN family on the trainer's protocol (`keras_gan.family`).

Data: any `keras_gan.data` source; images smaller than 32 pixels or not a
power of two are padded (with black, -1) to the next power of two of at
least 32, so Fashion-MNIST's 28x28 becomes 32x32 with a 2-pixel border.
Evaluation scores the central crop with the project's Fashion-MNIST feature
network when the data is 28x28 grayscale, as for the other image GANs.
"""

import os

from keras_gan import callbacks as callbacks_lib
from keras_gan.families import stylegan_options
from keras_gan.family import Family
from keras_gan.stylegan import data as style_data
from keras_gan.stylegan.model import StyleGAN

__all__ = ["StyleGANFamily"]


class StyleGANFamily(Family):
    """StyleGAN2 on any image dataset (Fashion-MNIST by default)."""

    name = "stylegan"
    models = {"stylegan": StyleGAN}
    default_dataset = "fashion_mnist"
    options = stylegan_options.OPTIONS

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        config = ctx.config
        return style_data.load(self.dataset(ctx), split=split, batch_size=batch_size,
                               with_labels=bool(ctx.options.get("conditional")),
                               data_dir=config.data_dir,
                               image_size=getattr(config, "image_size", 0) or None,
                               seed=seed, repeat=repeat)

    def build(self, ctx, model_cls, info):
        config = ctx.config
        # None (and an empty --augment) leave the model's own default.
        kwargs = {k: v for k, v in ctx.options.items()
                  if v is not None and v != "" and k != "conditional"}
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
        return base, style_data.cropping_extractor(base, info.padding)

    def _reference(self, ctx, base):
        from keras_gan import evaluation

        config = ctx.config
        return evaluation.reference_statistics(self.dataset(ctx), split=config.split,
                                               extractor=base, data_dir=config.data_dir)

    def callbacks(self, ctx, model, info):
        config = ctx.config
        found = self._extractor(ctx, info)
        grid = callbacks_lib.SampleGrid(os.path.join(ctx.out_dir, "samples"),
                                        every=config.samples_every, num=config.num_samples,
                                        seed=config.seed)
        ctx.state["grid"] = grid
        result = [grid]
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
        found = self._extractor(ctx, info)
        if found is None or ctx.config.final_eval_samples <= 0:
            return None
        reference = self._reference(ctx, found[0])
        scores = style_data.evaluate(model, reference, found[0], info.padding,
                                     ctx.config.final_eval_samples, seed=ctx.config.seed)
        return {"num_samples": ctx.config.final_eval_samples, "extractor": reference.extractor,
                "reference": reference.source, "truncation_psi": 1.0, **scores}

    def export(self, model, export_dir):
        from keras_gan.stylegan import export as export_lib

        info = export_lib.export(model, export_dir, overwrite=True)
        return {"files": info["files"], "parity": export_lib.check_parity(model, info["files"])}
