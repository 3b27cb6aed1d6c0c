"""What people use StyleGAN for: a style-mixing grid, a truncation sweep and
a projector that finds the w (and noise maps) of a real image.

    images = style_mixing_grid(gan, row_seeds=[1, 2, 3], column_seeds=[4, 5, 6])
    strip = truncation_sweep(gan, seeds=[0, 1], psis=(1.0, 0.7, 0.5, 0.0))
    result = project(gan, target_image)   # result["w"], result["pixel_mse"], ...

Each also runs as `python -m keras_gan.stylegan mix|truncation|project`.
"""

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.images import save_grid

__all__ = [
    "latents",
    "style_mixing_grid",
    "truncation_sweep",
    "project",
    "save_table",
    "noise_layers",
]


def latents(model, seeds):
    """z of each seed, as `model.generate(1, seed=s)` draws it: `(len(seeds), latent_dim)`."""
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed. Received: seeds=[]")
    return ops.concatenate([model.latent_for(1, seed=s) for s in seeds], axis=0)


def _labels(model, label, num):
    if model.num_classes is None:
        if label is not None:
            raise ValueError("The model is unconditional; pass label=None.")
        return None
    label = 0 if label is None else label
    return ops.convert_to_tensor(model.check_labels(np.full((num,), label), num))


def style_mixing_grid(model, row_seeds, column_seeds, crossover=None, truncation_psi=1.0,
                      truncation_cutoff=None, label=None):
    """The style-mixing figure of the StyleGAN paper (fig. 3).

    Cell `(r, c)` takes the coarse styles (layers `[0, crossover)`: pose,
    silhouette) from `row_seeds[r]` and the fine ones (the rest: texture,
    shading) from `column_seeds[c]`. Row 0 shows the column seeds' own
    images, column 0 the row seeds' own images; cell `(0, 0)` is blank.

    Args:
        model: a trained `StyleGAN`.
        row_seeds: list of int. Seeds of the coarse styles.
        column_seeds: list of int. Seeds of the fine styles.
        crossover: int or None. First layer taken from the column seed;
            defaults to half the style vectors (the 4x4 and 8x8 layers at
            32x32).
        truncation_psi: float. Truncation of every w. Defaults to 1.
        truncation_cutoff: int or None. Layers truncated. Defaults to all.
        label: int or None. Class of every image (conditional models).

    Returns:
        float32 array `(rows + 1, columns + 1, H, W, C)` in [-1, 1].

    Example:
    >>> # grid = style_mixing_grid(gan, [1, 2], [3, 4, 5])   # (3, 4, 32, 32, 1)
    """
    crossover = model.num_ws // 2 if crossover is None else crossover
    rows, columns = latents(model, row_seeds), latents(model, column_seeds)
    n_rows, n_cols = int(rows.shape[0]), int(columns.shape[0])
    row_labels, col_labels = _labels(model, label, n_rows), _labels(model, label, n_cols)
    kwargs = {"truncation_psi": truncation_psi, "truncation_cutoff": truncation_cutoff}
    row_images = model.generate_from(rows, None if row_labels is None else np.asarray(row_labels), **kwargs)
    col_images = model.generate_from(columns, None if col_labels is None else np.asarray(col_labels), **kwargs)
    # Every (row, column) pair: the row's z repeated along the columns.
    z_coarse = ops.repeat(rows, n_cols, axis=0)
    z_fine = ops.tile(columns, (n_rows, 1))
    labels = _labels(model, label, n_rows * n_cols)
    ws = model.mix_styles(z_coarse, z_fine, crossover, labels, **kwargs)
    mixed = ops.convert_to_numpy(model.synthesize(ws)).reshape(n_rows, n_cols, *model.image_shape)
    grid = np.full((n_rows + 1, n_cols + 1, *model.image_shape), -1.0, "float32")
    grid[0, 1:] = col_images
    grid[1:, 0] = row_images
    grid[1:, 1:] = mixed
    return grid


def truncation_sweep(model, seeds, psis=(1.0, 0.7, 0.5, 0.0), truncation_cutoff=None, label=None):
    """Each seed's image at each truncation psi: a strip per seed.

    psi = 1 is the untruncated sample, psi = 0 the image of the average w
    (the same for every seed); values in between trade variety for
    typicality.

    Returns:
        float32 array `(len(seeds), len(psis), H, W, C)` in [-1, 1].

    Example:
    >>> # truncation_sweep(gan, [0, 1, 2], psis=(1, 0.5, 0)).shape  # (3, 3, 32, 32, 1)
    """
    z = latents(model, seeds)
    labels = _labels(model, label, int(z.shape[0]))
    labels = None if labels is None else np.asarray(labels)
    psis = [float(p) for p in psis]
    if not psis:
        raise ValueError("psis must hold at least one value. Received: psis=()")
    strips = [model.generate_from(z, labels, truncation_psi=p, truncation_cutoff=truncation_cutoff)
              for p in psis]
    return np.stack(strips, axis=1)


