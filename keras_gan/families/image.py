"""The classic family: unconditional and class-conditional image GANs (and the
VAE baseline), trained on image datasets, previewed as sample grids, scored by
FID/KID/precision/recall and the class report, exported as z -> image."""

import os

from keras_gan import callbacks as callbacks_lib
from keras_gan import data as data_lib
from keras_gan import models
from keras_gan.families import common
from keras_gan.families import image_options
from keras_gan.family import Family
from keras_gan.family import RunError

__all__ = ["ImageFamily"]


def extractor_for(config, info):
    """The feature network for evaluation and health checks, or None."""
    from keras_gan import features

    name = config.extractor
    if name == "none":
        return None
    if name == "auto":
        # The shipped network knows 28x28 grayscale images; color data needs
        # InceptionV3 weights, which are not always at hand offline.
        if tuple(info.image_shape) != (28, 28, 1):
            return None
        name = "fashion_mnist"
    return features.load_extractor(name)


class ImageFamily(Family):
    name = "image"
    bfloat16 = True
    models = {
        "gan": models.GAN,
        "dcgan": models.DCGAN,
        "cgan": models.ConditionalGAN,
        "wgan": models.WGAN,
        "wgan_gp": models.WGANGP,
        "lsgan": models.LSGAN,
        "sngan": models.SNGAN,
        "acgan": models.ACGAN,
        "infogan": models.InfoGAN,
        "unrolled": models.UnrolledGAN,
        "vae": models.VAE,
    }
    options = image_options.OPTIONS
    recipes = image_options.RECIPES
    default_dataset = "fashion_mnist"

    def _cls(self, ctx):
        return self.models[ctx.config.model]

    def options_for(self, model_cls):
        return common.options_for(self.options, model_cls)

    def examples_per_step(self, ctx):
        # The Wasserstein models make n_critic critic updates per step, each
        # on --batch_size real images of the step's batch.
        return ctx.config.batch_size * common.critic_steps(ctx.options, self._cls(ctx))

    def _load_kwargs(self, ctx):
        config = ctx.config
        return dict(split=config.split, with_labels=self._cls(ctx).needs_labels,
                    data_dir=config.data_dir, image_size=config.image_size or None)

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        kwargs = {**self._load_kwargs(ctx), "split": split}
        return data_lib.load(self.dataset(ctx), batch_size=batch_size, seed=seed,
                             repeat=repeat, return_info=True, **kwargs)

    def build(self, ctx, model_cls, info):
        config = ctx.config
        kwargs = {"image_shape": info.image_shape, "latent_dim": config.latent_dim,
                  "seed": config.seed}
        if model_cls.needs_labels:
            if not info.num_classes:
                raise RunError(
                    f"--model={config.model} needs class labels, but dataset "
                    f"{self.dataset(ctx)!r} has none; use a labelled dataset or a "
                    "folder with one subfolder per class."
                )
            kwargs["num_classes"] = info.num_classes
        return common.build_model(config, ctx.options, model_cls, kwargs)

    def resumed(self, ctx, model):
        return common.reapply_learning_rates(ctx.config, model)

    def callbacks(self, ctx, model, info):
        config = ctx.config
        extractor = extractor_for(config, info)
        ctx.state["extractor"] = extractor
        out = []
        if config.health:
            real = next(iter(data_lib.load(
                self.dataset(ctx), shuffle=False, drop_remainder=False, batch_size=256,
                **self._load_kwargs(ctx))))
            real = (real[0] if isinstance(real, (tuple, list)) else real).numpy()
            out.append(callbacks_lib.TrainingHealth(
                real_images=real, extractor=extractor, on_nan=config.on_nan,
                sample=_trained_network_samples(model)))
        reference = None
        if extractor is not None and (config.eval_every > 0 or config.final_eval_samples > 0):
            from keras_gan import evaluation

            reference = evaluation.reference_statistics(
                self.dataset(ctx), split=config.split, extractor=extractor,
                data_dir=config.data_dir)
            if config.eval_every > 0:
                out.append(callbacks_lib.Evaluation(
                    reference, extractor, every=config.eval_every,
                    num_samples=config.eval_samples, seed=config.seed))
        ctx.state["reference"] = reference
        samples_dir = os.path.join(ctx.out_dir, "samples")
        grid = callbacks_lib.SampleGrid(samples_dir, every=config.samples_every,
                                        num=config.num_samples, seed=config.seed)
        ctx.state["grid"] = grid
        out.append(grid)
        if "code_sweep" in self._cls(ctx).previews:
            out.append(callbacks_lib.CodeSweep(samples_dir, every=config.samples_every,
                                               seed=config.seed))
        return out

    def evaluate(self, ctx, model, info):
        reference = ctx.state.get("reference")
        config = ctx.config
        if reference is None or config.final_eval_samples <= 0:
            return None
        from keras_gan import evaluation

        scores = evaluation.evaluate(model, reference, ctx.state["extractor"],
                                     config.final_eval_samples, seed=config.seed)
        return {"num_samples": config.final_eval_samples, "extractor": reference.extractor,
                "reference": reference.source, "reference_images": reference.num_images,
                **scores}

    def export(self, model, export_dir):
        from keras_gan import export as export_lib

        info = export_lib.export(model, export_dir, version=1, overwrite=True)
        return {"files": info["files"], "parity": export_lib.check_parity(model, info["files"])}


def _trained_network_samples(model):
    # Collapse is a property of the network being trained. With --ema the
    # averaged copy (Keras's use_ema has no warm-up) still holds 0.999^937 =
    # 39 % of the random init after the first Fashion-MNIST epoch, and looks
    # collapsed when G is not.
    return lambda num, seed: model.generate_from(model.latent_for(num, seed),
                                                 generator=model.generator)
