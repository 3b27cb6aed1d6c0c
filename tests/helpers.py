"""What the trainer tests share (train_test.py, family_test.py): a fast
train.py command line, a small config, and a folder of images."""

import os

import numpy as np
from PIL import Image

from keras_gan import trainer

__all__ = ["FAST", "_config", "_image_folder"]

FAST = ["--batch_size=16", "--width=8", "--latent_dim=8", "--steps_per_epoch=3",
        "--num_samples=16", "--verbose=0", "--eval_samples=200", "--final_eval_samples=300"]


def _config(tmp_path, **kwargs):
    values = dict(out_dir=str(tmp_path / "run"), batch_size=8, width=8, latent_dim=8,
                  steps_per_epoch=2, epochs=1, num_samples=4, verbose=0, export=False)
    values.update(kwargs)
    if values.get("model") == "gan":  # The MLP GAN has no width (the trainer refuses one).
        values.pop("width")
    return trainer.make_config(**values)


def _image_folder(root, classes=("a", "b"), size=16, per_class=8):
    rng = np.random.default_rng(0)
    for name in classes:
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(os.path.join(root, name, f"{i}.png"))
    return str(root)