def save_table(path, table, scale=2):
    """Saves a `(rows, columns, H, W, C)` table of images as one PNG grid."""
    rows, columns = table.shape[:2]
    return save_grid(path, table.reshape(rows * columns, *table.shape[2:]), columns=columns,
                     scale=scale)


def noise_layers(generator):
    """The modulated convolutions of `generator` that add noise, in order."""
    from keras_gan.stylegan.layers import ModulatedConv2D

    return [layer for layer in generator.synthesis.layers
            if isinstance(layer, ModulatedConv2D) and layer.noise]


def _feature_view(images, shape):
    """Images as the feature network takes them: the padded 32x32 crop of a
    28x28 dataset, else a resize (and grayscale mean when needed)."""
    images = ops.convert_to_tensor(images)
    height, width, channels = shape
    if images.shape[1] == height + 4 and images.shape[2] == width + 4:
        images = images[:, 2:-2, 2:-2]
    elif tuple(images.shape[1:3]) != (height, width):
        images = ops.image.resize(images, (height, width), interpolation="bilinear")
    if images.shape[-1] != channels:
        images = ops.mean(images, axis=-1, keepdims=True)
        if channels != 1:
            images = ops.repeat(images, channels, axis=-1)
    return images


def _noise_regularisation(noise_maps):
    """NVlabs' projector regulariser: squared autocorrelation of each noise
    map at one-pixel shifts, over a pyramid down to 8x8, so the optimiser
    cannot hide the image in the noise."""
    total = 0.0
    for noise in noise_maps:
        noise = noise[None] if len(noise.shape) == 3 else noise
        while True:
            total += ops.square(ops.mean(noise * ops.roll(noise, 1, axis=2))) + ops.square(
                ops.mean(noise * ops.roll(noise, 1, axis=1)))
            if noise.shape[1] <= 8:
                break
            noise = ops.average_pool(noise, 2, strides=2)
    return total


