"""Suite-wide settings: quiet TensorFlow, and under CI no proof may be skipped.

With CI=true (set by .ci/run) a test that would be skipped fails instead, and
the run stops before it starts when the Fashion-MNIST files are missing: a
green CI means every proof ran.
"""

import os
import subprocess
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _version(text):
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def pytest_configure(config):
    # Feature statistics go to a cache of this run, not to ~/.cache/keras_gan:
    # the suite leaves nothing in the home directory, and it pays what a fresh
    # machine (CI) pays (the training split's statistics, ~35 s, computed once:
    # the workers inherit the variable, and the cache's lock makes one of them
    # wait for the other). Set KERAS_GAN_CACHE to keep a cache between runs.
    if not hasattr(config, "workerinput") and "KERAS_GAN_CACHE" not in os.environ:
        import tempfile

        config._keras_gan_cache = tempfile.mkdtemp(prefix="keras_gan_cache_")
        os.environ["KERAS_GAN_CACHE"] = config._keras_gan_cache
    _check_loadgroup(config)


def pytest_unconfigure(config):
    directory = getattr(config, "_keras_gan_cache", None)
    if directory:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop("KERAS_GAN_CACHE", None)


def _check_loadgroup(config):
    # `--dist loadgroup` (setup.cfg) sends the tests that share a module
    # fixture to one worker, so the fixture is built once. pytest-xdist does
    # it by renaming each such test "name@group" in the worker, and pytest 9.2
    # ignores the rename (pytest-dev/pytest-xdist#1386): the groups scatter
    # silently and every worker builds the fixtures again (the mirrored-strategy
    # report, 80-90 s each). Stop at once rather than run slow.
    if config.getoption("dist", "no") != "loadgroup" or hasattr(config, "workerinput"):
        return
    from importlib.metadata import version

    if _version(pytest.__version__) >= (9, 2) and _version(version("pytest-xdist")) <= (3, 8, 0):
        raise pytest.UsageError(
            f"pytest {pytest.__version__} with pytest-xdist {version('pytest-xdist')} ignores "
            "--dist loadgroup's groups (pytest-dev/pytest-xdist#1386); install the versions "
            "constraints.txt allows (bash scripts/setup.sh), or pass --dist load."
        )


def pytest_sessionstart(session):
    if IN_CI and not os.path.isdir(FASHION_MNIST):
        raise pytest.UsageError(
            f"CI=true but {FASHION_MNIST} is missing: install the Debian package "
            "dataset-fashion-mnist (bash scripts/setup.sh does); under CI the tests "
            "that need it fail rather than skip."
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, which counts as a failure: {reason}"


def _write_idx(path, array):
    import gzip
    import struct

    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(">u1").tobytes())


@pytest.fixture(scope="session")
def tiny_fashion_mnist(tmp_path_factory):
    """A folder of IDX files holding the first 512 training and 256 test
    images of the real Fashion-MNIST: train.py loads it in a fraction of
    the time the full 60,000 images take."""
    if not os.path.isdir(FASHION_MNIST):
        pytest.skip("needs the dataset-fashion-mnist Debian package")
    from keras_gan.data import read_idx

    directory = tmp_path_factory.mktemp("tiny_fashion_mnist")
    for prefix, count in (("train", 512), ("t10k", 256)):
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{kind}-ubyte.gz"
            _write_idx(directory / name, read_idx(os.path.join(FASHION_MNIST, name))[:count])
    return str(directory)


@pytest.fixture(scope="session")
def run_script():
    """`run_script("train.py", *args, timeout=300, **subprocess_kwargs)`: a
    repository script run as a user runs it, in a subprocess from the
    repository root, its stdout and stderr captured as text."""

    def run(script, *args, timeout=300, **kwargs):
        return subprocess.run([sys.executable, os.path.join(ROOT, script), *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                              **kwargs)

    return run
