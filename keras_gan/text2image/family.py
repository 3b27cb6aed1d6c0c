"""The text-to-image family on the family protocol (`keras_gan.family`)."""

import os

import keras

from keras_gan import family as family_lib
from keras_gan.families import text2image_options
from keras_gan.text2image import data as data_lib
from keras_gan.text2image import evaluation as eval_lib
from keras_gan.text2image import export as export_lib
from keras_gan.text2image import text_encoder as text_lib
from keras_gan.text2image.samples import CaptionGrid
from keras_gan.text2image.stack_gan import StackGAN
from keras_gan.text2image.text_to_image_gan import DEFAULT_CAPTIONS
from keras_gan.text2image.text_to_image_gan import TextToImageGAN

__all__ = ["TextToImageFamily", "SAMPLE_CAPTIONS"]

# The sample grid: the default captions, then held-out pairs.
SAMPLE_CAPTIONS = DEFAULT_CAPTIONS + (
    "a large green bag in the center",
    "a small red sneaker in the top left",
    "a large blue trousers in the bottom right",
    "a large yellow dress in the center",
)


class TextToImageFamily(family_lib.Family):
    """GAN-INT-CLS (`--model=text2image`) and StackGAN (`--model=stackgan`)
    on captioned images.

    Data: `--dataset=captioned_fashion_mnist` (synthetic, see
    `text2image.data`) or a folder of images with `captions.txt`. Before the
    GAN, `build` trains the DS-SJE text encoder (or loads
    `--text_encoder=PATH`, any `.keras` model mapping strings to vectors)
    and keeps it as `out_dir/joint_embedding.keras`, so a resumed run uses
    the same one.
    """

    name = "text2image"
    models = {"text2image": TextToImageGAN, "stackgan": StackGAN}
    default_dataset = "captioned_fashion_mnist"
    options = text2image_options.OPTIONS

    # === Data ===
    def _load(self, ctx, split, seed, repeat, batch_size, with_factors=False, shuffle=True):
        dataset = ctx.config.dataset
        canvas = ctx.options.get("canvas") or 32
        if dataset in (None, "", self.default_dataset):
            return data_lib.load(split, batch_size, canvas, seed, shuffle=shuffle, repeat=repeat,
                                 with_factors=with_factors, data_dir=ctx.config.data_dir,
                                 return_info=True)
        if os.path.isdir(dataset):
            return data_lib.load_folder(dataset, batch_size, canvas, seed, shuffle=shuffle,
                                        repeat=repeat, with_factors=with_factors,
                                        return_info=True)
        raise ValueError(
            f"The text2image family reads '{self.default_dataset}' or a folder of captioned "
            f"images. Received: dataset={dataset!r}"
        )

    def load_data(self, ctx, *, split, seed, repeat, batch_size):
        return self._load(ctx, split, seed, repeat, batch_size)

    # === Model ===
    def text_encoder(self, ctx):
        """The run's text encoder: `--text_encoder`, the run's saved joint
        embedding, or a freshly trained one (saved for resuming)."""
        if ctx.options.get("text_encoder"):
            path = ctx.options["text_encoder"]
            if not os.path.exists(path):
                raise ValueError(f"text_encoder file {path} does not exist; pass a .keras file.")
            return keras.models.load_model(path), None
        joint = self.joint_embedding(ctx)
        return joint.text_encoder, joint

    def joint_embedding(self, ctx):
        path = os.path.join(ctx.out_dir, "joint_embedding.keras")
        if os.path.exists(path):
            return keras.models.load_model(path)
        canvas = ctx.options.get("canvas") or 32
        ds, info = self._load(ctx, "train", ctx.config.seed, True, 64, with_factors=True)
        tokenizer = None if info.synthetic else text_lib.make_tokenizer(captions=info.captions)
        joint = text_lib.train_joint_embedding(
            ds, ctx.options.get("encoder_steps") or 1500, (canvas, canvas, 3),
            ctx.options.get("embedding_dim") or 128, tokenizer, seed=ctx.config.seed)
        os.makedirs(ctx.out_dir, exist_ok=True)
        joint.save(path)
        return joint

    def build(self, ctx, model_cls, info):
        encoder, _ = self.text_encoder(ctx)
        kwargs = {"text_encoder": encoder, "image_shape": tuple(info.image_shape),
                  "latent_dim": ctx.config.latent_dim, "width": ctx.options.get("width") or 32,
                  "seed": ctx.config.seed}
        for key in ("int_weight", "kl_weight"):
            if ctx.options.get(key) is not None:
                kwargs[key] = ctx.options[key]
        if model_cls is StackGAN:
            kwargs.pop("int_weight", None)
            kwargs["stage"] = ctx.options.get("stage") or 1
        else:
            kwargs.pop("kl_weight", None)
        model = model_cls(**kwargs)
        model.compile(loss=ctx.config.loss or None)
        return model

    # === Callbacks, evaluation, export ===
    def callbacks(self, ctx, model, info):
        from keras_gan.callbacks import TrainingHealth

        grid = CaptionGrid(os.path.join(ctx.out_dir, "samples"), SAMPLE_CAPTIONS,
                           every=getattr(ctx.config, "samples_every", 1))
        ctx.state["grid"] = grid
        callbacks = [grid]
        if getattr(ctx.config, "health", True):
            callbacks.append(TrainingHealth(on_nan=getattr(ctx.config, "on_nan", "rollback")))
        return callbacks

    def evaluate(self, ctx, model, info):
        if not getattr(info, "synthetic", False) or ctx.config.final_eval_samples <= 0:
            return None
        joint_path = os.path.join(ctx.out_dir, "joint_embedding.keras")
        joint = keras.models.load_model(joint_path) if os.path.exists(joint_path) else None
        num = min(ctx.config.final_eval_samples, 2000)
        canvas = ctx.options.get("canvas") or 32
        results = {}
        for split in ("test", "heldout"):
            batch = eval_lib.prompts(split, num, ctx.config.seed, canvas, ctx.config.data_dir)
            results[split] = eval_lib.evaluate_model(model, batch, joint)
        return results

    def export(self, model, export_dir):
        info = export_lib.export(model, export_dir, overwrite=True)
        return {"files": info["files"], "parity": export_lib.check_parity(model, info["files"])}
