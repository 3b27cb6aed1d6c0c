"""Checking an export against the Keras model, and saying whose fault a
mismatch is: float32 and float64 copies of a network, the tolerances, the
finite-weights check and the parity-failure message every family uses."""

import numpy as np

from keras_gan.export.writer import ExportError

__all__ = ["TOLERANCES", "check_finite_weights", "failed_forms", "float32_generator",
           "float64_copy", "parity_error"]

# Agreement an export must reach with the Keras model for the same z.
TOLERANCES = {"saved_model": 1e-4, "tflite_float32": 1e-4, "tflite_float16": 1e-2}


def failed_forms(diffs, tolerances=None):
    """The forms of `diffs` ({form: max abs diff}) beyond their tolerance
    (NaN counts as beyond; a form without one must be within 1)."""
    tolerances = TOLERANCES if tolerances is None else tolerances
    return [k for k, v in diffs.items() if not v <= tolerances.get(k, 1.0)]


def check_finite_weights(network):
    """Raises `ExportError` when a weight of `network` (the exported
    generator) holds NaN or Inf."""
    for variable in network.weights:
        if not np.isfinite(np.asarray(variable.numpy(), "float32")).all():
            raise ExportError(
                f"The generator's weights hold NaN or Inf ({variable.path}); export a "
                "model from an earlier checkpoint instead."
            )


def _float32_config(config):
    """Rewrites every dtype policy in a serialized model config to float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and isinstance(
            config.get("config"), dict
        ):
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {k: _float32_config(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_float32_config(v) for v in config]
    if config in ("mixed_bfloat16", "mixed_float16", "bfloat16", "float16"):
        return "float32"
    return config


_FLOAT_NAMES = ("float32", "float16", "bfloat16", "mixed_bfloat16", "mixed_float16")


def _float64_config(config):
    """Rewrites every floating dtype of a serialized model config to float64."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and isinstance(config.get("config"), dict):
            return {**config, "config": {**config["config"], "name": "float64"}}
        return {k: _float64_config(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_float64_config(v) for v in config]
    return "float64" if config in _FLOAT_NAMES else config


def float32_generator(generator):
    """Returns `generator` itself if it computes in float32, else a float32
    copy with the same weights (for generators trained under mixed precision)."""
    if all(layer.dtype_policy.compute_dtype == "float32" for layer in generator.layers):
        return generator
    config = _float32_config(generator.get_config())
    copy = generator.__class__.from_config(config)
    copy.set_weights([np.asarray(w, "float32") for w in generator.get_weights()])
    return copy


def float64_copy(network):
    """A float64 copy of `network` with the same weights: the reference that
    tells rounding-sensitive models from faulty exports."""
    copy = network.__class__.from_config(_float64_config(network.get_config()))
    copy.set_weights([np.asarray(w, "float64") for w in network.get_weights()])
    return copy


def _rounded_copy(network, dtype):
    """A float32 copy of `network` whose weights are rounded to `dtype`."""
    copy = network.__class__.from_config(network.get_config())
    with np.errstate(over="ignore"):  # Overflow to Inf is what is measured.
        copy.set_weights([np.asarray(w).astype(dtype).astype(w.dtype) if w.dtype.kind == "f"
                          else w for w in network.get_weights()])
    return copy


def parity_error(diffs, failed, expected, network, run):
    """The `ExportError` for a failed parity check, saying whose fault it is.

    The model is at fault when its own outputs do not survive the arithmetic
    of the failing form: when computing it in float64 instead of float32
    moves them by more than the float32 tolerance (weights blown up by too
    high a learning rate, say), or, for the float16 form, when rounding its
    weights to float16 alone moves them by more than that form's tolerance.
    Otherwise the exporter is at fault.

    Args:
        expected: array. The Keras model's float32 outputs.
        network: the exported float32 keras.Model.
        run: function(network, dtype) -> outputs of `network` for the checked
            inputs cast to `dtype`.
    """
    found = ", ".join(f"{k} max abs diff {diffs[k]:.3g}" for k in failed)
    largest = max((float(np.abs(w).max()) for w in network.get_weights() if w.size), default=0.0)

    def drift(make, dtype):
        try:
            outputs = np.asarray(run(make(), dtype), "float64")
        except Exception:  # A layer without float64 kernels: no verdict.
            return None
        return float(np.nan_to_num(np.abs(outputs - np.asarray(expected, "float64")), nan=np.inf).max())

    def amount(d):
        return f"by {d:.3g}" if np.isfinite(d) else "to NaN or Inf"

    reasons, verdicts = [], []
    if any(k != "tflite_float16" for k in failed):
        d = drift(lambda: float64_copy(network), "float64")
        verdicts.append(d)
        if d is not None and d > TOLERANCES["saved_model"]:
            reasons.append(f"its outputs change {amount(d)} between float32 and float64 arithmetic")
    if "tflite_float16" in failed:
        d = drift(lambda: _rounded_copy(network, "float16"), "float32")
        verdicts.append(d)
        if d is not None and d > TOLERANCES["tflite_float16"]:
            reasons.append(f"rounding its weights to float16 alone changes its outputs {amount(d)}")
    if reasons:
        return ExportError(
            f"The export does not match the Keras model ({found}) because the model itself "
            f"is numerically unstable: {' and '.join(reasons)} (largest weight {largest:.3g}); "
            "retrain with lower learning rates or export an earlier checkpoint.")
    if None in verdicts:
        return ExportError(
            f"The export does not match the Keras model ({found}); the model could not be "
            "recomputed in float64 to tell whether it or the exporter is at fault; please "
            "report this with the model file.")
    return ExportError(
        f"The export does not match the Keras model ({found}), although the model is "
        "numerically stable (it gives the same outputs in float64 and with float16 weights): "
        "the exporter is at fault; please report this with the model file.")
