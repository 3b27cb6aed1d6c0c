"""Choosing the compute precision for the machine at hand.

bfloat16 pays only where the hardware multiplies in it: CPUs with the AVX-512
BF16 dot-product instructions (`avx512_bf16`, e.g. AMD Zen 4, Intel Cooper
Lake) or AMX tiles (`amx_bf16`, Intel Sapphire Rapids and later), and GPUs of
compute capability 8.0 or newer. Elsewhere TensorFlow emulates it and float32
is faster. `choose()` reads what this machine offers instead of assuming.

    policy, reason = keras_gan.precision.choose()      # "mixed_bfloat16", "CPU has avx512_bf16"

TensorFlow's oneDNN kernels are chosen per machine too, before TensorFlow is
imported (`quiet_tensorflow.onednn_choice`); `onednn()` says what this
process got.
"""

import os
import sys

from quiet_tensorflow import ONEDNN_SET_BY
from quiet_tensorflow import cpu_flags
from quiet_tensorflow import onednn_choice

__all__ = ["PRECISIONS", "choose", "resolve", "cpu_flags", "cpu_name", "onednn"]

# Values of train.py --precision.
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_name(path="/proc/cpuinfo"):
    """The CPU as benchmarks report it: "AMD EPYC (family 26, model 2)"
    ("unknown CPU" where the kernel does not say)."""
    fields = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return "unknown CPU"
    if "model name" not in fields:
        return "unknown CPU"
    return (f"{fields['model name']} (family {fields.get('cpu family', '?')}, "
            f"model {fields.get('model', '?')})")


def _gpu_bf16():
    # Only asks TensorFlow when it is already imported and sees a GPU; no
    # import here, so the CPU path stays cheap.
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capability = details.get("compute_capability")
        if capability and tuple(capability) >= (8, 0):
            return f"GPU {details.get('device_name', gpu.name)} (compute capability " \
                   f"{capability[0]}.{capability[1]}) has bfloat16 units"
    return None


def choose(flags=None):
    """Returns `(policy, reason)`: the Keras dtype policy for this machine.

    Args:
        flags: set of str or None. CPU flags; None reads /proc/cpuinfo.
            Setting the environment variable KERAS_GAN_PRECISION to
            "float32" or "mixed_bfloat16" overrides the detection.
    """
    forced = os.environ.get("KERAS_GAN_PRECISION")
    if forced:
        if forced not in PRECISIONS[1:]:
            raise ValueError(
                "KERAS_GAN_PRECISION must be float32 or mixed_bfloat16. "
                f"Received: KERAS_GAN_PRECISION={forced!r}"
            )
        return forced, "set by KERAS_GAN_PRECISION"
    gpu = _gpu_bf16()
    if gpu:
        return "mixed_bfloat16", gpu
    flags = cpu_flags() if flags is None else set(flags)
    native = [f for f in _BF16_CPU_FLAGS if f in flags]
    if native:
        return "mixed_bfloat16", f"CPU has {', '.join(native)} (native bfloat16 dot products)"
    return "float32", "no native bfloat16 on this machine (no avx512_bf16/amx_bf16 CPU flag, no GPU)"


def resolve(precision):
    """Maps a --precision value to `(policy, reason)`; "auto" detects."""
    if precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {', '.join(PRECISIONS)}. Received: precision={precision!r}"
        )
    if precision == "auto":
        return choose()
    return precision, "asked for"


def onednn():
    """Returns `(on, reason)`: whether TensorFlow runs its oneDNN kernels in
    this process (None where it cannot tell), and why. Imports TensorFlow."""
    try:
        from tensorflow.python.util import _pywrap_util_port

        on = bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        return None, "this TensorFlow build does not say"
    if os.environ.get(ONEDNN_SET_BY):
        return on, os.environ[ONEDNN_SET_BY]
    value, reason = onednn_choice()
    if value is not None and not on:
        return on, ("TensorFlow was imported before keras_gan, which would have turned it on "
                    "for this CPU; set TF_ENABLE_ONEDNN_OPTS=1 before importing TensorFlow")
    return on, reason
