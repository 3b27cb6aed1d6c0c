r"""PyTorch twin of keras_gan's default DCGAN, the baseline of bench/throughput.py.

The networks of `keras_gan.architectures.dcgan` at a given width, layer for
layer: G projects z with a bias-free dense layer, reshapes to the base map,
then batch norm + ReLU, bias-free 4x4 stride-2 transposed convolutions each
followed by batch norm + ReLU, and a biased transposed convolution to the
image channels with tanh. D: 4x4 stride-2 convolutions (only the first with
a bias, batch norm on all but the first), LeakyReLU(0.2), flatten, one dense
logit. `extra_layers` adds that many bias-free 3x3 stride-1 convolution
blocks (batch norm, then ReLU in G, LeakyReLU in D) at the smallest
resolution of each network, as train.py's default recipe does
(`--extra_layers=2`). Keras defaults are carried over where PyTorch's differ: batch norm
momentum 0.99 (PyTorch's `momentum=0.01`) and epsilon 1e-3, Glorot-uniform
kernels and zero biases, Adam epsilon 1e-7. "same" padding with kernel 4 and
stride 2 on even sides is PyTorch's `padding=1`, for both convolution kinds.

One step is keras_gan's `GAN.train_step` with the non-saturating loss: draw
z, make one fake batch; update D on the real batch (label 1) and that fake
batch, detached (label 0); then update G so that the updated D calls the
same fake batch real. G's backward asks only for G's gradients, as the
TensorFlow tape does, so D's weight gradients are not computed twice.
With `ema`, a moving average of G's weights (`torch.optim.swa_utils`'s
EMA, one fused update over all of them) follows each G update, as Keras's
optimizer `use_ema` does for train.py's `--ema=0.999`.
(Adam's epsilon sits outside the bias correction of the second moment in
Keras and inside it in PyTorch: a numerical, not a speed, difference.)

    pip install -e .[bench]
    python bench/torch_dcgan.py                     # eager, 2 cores: ms/step
    python bench/torch_dcgan.py --compile --steps=32
    python bench/torch_dcgan.py --bf16 --threads=1
    python bench/torch_dcgan.py --parity            # same outputs as Keras

The script prints the parameter counts of both frameworks' networks (they
must agree exactly) before timing on random images in [-1, 1];
bench/throughput.py times the same `Trainer` on Fashion-MNIST next to the
Keras variants. `--parity` copies the Keras weights over and compares G's
images and D's logits (agreement to ~1e-6 in float32). `--compile` works on
CPU (Inductor's C++ backend, which needs a C++ compiler) after a warm-up of
minutes. On a machine busy with other jobs time with `--threads=1` too:
OpenMP threads wait for each other at every op.
"""
import os
import time

from absl import app
from absl import flags
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from keras_gan.architectures.dcgan import upsampling_plan
from keras_gan.families.image_options import OPTIONS as _IMAGE_OPTIONS

__all__ = ["Generator", "Discriminator", "Trainer", "available_cores", "keras_parameter_counts",
           "torch_parameter_counts", "check_parameter_counts", "copy_keras_weights", "parity"]

# Keras's BatchNormalization(momentum=0.99, epsilon=1e-3): PyTorch's momentum
# is the weight of the new batch statistic.
_BN = {"eps": 1e-3, "momentum": 0.01}


def available_cores():
    """CPU cores this process may run on (the affinity mask, not the host)."""
    return len(os.sched_getaffinity(0))


def _glorot(module):
    # Keras's default initialisers. Glorot's fan_in + fan_out is the same
    # for PyTorch's (in, out, k, k) transposed-convolution weights.
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


