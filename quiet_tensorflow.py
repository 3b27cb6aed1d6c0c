"""Importing TensorFlow without its start-up noise, for the command-line tools.

A module beside train.py and export.py rather than inside keras_gan: importing
anything from the package imports TensorFlow, and this must run first. The
package's own tools (`python -m keras_gan.generate`, ...) get it from
keras_gan/__init__.py, which calls it before its first import when Python runs
one of them with -m; setup.cfg installs this module with the package for them.
"""

import contextlib
import os
import re
import sys
import tempfile


def import_tensorflow_quietly():
    """Imports TensorFlow without the start-up notices it prints to stderr.

    TensorFlow writes its oneDNN and CUDA-stub notices before it reads
    TF_CPP_MIN_LOG_LEVEL, and on a machine without a GPU driver a cuInit
    error when it first looks for GPUs: alarming noise for a CPU user. Those
    lines are dropped; anything else written meanwhile is passed on.
    KERAS_GAN_TF_LOGS=1 keeps everything (and TensorFlow's INFO logs).
    """
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
