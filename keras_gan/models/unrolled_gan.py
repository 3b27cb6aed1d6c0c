"""Unrolled GAN: the generator optimises against a look-ahead discriminator."""

import tensorflow as tf
import keras
from keras import ops

from keras_gan.architectures.common import check_positive_int
from keras_gan.keras_internals import adam_slots
from keras_gan.keras_internals import scale_loss_for_distribution
from keras_gan.models.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class UnrolledGAN(DCGAN):
    """GAN whose generator looks `unroll_steps` discriminator updates ahead.

    The discriminator is trained as usual. For the generator update, D's
    weights are copied into tensors and updated `unroll_steps` times on the
    current batch, each update computed with a `tf.GradientTape` and
    applied with D's own optimizer rule (Adam with its current moments, or
    SGD at `unroll_learning_rate` for other optimizers); G's loss is taken
    against that look-ahead D. With `second_order=True` the gradient flows
    back through the unrolled updates, so G is penalised for moves that D
    could answer quickly: the answer of Metz et al. to mode collapse, where
    G hops from mode to mode chasing a D that follows it. The real D is
    never changed by the unrolling. Works with any networks: D is run with
    `stateless_call` on the unrolled weights, on the images as D sees them
    in training (DiffAugment-ed under `augment=`).

    Args:
        unroll_steps: int. Look-ahead D updates k. Defaults to 5.
        second_order: bool. Back-propagate through the unrolled updates
            (the paper's method); False uses the look-ahead D as a constant
            (cheaper, weaker). Defaults to True.
        unroll_learning_rate: float or None. Step size of the unrolled
            updates when D's optimizer is not Adam. Defaults to D's
            optimizer's learning rate.
        **kwargs: `DCGAN` arguments (`width`, networks, `image_shape`,
            `latent_dim`, `seed`, ...).

    Example:
    >>> gan = UnrolledGAN(latent_dim=8, width=8, unroll_steps=2)
    >>> gan.compile()

    Reference:
        Metz, Poole, Pfau & Sohl-Dickstein, "Unrolled Generative Adversarial
        Networks", ICLR 2017.
    """

    train_options = DCGAN.train_options + ("unroll_steps", "second_order")

    @property
    def collapse_advice(self):
        """What the collapse alarm suggests: the levers this model has."""
        second = ("" if self.second_order
                  else "the paper's second-order look-ahead (--second_order), ")
        return (f"Try {second}more look-ahead steps (--unroll_steps), a lower generator "
                "learning rate, or an earlier checkpoint.")

    def __init__(self, unroll_steps=5, second_order=True, unroll_learning_rate=None, **kwargs):
        self.unroll_steps = check_positive_int("unroll_steps", unroll_steps)
        if unroll_learning_rate is not None and not unroll_learning_rate > 0:
            raise ValueError(
                "unroll_learning_rate must be positive or None. "
                f"Received: unroll_learning_rate={unroll_learning_rate!r}"
            )
        self.second_order = bool(second_order)
        self.unroll_learning_rate = unroll_learning_rate
        super().__init__(**kwargs)

    def train_step(self, data):
        real, labels = self._unpack(data)
        self._discriminator_step(real, labels)
        self._unrolled_generator_step(real, labels)
        return self.logs()

    def _update_rule(self):
        """`step(params, grads, state, k) -> (params, state)`: one update of
        D's optimizer as a differentiable function of tensors."""
        opt = self.d_optimizer
        learning_rate = ops.cast(opt.learning_rate, "float32")
        if isinstance(opt, keras.optimizers.Adam):
            state = adam_slots(opt, self.discriminator.trainable_variables)
            beta_1, beta_2 = opt.beta_1, opt.beta_2

            def step(params, grads, state, k):
                t = ops.cast(opt.iterations + k + 1, "float32")
                alpha = learning_rate * ops.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                new_params, new_state = [], []
                for p, g, (m, v) in zip(params, grads, state):
                    m = m + (g - m) * (1 - beta_1)
                    v = v + (ops.square(g) - v) * (1 - beta_2)
                    new_params.append(p - ops.cast(alpha, p.dtype) * m / (ops.sqrt(v) + opt.epsilon))
                    new_state.append((m, v))
                return new_params, new_state

            return step, state
        if self.unroll_learning_rate is not None:
            learning_rate = self.unroll_learning_rate

        def sgd(params, grads, state, k):
            return [p - ops.cast(learning_rate, p.dtype) * g for p, g in zip(params, grads)], state

        return sgd, None

    def _unrolled_discriminator(self, real, fake, labels):
        """D's trainable weights after `unroll_steps` updates, as tensors."""
        d = self.discriminator
        params = [v.value for v in d.trainable_variables]
        non_trainable = [v.value for v in d.non_trainable_variables]
        step, state = self._update_rule()
        fake_for_d = fake if self.second_order else ops.stop_gradient(fake)
        for k in range(self.unroll_steps):
            with tf.GradientTape() as tape:
                tape.watch(params)
                real_out, _ = d.stateless_call(params, non_trainable,
                                               self._discriminator_inputs(real, labels),
                                               training=True)
                fake_out, _ = d.stateless_call(params, non_trainable,
                                               self._discriminator_inputs(fake_for_d, labels),
                                               training=True)
                loss = self.discriminator_loss(
                    self.adversarial_logits(real_out), self.adversarial_logits(fake_out)
                )
            grads = tape.gradient(loss, params)
            params, state = step(params, grads, state, k)
            if not self.second_order:
                params = [ops.stop_gradient(p) for p in params]
        return params, non_trainable

    def _unrolled_generator_step(self, real, labels):
        z = self.sample_latent(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generator(self._generator_inputs(z, labels), training=True)
            params, non_trainable = self._unrolled_discriminator(real, fake, labels)
            fake_out, _ = self.discriminator.stateless_call(
                params, non_trainable, self._discriminator_inputs(fake, labels), training=True
            )
            g_loss = self.generator_loss(self.adversarial_logits(fake_out))
            scaled = scale_loss_for_distribution(g_loss)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(scaled, g_vars), g_vars)
        self.g_loss_tracker.update_state(g_loss)

    def get_config(self):
        return {
            **super().get_config(),
            "unroll_steps": self.unroll_steps,
            "second_order": self.second_order,
            "unroll_learning_rate": self.unroll_learning_rate,
        }
