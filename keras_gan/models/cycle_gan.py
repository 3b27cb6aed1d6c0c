"""CycleGAN: unpaired image-to-image translation with cycle consistency."""

import keras
from keras import ops
import tensorflow as tf

from keras_gan import tasks
from keras_gan.architectures.common import check_positive_int
from keras_gan.architectures.patchgan import patchgan_discriminator
from keras_gan.architectures.resnet import cyclegan_generator
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.image_to_image import ImageToImageGAN


def _l1(a, b):
    return ops.mean(ops.abs(ops.cast(a, "float32") - ops.cast(b, "float32")))


@keras.saving.register_keras_serializable(package="keras_gan")
class CycleGAN(ImageToImageGAN):
    """CycleGAN: G: A -> B and F: B -> A with discriminators D_B and D_A.

    Each step updates both discriminators (least-squares loss, halved as in
    the paper, each on fakes drawn from a history pool of `pool_size`
    earlier generated images), then both generators with the least-squares
    adversarial loss plus `cycle_weight * (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)`
    and `identity_weight * cycle_weight * (|G(b) - b|_1 + |F(a) - a|_1)`.
    Trains on `(domain_a, domain_b)` batches of unpaired images
    (`keras_gan.tasks.load("cyclegan", ...)`). Instance normalization is
    Keras's `GroupNormalization(groups=-1)`.

    `generator` is G (A -> B), the network that is exported; `d_optimizer`
    updates both discriminators and `g_optimizer` both generators, as in the
    authors' code. `generate` shows (a, G(a), F(G(a))): input, translation
    and cycle reconstruction.

    Tracked metrics: `d_loss` (D_A + D_B), `g_loss` (total), `g_adv`,
    `cycle`, `identity`, `d_real` / `d_fake` (mean raw D outputs; the
    least-squares targets are 1 and 0).

    Args:
        generator: keras.Model or None. G: A -> B. Defaults to the paper's
            ResNet generator (6 blocks below 256 pixels, 9 from 256).
        inverse_generator: keras.Model or None. F: B -> A. Same default.
        discriminator: keras.Model or None. D_B, judging domain B. Defaults
            to the 70x70 PatchGAN with instance normalization.
        inverse_discriminator: keras.Model or None. D_A. Same default.
        image_shape: tuple. `(height, width, channels)` of both domains.
        cycle_weight: float. lambda of the cycle loss. Defaults to 10.
        identity_weight: float. Identity loss weight relative to lambda.
            Defaults to 0.5.
        pool_size: int. Generated images kept per domain for D updates
            (0: no pool); at least the batch size. Defaults to 50.
        num_blocks: int or None. Residual blocks of the default generators;
            defaults to 9 from 256 pixels, 6 below (the paper's).
        domains: str or tuple. The two domains of the offline task (class
            ids "7,9": sneakers -> ankle boots) or ignored for datasets with
            their own domains. Defaults to "7,9".
        **kwargs: `ImageToImageGAN` arguments (`width`, `dataset`, `seed`).

    Example:
    >>> import numpy as np
    >>> model = CycleGAN(image_shape=(28, 28, 1), width=8, pool_size=4)
    >>> model.compile()
    >>> a = np.random.uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    >>> logs = model.train_on_batch(a, -a, return_dict=True)
    >>> model.translate(a).shape
    (4, 28, 28, 1)

    Reference:
        Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks", ICCV 2017.
    """

    task = "cyclegan"
    default_loss = "least_squares"
    train_options = ("width", "dataset", "cycle_weight", "identity_weight", "domains",
                     "num_blocks")
    metric_names = ("d_loss", "g_loss", "g_adv", "cycle", "identity", "d_real", "d_fake")
    network_names = ("generator", "inverse_generator", "discriminator", "inverse_discriminator")

    def __init__(self, generator=None, inverse_generator=None, discriminator=None,
                 inverse_discriminator=None, image_shape=(28, 28, 1), cycle_weight=10.0,
                 identity_weight=0.5, pool_size=50, num_blocks=None, domains="7,9",
                 **kwargs):
        if generator is not None:
            self._check_network("generator", generator)
            image_shape = tuple(int(s) for s in generator.outputs[0].shape[1:])
        super().__init__(image_shape=image_shape, **kwargs)
        for name, value in (("cycle_weight", cycle_weight), ("identity_weight", identity_weight)):
            if float(value) < 0:
                raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
            raise ValueError(f"pool_size must be an int >= 0. Received: pool_size={pool_size!r}")
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = pool_size
        self.num_blocks = num_blocks
        self.domains = self.parse_domains(domains)
        shape = self.image_shape

        def network(role, given, build):
            return self._check_network(role, given or build(role), shape)

        def translator(name):
            return cyclegan_generator(shape, self.width, num_blocks, name=name)

        self.generator = network("generator", generator, translator)
        self.inverse_generator = network("inverse_generator", inverse_generator, translator)
        self.discriminator = network("discriminator", discriminator, lambda n: (
            patchgan_discriminator(shape, 0, self.width, normalization="instance", name=n)))
        self.inverse_discriminator = network("inverse_discriminator", inverse_discriminator,
                                             lambda n: patchgan_discriminator(
                                                 shape, 0, self.width,
                                                 normalization="instance", name=n))
        # History pools (Shrivastava et al. 2017): D sees earlier fakes too.
        # Weights of the model, so checkpoints and .keras files keep them.
        pool_shape = (max(pool_size, 1), *shape)
        self.pool_a = self.add_weight(shape=pool_shape, initializer="zeros",
                                      trainable=False, name="pool_a")
        self.pool_b = self.add_weight(shape=pool_shape, initializer="zeros",
                                      trainable=False, name="pool_b")
        self.pool_count = self.add_weight(shape=(), initializer="zeros", dtype="int32",
                                          trainable=False, name="pool_count")

    @staticmethod
    def parse_domains(domains):
        """`"7,9"` or `(7, 9)` -> `(7, 9)`: the class ids of domains A and B."""
        return tasks.parse_domains(domains)

    def generator_variables(self):
        return self.generator.trainable_variables + self.inverse_generator.trainable_variables

    def discriminator_variables(self):
        return (self.discriminator.trainable_variables
                + self.inverse_discriminator.trainable_variables)

    def _query_pools(self, fake_a, fake_b):
        """Images for the D update: while the pools fill, the new fakes; then
        per image, with probability 1/2 a pooled fake that the new one replaces."""
        if self.pool_size == 0:
            return fake_a, fake_b
        batch = ops.shape(fake_a)[0]
        count = self.pool_count.value
        # Distinct pool slots for the batch (a random permutation's head;
        # slots repeat only for batches larger than the pool).
        order = ops.argsort(keras.random.uniform((self.pool_size,), seed=self.seed_generator))
        slots = tf.gather(tf.cast(order, "int32"), tf.range(batch) % self.pool_size)
        swap = keras.random.uniform((batch,), seed=self.seed_generator) < 0.5
        filling = tf.range(batch) + count
        full = filling >= self.pool_size
        use_pool = tf.logical_and(full, swap)
        # Filling: write to the next free slot; full: write where swapped.
        write = tf.where(full, slots, tf.minimum(filling, self.pool_size - 1))
        write_mask = tf.logical_or(tf.logical_not(full), swap)
        outputs = []
        for pool, fake in ((self.pool_a, fake_a), (self.pool_b, fake_b)):
            fake = ops.cast(fake, pool.dtype)
            old = tf.gather(pool.value, write)
            outputs.append(tf.where(use_pool[:, None, None, None], old, fake))
            new = tf.where(write_mask[:, None, None, None], fake, old)
            pool.assign(tf.tensor_scatter_nd_update(pool.value, write[:, None], new))
        self.pool_count.assign(tf.minimum(count + batch, self.pool_size))
        return outputs

    def train_step(self, data):
        real_a, real_b = self.unpack_pair(data)
        # 1) Both discriminators, on pooled fakes of the current generators.
        fake_b = self.generator(real_a, training=True)
        fake_a = self.inverse_generator(real_b, training=True)
        pooled_a, pooled_b = self._query_pools(fake_a, fake_b)
        with tf.GradientTape() as tape:
            real_b_logits = self.discriminator(real_b, training=True)
            fake_b_logits = self.discriminator(pooled_b, training=True)
            real_a_logits = self.inverse_discriminator(real_a, training=True)
            fake_a_logits = self.inverse_discriminator(pooled_a, training=True)
            # Halved, as in the paper, to slow D relative to G.
            d_loss = 0.5 * (self.discriminator_loss(real_b_logits, fake_b_logits)
                            + self.discriminator_loss(real_a_logits, fake_a_logits))
            scaled = scale_loss_for_distribution(d_loss)
        self.apply_gradients(self.d_optimizer, tape, scaled, self.discriminator_variables())
        # 2) Both generators: adversarial + cycle + identity.
        with tf.GradientTape() as tape:
            fake_b = self.generator(real_a, training=True)
            fake_a = self.inverse_generator(real_b, training=True)
            g_adv = (self.generator_loss(self.discriminator(fake_b, training=True))
                     + self.generator_loss(self.inverse_discriminator(fake_a, training=True)))
            cycle = (_l1(self.inverse_generator(fake_b, training=True), real_a)
                     + _l1(self.generator(fake_a, training=True), real_b))
            g_loss = g_adv + self.cycle_weight * cycle
            identity = ops.zeros(())
            if self.identity_weight > 0:
                identity = (_l1(self.generator(real_b, training=True), real_b)
                            + _l1(self.inverse_generator(real_a, training=True), real_a))
                g_loss = g_loss + self.identity_weight * self.cycle_weight * identity
            scaled = scale_loss_for_distribution(g_loss)
        self.apply_gradients(self.g_optimizer, tape, scaled, self.generator_variables())
        self.track(
            d_loss=d_loss, g_loss=g_loss, g_adv=g_adv, cycle=cycle, identity=identity,
            d_real=0.5 * (self.scores(real_b_logits) + self.scores(real_a_logits)),
            d_fake=0.5 * (self.scores(fake_b_logits) + self.scores(fake_a_logits)),
        )
        return self.logs()

    def inverse_translate(self, images, batch_size=256):
        """F: B -> A on `images`; returns a numpy array."""
        import numpy as np

        images = np.asarray(images, "float32")
        return np.concatenate([
            ops.convert_to_numpy(self.inverse_generator(images[i:i + batch_size],
                                                        training=False))
            for i in range(0, len(images), batch_size)
        ]).astype("float32")

    def display_triplets(self, inputs, targets):
        outputs = self.translate(inputs)
        return inputs, outputs, self.inverse_translate(outputs)

    def get_config(self):
        return {**super().get_config(), "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight, "pool_size": self.pool_size,
                "num_blocks": self.num_blocks,
                "domains": ",".join(str(d) for d in self.domains)}
