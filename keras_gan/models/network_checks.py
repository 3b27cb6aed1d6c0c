"""The checks `GAN` makes of the networks it is given, with messages that say
what to build instead. Subclasses whose networks take other inputs (StyleGAN,
the text-to-image models, MidiNet, ACGAN) override them."""

import keras

__all__ = ["NetworkChecks"]


class NetworkChecks:
    """Mixin of `GAN`: `_check_network` checks one network's inputs against
    the model's conditioning, `_check_pair` that G's images fit D."""

    def _check_network(self, role, network):
        if not isinstance(network, keras.Model):
            raise ValueError(f"{role} must be a keras.Model. Received: {role}={network!r}")
        takes_labels = self.num_classes is not None and (
            role == "generator" or self.discriminator_takes_labels)
        expected = 2 if takes_labels else 1
        if len(network.inputs) != expected:
            kind = "conditional" if self.num_classes else "unconditional"
            want = "two inputs (data, labels)" if expected == 2 else "one input"
            raise ValueError(
                f"A {kind} {type(self).__name__} needs a {role} with {want}; the given one has "
                f"{len(network.inputs)}. Received: {role}={network.name!r}")

    def _check_pair(self, generator, discriminator):
        d_shape = tuple(discriminator.inputs[0].shape[1:])
        if d_shape != tuple(self.image_shape):
            raise ValueError(
                f"The generator makes images of shape {tuple(self.image_shape)} but the "
                f"discriminator takes {d_shape}; build both for the same image shape.")
        if tuple(discriminator.outputs[0].shape[1:]) not in ((1,), ()):
            raise ValueError(
                "The discriminator's (first) output must be one score per sample, shape "
                f"(batch, 1). Received output shape {tuple(discriminator.outputs[0].shape)}.")
