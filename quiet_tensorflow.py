"""What must happen before TensorFlow is imported: the oneDNN choice for this
CPU, and, for the command-line tools, an import without start-up noise.

A module beside train.py and export.py rather than inside keras_gan: importing
anything from the package imports TensorFlow, and this must run first. The
package's own tools (`python -m keras_gan.generate`, ...) get the quiet import
from keras_gan/__init__.py, which calls it before its first import when Python
runs one of them with -m, and every `import keras_gan` made before TensorFlow's
gets the oneDNN choice; setup.cfg installs this module with the package.
"""

import contextlib
import os
import platform
import re
import sys
import tempfile

# TensorFlow turns its oneDNN kernels on by itself only on x86 CPUs with one of
# these (IsMKLEnabled in tensorflow/core/util/util.cc); elsewhere its float32
# convolutions run in Eigen unless TF_ENABLE_ONEDNN_OPTS=1 is set before import.
TF_ONEDNN_CPU_FLAGS = ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8",
                       "amx_bf16")
# oneDNN's AVX2 kernels (brgemm convolutions, jit matmul) need these.
ONEDNN_AVX2_FLAGS = ("avx2", "fma")
# What keras_gan set, for the report after import.
ONEDNN_SET_BY = "KERAS_GAN_ONEDNN_SET"


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


def onednn_choice(flags=None, machine=None, environ=None):
    """Returns `(value, reason)`: what TF_ENABLE_ONEDNN_OPTS should be set to
    before TensorFlow is imported (`None`: leave it alone) and why.

    On an x86 CPU with AVX2 and FMA that TensorFlow does not turn oneDNN on
    for (no AVX-512 VNNI/BF16, AVX-VNNI or AMX: e.g. AMD Zen 2 and 3, Intel
    before Ice Lake), "1": there a float32 DCGAN fit step ran 1.24x faster
    with oneDNN and a 4096^3 matmul 2x (README, "Speed"). A value the user
    set wins; other CPUs keep TensorFlow's default.
    """
    environ = os.environ if environ is None else environ
    if "TF_ENABLE_ONEDNN_OPTS" in environ and ONEDNN_SET_BY not in environ:
        return None, f"set by TF_ENABLE_ONEDNN_OPTS={environ['TF_ENABLE_ONEDNN_OPTS']}"
    machine = (platform.machine() if machine is None else machine).lower()
    if machine not in ("x86_64", "amd64"):
        return None, f"TensorFlow's default on {machine}"
    flags = cpu_flags() if flags is None else set(flags)
    own = [f for f in TF_ONEDNN_CPU_FLAGS if f in flags]
    if own:
        return None, f"TensorFlow's default: on, the CPU has {own[0]}"
    if all(f in flags for f in ONEDNN_AVX2_FLAGS):
        return "1", ("turned on: TensorFlow leaves it off on CPUs without AVX-512 VNNI/BF16, "
                     "AVX-VNNI or AMX, and its AVX2 kernels are faster than Eigen's; "
                     "TF_ENABLE_ONEDNN_OPTS=0 turns it off")
    return None, "TensorFlow's default: off, the CPU has no AVX2/FMA"


def apply_onednn_choice():
    """Sets TF_ENABLE_ONEDNN_OPTS as `onednn_choice()` says, unless TensorFlow
    is imported already (then it is too late, and nothing changes)."""
    if "tensorflow" in sys.modules:
        return
    value, reason = onednn_choice()
    if value is not None:
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = value
        os.environ[ONEDNN_SET_BY] = reason


def import_tensorflow_quietly():
    """Imports TensorFlow without the start-up notices it prints to stderr.

    TensorFlow writes its oneDNN and CUDA-stub notices before it reads
    TF_CPP_MIN_LOG_LEVEL, and on a machine without a GPU driver a cuInit
    error when it first looks for GPUs: alarming noise for a CPU user. Those
    lines are dropped; anything else written meanwhile is passed on.
    KERAS_GAN_TF_LOGS=1 keeps everything (and TensorFlow's INFO logs).
    The oneDNN choice (`apply_onednn_choice`) is made first either way.
    """
    apply_onednn_choice()
    if os.environ.get("KERAS_GAN_TF_LOGS"):
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    noise = [r"before absl::InitializeLog\(\) is called", r"oneDNN custom operations",
             r"cudart_stub\.cc", r"cpu_feature_guard\.cc", r"To enable the following instructions"]
    if not os.path.exists("/proc/driver/nvidia"):  # No driver: the CUDA probe fails, as it should.
        noise += [r"cuInit", r"cuda_(platform|diagnostics|executor)\.cc"]
    with dropping_stderr_lines(noise):
        import tensorflow as tf

        tf.config.list_physical_devices()  # The GPU probe, while stderr is captured.


@contextlib.contextmanager
def dropping_stderr_lines(patterns):
    """Captures what the process (C++ included) writes to stderr meanwhile and
    passes it on without the lines matching any of the regex `patterns`.
    KERAS_GAN_TF_LOGS=1 passes everything."""
    if os.environ.get("KERAS_GAN_TF_LOGS"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            pattern = re.compile("|".join(patterns))
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not pattern.search(line):
                    sys.stderr.write(line)
