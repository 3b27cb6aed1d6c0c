"""Sampling from an exponential moving average of the generator's weights
(`GAN(ema=...)`): the average lives in G's optimizer (Keras `use_ema`), and
the copy that samples gets its own batch-normalization statistics."""

import keras
from keras import ops

__all__ = ["EMASampling"]


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):  # A nested model.
            yield from _all_layers(layer)


class EMASampling:
    """Mixin of `GAN`: with `self.ema` set (a decay) and `self.ema_generator`
    a clone of G, samples, previews and exports use the averaged weights;
    training still uses G itself."""

    def configure_optimizers(self):
        # The EMA lives in G's optimizer, switched on before it is built (its
        # moving average is created then).
        if self.ema is not None:
            if self.g_optimizer.built and not self.g_optimizer.use_ema:
                raise ValueError(
                    "ema needs a g_optimizer that is not built yet (its moving "
                    "average is created when it is built); pass a fresh optimizer."
                )
            self.g_optimizer.use_ema = True
            self.g_optimizer.ema_momentum = self.ema

    @property
    def sampling_generator(self):
        """G, or with `ema` a copy of G holding the moving average of its
        weights (and G's current batch-normalization statistics)."""
        if self.ema_generator is None or not getattr(self, "compiled", False):
            return self.generator
        position = {id(v): i for i, v in enumerate(self.generator.weights)}
        copies = self.ema_generator.weights
        self.g_optimizer.finalize_variable_values(
            [copies[position[id(v)]] for v in self.generator.trainable_weights]
        )
        step = int(self.g_optimizer.iterations.numpy())
        if getattr(self, "_ema_bn_step", None) != step:
            for v in self.generator.non_trainable_weights:
                copies[position[id(v)]].assign(v)
            self._recompute_batch_norm(self.ema_generator)
            self._ema_bn_step = step
        return self.ema_generator

    def _recompute_batch_norm(self, generator, batch_size=1024):
        # The live G's batch-norm statistics belong to the live weights, not
        # to their average: measure the averaged network's own, as weight
        # averaging of networks with batch norm requires (Izmailov et al.
        # 2018, "Averaging Weights Leads to Wider Optima", bn_update). One
        # training-mode pass with momentum 0 sets each layer's moving
        # statistics to its batch statistics on fresh z.
        norms = [layer for layer in _all_layers(generator)
                 if isinstance(layer, keras.layers.BatchNormalization)]
        if not norms:
            return
        z = self.latent_for(batch_size, 12345)
        labels = None if self.num_classes is None else ops.convert_to_tensor(
            self.default_labels(batch_size))
        # A frozen batch-norm layer runs in inference mode whatever `training`
        # says (Keras 3), so the averaged copy is unfrozen for this one pass.
        saved = [(layer.momentum, layer.trainable) for layer in norms]
        try:
            for layer in norms:
                layer.momentum = 0.0
                layer.trainable = True
            generator(self._generator_inputs(z, labels), training=True)
        finally:
            for layer, (momentum, trainable) in zip(norms, saved):
                layer.momentum = momentum
                layer.trainable = trainable
