"""The image-to-image family: pix2pix, CycleGAN, SRGAN and the context
encoder, trained on (input, target) pairs made by `keras_gan.tasks`, previewed
as (input, output, target) triplets, scored by the task's own metrics,
exported as image -> image."""

import os

from keras_gan import callbacks as callbacks_lib
from keras_gan import models
from keras_gan import tasks as tasks_lib
from keras_gan.families import common
from keras_gan.families import image_to_image_options
from keras_gan.family import Family

__all__ = ["ImageToImageFamily"]


class ImageToImageFamily(Family):
    name = "image_to_image"
    bfloat16 = True
    models = {
        "pix2pix": models.Pix2Pix,
        "cyclegan": models.CycleGAN,
        "srgan": models.SRGAN,
        "inpainting": models.ContextEncoder,
    }
    options = image_to_image_options.OPTIONS
    default_dataset = "fashion_mnist"

    def options_for(self, model_cls):
        return common.options_for(self.options, model_cls)

    def examples_per_step(self, ctx):
        return ctx.config.batch_size

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        config = ctx.config
        cls = self.models[config.model]
        # The pipeline makes the pairs the model's own options ask for.
        task_options = {name: common.option_value(ctx.options, cls, name)
                        for name in ("scale", "domains")}
        task_options = {k: v for k, v in task_options.items() if v is not None}
        return tasks_lib.loader_for(task_options, cls.task)(
            self.dataset(ctx), split=split, batch_size=batch_size, seed=seed, repeat=repeat,
            return_info=True, with_labels=False, data_dir=config.data_dir,
            image_size=config.image_size or None)

    def build(self, ctx, model_cls, info):
        # Image-to-image generators take images, not z.
        return common.build_model(ctx.config, ctx.options, model_cls,
                                  {"image_shape": info.image_shape, "seed": ctx.config.seed})

    def resumed(self, ctx, model):
        return common.reapply_learning_rates(ctx.config, model)

    def callbacks(self, ctx, model, info):
        config = ctx.config
        out = []
        if config.health:
            # No diversity check for translations: the input decides the output.
            out.append(callbacks_lib.TrainingHealth(on_nan=config.on_nan))
        grid = tasks_lib.TripletGrid(os.path.join(ctx.out_dir, "samples"),
                                     every=config.samples_every, num=config.num_samples,
                                     seed=config.seed)
        ctx.state["grid"] = grid
        return out + [grid]

    def evaluate(self, ctx, model, info):
        if ctx.config.final_eval_samples <= 0:
            return None
        return {"task": model.task, **tasks_lib.evaluate(model, ctx.config.final_eval_samples)}

    def export(self, model, export_dir):
        from keras_gan.export import image_to_image as image_export

        info = image_export.export(model, export_dir, version=1, overwrite=True)
        return {"files": info["files"], "parity": image_export.check_parity(model, info["files"])}
