"""Choosing the compute precision for the machine at hand.

bfloat16 pays only where the hardware multiplies in it: CPUs with the AVX-512
BF16 dot-product instructions (`avx512_bf16`, e.g. AMD Zen 4, Intel Cooper
Lake) or AMX tiles (`amx_bf16`, Intel Sapphire Rapids and later), and GPUs of
compute capability 8.0 or newer. Elsewhere TensorFlow emulates it and float32
is faster. `choose()` reads what this machine offers instead of assuming.

    policy, reason = keras_gan.precision.choose()      # "mixed_bfloat16", "CPU has avx512_bf16"
"""

import os

__all__ = ["PRECISIONS", "choose", "resolve", "cpu_flags"]

# Values of train.py --precision.
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_flags(path="/proc/cpuinfo"):
    """The CPU feature flags the kernel reports (an empty set where it reports none)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _gpu_bf16():
    # Only asks TensorFlow when it is already imported and sees a GPU; no
    # import here, so the CPU path stays cheap.
    import sys

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