def project(model, target, steps=300, learning_rate=0.1, feature_weight=1.0,
            noise_weight=1e5, label=None, extractor="fashion_mnist", seed=0, verbose=False):
    """Finds the w and noise maps whose image matches `target`.

    The projector of StyleGAN2 (Appendix D): a single w (shared by all
    layers) starts at `w_avg` and, with the sampling generator's noise maps,
    is optimised by Adam against the pixel MSE plus `feature_weight` times
    the relative squared distance of the project's feature network
    (`keras_gan.features.load_extractor`, the Fashion-MNIST classifier by
    default) and `noise_weight` times the noise regulariser. Early on, w
    gets Gaussian noise of 5% of the w spread, ramped down to zero by 75%
    of the steps; the learning rate ramps up over the first 5% and down
    (cosine) over the last 25%; the noise maps are renormalised after every
    step. The model's own noise maps are restored afterwards.

    Args:
        model: a trained `StyleGAN`.
        target: array `(H, W, C)` (or `(1, H, W, C)`) in [-1, 1], the model's
            image shape.
        steps: int. Optimisation steps. Defaults to 300.
        learning_rate: float. Peak Adam learning rate. Defaults to 0.1.
        feature_weight: float. Weight of the feature loss (0: pixels only).
            Defaults to 1.
        noise_weight: float. Weight of the noise regulariser. Defaults to 1e5.
        label: int or None. Class of the target (conditional models).
        extractor: str or FeatureExtractor. Feature network. Defaults to
            "fashion_mnist".
        seed: int. Seeds the initial noise maps and the w noise.
        verbose: bool. Print the losses every 50 steps.

    Returns:
        dict with `w` `(w_dim,)`, `ws` `(num_ws, w_dim)`, `noise` (list of
        maps), `image` `(H, W, C)`, `pixel_mse`, `feature_distance` (relative
        squared feature distance), `psnr` (dB, for the [-1, 1] range: peak 2)
        and `history` (total loss per step).

    Example:
    >>> # result = project(gan, real_image, steps=200); result["pixel_mse"]
    """
    from keras_gan import features as features_lib

    check_positive_int("steps", steps)
    target = np.asarray(target, "float32")
    if target.ndim == 3:
        target = target[None]
    if target.shape[1:] != tuple(model.image_shape) or target.shape[0] != 1:
        raise ValueError(f"target must be one image of shape {tuple(model.image_shape)}. "
                         f"Received: target with shape {target.shape}")
    generator = model.sampling_generator
    extractor = features_lib.load_extractor(extractor) if feature_weight else None
    labels = _labels(model, label, 1)
    rng = np.random.default_rng(seed)

    # The spread of w around its average, from 10000 mapped samples.
    z = keras.random.normal((10000, model.latent_dim), seed=seed)
    w_samples = ops.convert_to_numpy(generator.mapping(
        model._generator_inputs(z, _labels(model, label, 10000))))
    w_avg = ops.convert_to_numpy(generator.w_avg)
    w_std = float(np.sqrt(np.sum(np.square(w_samples - w_avg)) / len(w_samples)))

    target_t = tf.constant(target)
    target_features = None
    if extractor is not None:
        target_features = extractor.model(_feature_view(target_t, extractor.image_shape),
                                          training=False)
        target_features = target_features[0] if isinstance(target_features, (list, tuple)) else target_features
        feature_norm = ops.sum(ops.square(target_features)) + 1e-8

    layers = noise_layers(generator)
    originals = [np.array(layer.noise_const.numpy()) for layer in layers]
    noise_vars = [layer.noise_const for layer in layers]
    w_opt = tf.Variable(w_avg[None], name="w_opt")
    w_noise = tf.Variable(tf.zeros_like(w_opt), trainable=False)
    lr = tf.Variable(0.0, trainable=False)
    # Adam (betas 0.9, 0.999) by hand: it updates the noise maps in place,
    # which are the generator's own (non-trainable) variables.
    params = [w_opt, *(v.value for v in noise_vars)]
    moments = [(tf.Variable(tf.zeros_like(p)), tf.Variable(tf.zeros_like(p))) for p in params]
    count = tf.Variable(0.0, trainable=False)

    def distances(images):
        mse = ops.mean(ops.square(images - target_t))
        if extractor is None:
            return mse, tf.zeros(())
        feats = extractor.model(_feature_view(images, extractor.image_shape), training=False)
        feats = feats[0] if isinstance(feats, (list, tuple)) else feats
        return mse, ops.sum(ops.square(feats - target_features)) / feature_norm

    def render():
        ws = ops.repeat((w_opt + w_noise)[:, None, :], model.num_ws, axis=1)
        return generator.synthesis(ws, training=False)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch(params)
            mse, feat = distances(render())
            loss = mse + feature_weight * feat + noise_weight * _noise_regularisation(params[1:])
        grads = tape.gradient(loss, params)
        count.assign_add(1.0)
        for p, g, (m, v) in zip(params, grads, moments):
            m.assign(0.9 * m + 0.1 * g)
            v.assign(0.999 * v + 0.001 * tf.square(g))
            m_hat = m / (1.0 - tf.pow(0.9, count))
            v_hat = v / (1.0 - tf.pow(0.999, count))
            p.assign_sub(lr * m_hat / (tf.sqrt(v_hat) + 1e-8))
        for v in params[1:]:  # Keep the maps N(0, 1)-like.
            mean = tf.reduce_mean(v)
            v.assign((v - mean) * tf.math.rsqrt(tf.reduce_mean(tf.square(v - mean)) + 1e-8))
        return loss

    history = []
    try:
        for variable in noise_vars:
            variable.assign(rng.standard_normal(variable.shape).astype("float32"))
        for t in range(steps):
            progress = t / steps
            noise_scale = w_std * 0.05 * max(0.0, 1.0 - progress / 0.75) ** 2
            ramp = min(1.0, (1.0 - progress) / 0.25)
            ramp = 0.5 - 0.5 * np.cos(ramp * np.pi)
            ramp *= min(1.0, progress / 0.05)
            lr.assign(learning_rate * ramp)
            w_noise.assign(rng.standard_normal(w_opt.shape).astype("float32") * noise_scale)
            loss = float(step())
            history.append(loss)
            if verbose and (t % 50 == 0 or t == steps - 1):
                print(f"step {t + 1}/{steps}: loss {loss:.4f}")
        w_noise.assign(tf.zeros_like(w_noise))
        image = ops.clip(render(), -1.0, 1.0)
        mse, feat = distances(image)
        noise = [np.array(v.numpy()) for v in noise_vars]
    finally:
        for variable, value in zip(noise_vars, originals):
            variable.assign(value)
    w = w_opt.numpy()[0]
    mse = float(mse)
    return {
        "w": w,
        "ws": np.repeat(w[None], model.num_ws, axis=0),
        "noise": noise,
        "image": ops.convert_to_numpy(image)[0],
        "pixel_mse": mse,
        "feature_distance": float(feat),
        "psnr": float(10.0 * np.log10(4.0 / max(mse, 1e-12))),
        "history": history,
    }
