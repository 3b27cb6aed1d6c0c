import os
import re

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _section_code(title):
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_starts_with_exactly_two_commands():
    text = open(os.path.join(ROOT, "README.md")).read()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [l for l in first_block.splitlines() if l.strip()]
    assert len(commands) == 2
    assert "python train.py" in commands[0] and "pytest" in commands[1]
    ci = open(os.path.join(ROOT, ".ci", "run")).read()
    test_command = commands[1].split("#")[0].strip()
    assert test_command in ci


@pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="needs the dataset-fashion-mnist Debian package",
)
def test_quickstart_runs(tmp_path, monkeypatch):
    (code,) = _section_code("Quickstart")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md:Quickstart", "exec"), namespace)
    assert namespace["images"].shape == (16, 28, 28, 1)
    assert os.path.exists(tmp_path / "samples" / "samples_epoch_0001.png")
    gan, restored = namespace["gan"], namespace["restored"]
    np.testing.assert_array_equal(gan.generate(4, seed=1), restored.generate(4, seed=1))
    # "optimizer state kept": both optimizers' step counters and moments.
    assert int(restored.g_optimizer.iterations) == int(gan.g_optimizer.iterations) == 100
    for optimizer in ("d_optimizer", "g_optimizer"):
        saved = getattr(gan, optimizer).variables
        loaded = getattr(restored, optimizer).variables
        assert len(saved) == len(loaded) > 2
        for a, b in zip(saved, loaded):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