class Generator(nn.Module):
    """keras_gan's `dcgan_generator(image_shape, latent_dim, width,
    extra_layers=...)`, NCHW."""

    def __init__(self, image_shape=(28, 28, 1), latent_dim=100, width=32, extra_layers=0):
        super().__init__()
        base_h, base_w, steps = upsampling_plan(image_shape)
        filters = width * 2 ** (steps - 1)
        self.base = (filters, base_h, base_w)
        self.project = nn.Linear(latent_dim, base_h * base_w * filters, bias=False)
        blocks = [nn.BatchNorm2d(filters, **_BN), nn.ReLU()]
        for _ in range(extra_layers):
            blocks += [nn.Conv2d(filters, filters, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(filters, **_BN), nn.ReLU()]
        for _ in range(steps - 1):
            blocks += [nn.ConvTranspose2d(filters, filters // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(filters // 2, **_BN), nn.ReLU()]
            filters //= 2
        blocks += [nn.ConvTranspose2d(filters, image_shape[-1], 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*blocks)
        _glorot(self)

    def forward(self, z):
        return self.body(self.project(z).view(-1, *self.base))


class Discriminator(nn.Module):
    """keras_gan's `dcgan_discriminator(image_shape, width,
    extra_layers=...)`, NCHW."""

    def __init__(self, image_shape=(28, 28, 1), width=32, extra_layers=0):
        super().__init__()
        height, width_px, channels = image_shape
        _, _, steps = upsampling_plan(image_shape)
        blocks, filters = [], width
        for step in range(steps):
            blocks.append(nn.Conv2d(channels, filters, 4, 2, 1, bias=step == 0))
            # The paper leaves D's input layer without batch normalization.
            if step > 0:
                blocks.append(nn.BatchNorm2d(filters, **_BN))
            blocks.append(nn.LeakyReLU(0.2))
            channels, filters = filters, filters * 2
        for _ in range(extra_layers):
            blocks += [nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(channels, **_BN), nn.LeakyReLU(0.2)]
        side = 2**steps
        blocks += [nn.Flatten(), nn.Linear(channels * (height // side) * (width_px // side), 1)]
        self.body = nn.Sequential(*blocks)
        _glorot(self)

    def forward(self, images):
        return self.body(images)


class Trainer:
    """keras_gan's DCGAN training step in PyTorch, on images held in memory.

    Args:
        images: array. Training images, `(n, height, width, channels)` in
            [-1, 1] (NHWC, as keras_gan loads them).
        batch_size: int. Images per step. Defaults to 64.
        latent_dim: int. Size of z. Defaults to 100.
        width: int. Network width (keras_gan's `--width`). Defaults to 32.
        compile: bool. Wrap both networks in `torch.compile`. Defaults to False.
        bf16: bool. Run the forward passes under `torch.autocast` in
            bfloat16 (weights and optimizer stay float32, as with Keras's
            mixed_bfloat16 policy). Defaults to False.
        channels_last: bool. Keep activations and weights in NHWC memory
            format. Defaults to False.
        extra_layers: int. Stride-1 3x3 blocks at the smallest resolution of
            both networks (keras_gan's `--extra_layers`). Defaults to 0.
        ema: float. Decay of a moving average of G's weights updated after
            every G step (keras_gan's `--ema`); 0: none. Defaults to 0.
        seed: int. Seeds initialisation, noise and shuffling. Defaults to 0.

    Example:
    >>> trainer = Trainer(np.zeros((128, 28, 28, 1), "float32"), width=8)
    >>> seconds_per_step = trainer.run(2)
    """

    def __init__(self, images, batch_size=64, latent_dim=100, width=32, compile=False,
                 bf16=False, channels_last=False, seed=0, extra_layers=0, ema=0.0):
        images = np.asarray(images, "float32")
        if images.ndim != 4 or len(images) < batch_size:
            raise ValueError(
                "images must be (n, height, width, channels) with n >= batch_size. "
                f"Received: images.shape={images.shape}, batch_size={batch_size}"
            )
        torch.manual_seed(seed)
        self.generator = Generator(images.shape[1:], latent_dim, width, extra_layers)
        self.discriminator = Discriminator(images.shape[1:], width, extra_layers)
        # NCHW, copied: the caller's array may be read-only.
        self.images = torch.from_numpy(np.array(images.transpose(0, 3, 1, 2), order="C"))
        self.format = torch.channels_last if channels_last else torch.contiguous_format
        self.images = self.images.to(memory_format=self.format)
        self.generator.to(memory_format=self.format)
        self.discriminator.to(memory_format=self.format)
        self.batch_size, self.latent_dim, self.bf16 = batch_size, latent_dim, bf16
        # Radford et al.'s Adam, with Keras's epsilon.
        self.g_opt = torch.optim.Adam(self.generator.parameters(), 2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.d_opt = torch.optim.Adam(self.discriminator.parameters(), 2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.g_params = list(self.generator.parameters())
        self.g, self.d = self.generator, self.discriminator
        if compile:
            self.g, self.d = torch.compile(self.generator), torch.compile(self.discriminator)
        self.average = None
        if ema:
            from torch.optim import swa_utils

            self.average = swa_utils.AveragedModel(
                self.generator, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(ema))
        self.generator.train()
        self.discriminator.train()
        self._order, self._cursor = torch.randperm(len(self.images)), 0

    def _next_batch(self):
        # Shuffled epochs without replacement, dropping the remainder, like
        # keras_gan.data.load(..., drop_remainder=True).
        if self._cursor + self.batch_size > len(self._order):
            self._order, self._cursor = torch.randperm(len(self.images)), 0
        index = self._order[self._cursor:self._cursor + self.batch_size]
        self._cursor += self.batch_size
        return self.images[index]

    def step(self):
        """One D update, then one G update on the same fake batch; returns the losses."""
        real = self._next_batch()
        z = torch.randn(self.batch_size, self.latent_dim)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            fake = self.g(z)
            # D: real labelled 1, the fake batch (as a constant) labelled 0.
            real_logits = self.d(real).float()
            fake_logits = self.d(fake.detach()).float()
        d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        self.d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_opt.step()
        # G: the updated D should call the same batch real (non-saturating).
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            g_logits = self.d(fake).float()
        g_loss = F.softplus(-g_logits).mean()
        self.g_opt.zero_grad(set_to_none=True)
        g_loss.backward(inputs=self.g_params)
        self.g_opt.step()
        if self.average is not None:
            self.average.update_parameters(self.generator)
        return d_loss.detach(), g_loss.detach()

    def run(self, steps):
        """Takes `steps` steps and returns the seconds per step."""
        start = time.perf_counter()
        for _ in range(steps):
            losses = self.step()
        # Eager CPU PyTorch is synchronous; reading a loss makes it explicit.
        float(losses[0])
        return (time.perf_counter() - start) / steps


# === Checks against the Keras networks ===
def keras_parameter_counts(generator, discriminator):
    """`{"generator"|"discriminator": (trainable, non-trainable)}` of Keras networks."""

    def counts(model):
        return (sum(int(np.prod(w.shape)) for w in model.trainable_weights),
                sum(int(np.prod(w.shape)) for w in model.non_trainable_weights))

    return {"generator": counts(generator), "discriminator": counts(discriminator)}


def torch_parameter_counts(generator, discriminator):
    """The same counts in PyTorch: parameters, and the batch-norm running
    mean and variance (its step counter has no Keras counterpart)."""

    def counts(module):
        stats = sum(b.numel() for name, b in module.named_buffers()
                    if not name.endswith("num_batches_tracked"))
        return sum(p.numel() for p in module.parameters()), stats

    return {"generator": counts(generator), "discriminator": counts(discriminator)}


def check_parameter_counts(keras_networks, torch_networks):
    """Prints the counts of `(generator, discriminator)` of both frameworks;
    raises if they differ."""
    ours = keras_parameter_counts(*keras_networks)
    theirs = torch_parameter_counts(*torch_networks)
    for role in ("generator", "discriminator"):
        (k_train, k_stats), (t_train, t_stats) = ours[role], theirs[role]
        print(f"{role}: Keras {k_train:,} trainable + {k_stats:,} batch-norm statistics, "
              f"PyTorch {t_train:,} + {t_stats:,}")
    if ours != theirs:
        raise ValueError(f"The PyTorch DCGAN differs from keras_gan's: Keras {ours}, PyTorch {theirs}.")
    return ours


def copy_keras_weights(keras_model, module, image_shape):
    """Loads a Keras DCGAN network's weights into its PyTorch twin.

    The dense layers next to the convolutions also switch between Keras's
    (height, width, channels) and PyTorch's (channels, height, width)
    flattening order.
    """
    import keras

    ours = [layer for layer in keras_model.layers if layer.weights]
    theirs = [m for m in module.body.modules()
              if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d))]
    if isinstance(module, Generator):
        theirs = [module.project] + theirs
    if len(ours) != len(theirs):
        raise ValueError(f"{len(ours)} Keras layers with weights, {len(theirs)} PyTorch ones.")
    with torch.no_grad():
        for layer, target in zip(ours, theirs):
            values = [np.asarray(w) for w in layer.weights]
            if isinstance(layer, keras.layers.BatchNormalization):
                for tensor, value in zip((target.weight, target.bias, target.running_mean,
                                          target.running_var), values):
                    tensor.copy_(torch.from_numpy(value))
                continue
            kernel = values[0]
            if isinstance(layer, keras.layers.Dense):
                if isinstance(module, Generator):  # output reshaped to the base map
                    c, h, w = module.base
                    kernel = kernel.reshape(-1, h, w, c).transpose(0, 3, 1, 2).reshape(kernel.shape)
                else:  # input flattened from D's last map
                    _, _, steps = upsampling_plan(image_shape)
                    h, w = image_shape[0] // 2**steps, image_shape[1] // 2**steps
                    kernel = kernel.reshape(h, w, -1, 1).transpose(2, 0, 1, 3).reshape(kernel.shape)
                kernel = kernel.T
            else:
                # Conv2D (kh, kw, in, out) -> (out, in, kh, kw); Conv2DTranspose
                # (kh, kw, out, in) -> (in, out, kh, kw): the same transpose.
                kernel = kernel.transpose(3, 2, 0, 1)
            target.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel)))
            if len(values) > 1:
                target.bias.copy_(torch.from_numpy(values[1]))


def parity(image_shape, latent_dim, width, batch=16, extra_layers=0):
    """Largest |Keras - PyTorch| of G's images and D's logits, same weights
    and inputs, in training mode (batch statistics) and inference mode."""
    from keras_gan.architectures import dcgan_discriminator
    from keras_gan.architectures import dcgan_generator

    k_g = dcgan_generator(image_shape, latent_dim, width, extra_layers=extra_layers)
    k_d = dcgan_discriminator(image_shape, width, extra_layers=extra_layers)
    t_g = Generator(image_shape, latent_dim, width, extra_layers)
    t_d = Discriminator(image_shape, width, extra_layers)
    copy_keras_weights(k_g, t_g, image_shape)
    copy_keras_weights(k_d, t_d, image_shape)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((batch, latent_dim)).astype("float32")
    x = rng.uniform(-1, 1, (batch, *image_shape)).astype("float32")
    nchw = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    errors = {}
    for training in (True, False):
        t_g.train(training)
        t_d.train(training)
        with torch.no_grad():
            g_out = t_g(torch.from_numpy(z)).permute(0, 2, 3, 1).numpy()
            d_out = t_d(nchw).numpy()
        mode = "training" if training else "inference"
        errors[f"G images, {mode}"] = np.abs(np.asarray(k_g(z, training=training)) - g_out).max()
        errors[f"D logits, {mode}"] = np.abs(np.asarray(k_d(x, training=training)) - d_out).max()
    return errors


# === Main ===
# Flags are defined only when run as a script: throughput.py imports this
# module and has flags of the same names.
def define_flags():
    # train.py's default recipe, read from where it is declared.
    recipe = {option.name: option.default for option in _IMAGE_OPTIONS}
    flags.DEFINE_integer("width", recipe["width"], "Network width (keras_gan's default recipe).")
    flags.DEFINE_integer("extra_layers", recipe["extra_layers"], "Stride-1 3x3 blocks per "
                         "network (keras_gan's default recipe; the paper's networks: 0).")
    flags.DEFINE_float("ema", recipe["ema"], "Decay of the moving average of G's weights "
                       "(keras_gan's default recipe); 0: none.")
    flags.DEFINE_integer("batch_size", 64, "Images per step.")
    flags.DEFINE_integer("latent_dim", 100, "Size of z.")
    flags.DEFINE_integer("steps", 64, "Timed steps per round.")
    flags.DEFINE_integer("rounds", 3, "Timed rounds after the warm-up; the best is reported.")
    flags.DEFINE_integer("threads", 0, "torch.set_num_threads; 0: the cores this process may use.")
    flags.DEFINE_bool("compile", False, "torch.compile both networks.")
    flags.DEFINE_bool("bf16", False, "Forward passes under torch.autocast(bfloat16).")
    flags.DEFINE_bool("channels_last", False, "NHWC memory format.")
    flags.DEFINE_bool("parity", False, "Also compare outputs with the Keras networks on copied weights.")


def main(argv):
    del argv
    FLAGS = flags.FLAGS
    threads = FLAGS.threads or available_cores()
    torch.set_num_threads(threads)
    image_shape = (28, 28, 1)
    images = np.random.default_rng(0).uniform(-1, 1, (60 * FLAGS.batch_size, *image_shape))
    trainer = Trainer(images, FLAGS.batch_size, FLAGS.latent_dim, FLAGS.width, compile=FLAGS.compile,
                      bf16=FLAGS.bf16, channels_last=FLAGS.channels_last,
                      extra_layers=FLAGS.extra_layers, ema=FLAGS.ema)
    from keras_gan.architectures import dcgan_discriminator
    from keras_gan.architectures import dcgan_generator

    check_parameter_counts(
        (dcgan_generator(image_shape, FLAGS.latent_dim, FLAGS.width,
                         extra_layers=FLAGS.extra_layers),
         dcgan_discriminator(image_shape, FLAGS.width, extra_layers=FLAGS.extra_layers)),
        (trainer.generator, trainer.discriminator))
    if FLAGS.parity:
        for name, error in parity(image_shape, FLAGS.latent_dim, FLAGS.width,
                                  extra_layers=FLAGS.extra_layers).items():
            print(f"max |Keras - PyTorch|, {name}: {error:.2e}")
    start = time.perf_counter()
    trainer.run(4)  # warm-up (and compilation)
    print(f"torch {torch.__version__}, {threads} threads, width {FLAGS.width}, extra_layers "
          f"{FLAGS.extra_layers}, ema {FLAGS.ema}, batch "
          f"{FLAGS.batch_size}, compile={FLAGS.compile}, bf16={FLAGS.bf16}, "
          f"channels_last={FLAGS.channels_last}; warm-up {time.perf_counter() - start:.1f} s")
    times = [trainer.run(FLAGS.steps) for _ in range(FLAGS.rounds)]
    print(f"ms/step: best {min(times) * 1e3:.1f}, rounds "
          + ", ".join(f"{t * 1e3:.1f}" for t in times))


if __name__ == "__main__":
    define_flags()
    app.run(main)
