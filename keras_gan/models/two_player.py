"""What every adversarial model shares: two optimizers, one loss family, and
how they are compiled, saved and counted.

`GAN` (and so StyleGAN, the text-to-image models and MidiNet) and
`ImageToImageGAN` both take this base, so a fix to compiling, to the compile
config of `.keras` files, to the step counter or to the D scores lands once.
"""

import keras
from keras import ops

from keras_gan import losses as losses_lib

__all__ = ["TwoPlayer"]

# Arguments of `keras.Model.compile` that a saved model compiles with again.
_MODEL_COMPILE_ARGS = ("jit_compile", "steps_per_execution", "run_eagerly")


class TwoPlayer:
    """Mixin for models trained as a discriminator against a generator.

    The model sets `self.discriminator` and `self.generator` (or overrides
    `discriminator_variables` / `generator_variables` when several networks
    play each side, as in CycleGAN) and writes `train_step`. This class gives
    `compile(d_optimizer, g_optimizer, loss)`, the optimizers' defaults and
    their compile config for `.keras` files, `optimizers`, `train_steps` and
    the mean D outputs that the models track.
    """

    default_loss = "non_saturating"
    # Compile-config entries that hold serialized Keras objects.
    compile_objects = ("d_optimizer", "g_optimizer")

    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    def generator_variables(self):
        return self.generator.trainable_variables

    def default_optimizers(self):
        """Returns fresh `(d_optimizer, g_optimizer)` used when none are given:
        Adam 2e-4, beta_1 0.5 (Radford et al.'s DCGAN setting, also that of
        pix2pix, CycleGAN and the Context Encoder)."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
        )

    # === Compile ===
    def compile(self, d_optimizer=None, g_optimizer=None, loss=None, **kwargs):
        """Configures training.

        Args:
            d_optimizer: keras.optimizers.Optimizer or None. Updates the
                discriminator(s). Defaults to `default_optimizers()[0]`.
            g_optimizer: keras.optimizers.Optimizer or None. Updates the
                generator(s). Defaults to `default_optimizers()[1]`.
            loss: str or None. Adversarial loss family of `keras_gan.losses`;
                defaults to the class's `default_loss`.
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`).
        """
        # No Keras-level optimizer: each side has its own below.
        super().compile(optimizer=None, **kwargs)
        defaults = self.default_optimizers()
        self.d_optimizer = keras.optimizers.get(d_optimizer or defaults[0])
        self.g_optimizer = keras.optimizers.get(g_optimizer or defaults[1])
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two optimizer objects: "
                "each keeps its own state for its own networks."
            )
        self.loss_name = loss or self.default_loss
        self.discriminator_loss, self.generator_loss = losses_lib.get_losses(self.loss_name)
        self._compile_kwargs = {k: v for k, v in kwargs.items() if k in _MODEL_COMPILE_ARGS}
        self.configure_optimizers()
        # Built now so that saved optimizer state (BackupAndRestore, a
        # .keras file) loads into it before training.
        self.d_optimizer.build(self.discriminator_variables())
        self.g_optimizer.build(self.generator_variables())

    def configure_optimizers(self):
        """Called by `compile` between choosing the optimizers and building
        them (the GAN's EMA switches on here). Does nothing by default."""

    def extra_compile_config(self):
        """Compile-config entries of a subclass's own `compile` arguments,
        written after the loss."""
        return {}

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        ser = keras.saving.serialize_keras_object
        return {
            "d_optimizer": ser(self.d_optimizer),
            "g_optimizer": ser(self.g_optimizer),
            "loss": self.loss_name,
            **self.extra_compile_config(),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in self.compile_objects:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # === Training state ===
    @property
    def optimizers(self):
        """The optimizers whose state is part of the training state."""
        return [self.d_optimizer, self.g_optimizer]

    @property
    def train_steps(self):
        """Training steps taken so far (saved with the optimizer state): the
        generators' optimizer makes exactly one update per step."""
        return int(self.g_optimizer.iterations.numpy())

    def _scores(self, logits):
        """D's outputs as tracked: probabilities for the loss families whose
        D output is a logit of "real" (so the equilibrium D = 1/2 can be
        watched), raw scores for the others."""
        logits = ops.cast(logits, "float32")
        if self.loss_name in losses_lib.PROBABILITY_LOSSES:
            return ops.sigmoid(logits)
        return logits
