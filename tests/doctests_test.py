"""Every `Example:` in the package's docstrings runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import keras_gan


def _modules_with_examples():
    names = []
    for info in pkgutil.walk_packages(keras_gan.__path__, "keras_gan."):
        if info.name.endswith("__main__"):  # runs a command when imported
            continue
        module = importlib.import_module(info.name)
        # Examples marked +SKIP (MidiNet's, which read the music21 corpus and write
        # a cache) do not count.
        if any(not example.options.get(doctest.SKIP)
               for test in doctest.DocTestFinder().find(module) for example in test.examples):
            names.append(info.name)
    return names


MODULES = _modules_with_examples()


def test_the_package_has_examples_to_run():
    assert {"keras_gan.layers", "keras_gan.metrics.streaming"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
