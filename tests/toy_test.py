import numpy as np
import pytest

from keras_gan import toy


def test_mixture_covers_every_mode():
    modes = toy.ring_modes(8, 2.0)
    score = toy.mode_coverage(toy.sample_mixture(modes, 4000, 0.02, seed=0), modes, 0.02)
    assert score["modes_covered"] == 8 and score["coverage"] == 1.0
    assert score["high_quality"] > 0.97  # 3 std in 2-D holds ~98.9%


def test_collapse_and_off_mode_samples_are_caught():
    modes = toy.grid_modes(5, 2.0)
    assert modes.shape == (25, 2) and np.allclose(modes.mean(0), 0)
    one = toy.sample_mixture(modes[:1], 1000, 0.02, seed=1)
    assert toy.mode_coverage(one, modes, 0.02)["modes_covered"] == 1
    between = modes[:10] + 1.0  # halfway between grid modes
    score = toy.mode_coverage(between, modes, 0.02)
    assert score["high_quality"] == 0 and score["modes_covered"] == 0


def test_a_few_strays_do_not_count_as_a_mode():
    modes = toy.ring_modes(8, 2.0)
    points = np.concatenate([toy.sample_mixture(modes[:1], 990, 0.02, seed=2),
                             toy.sample_mixture(modes[1:2], 10, 0.02, seed=3)])
    score = toy.mode_coverage(points, modes, 0.02)
    # Counted here: the points within 3 std of the mode they were drawn around.
    near = [int((np.linalg.norm(points[:990] - modes[0], axis=1) <= 0.06).sum()),
            int((np.linalg.norm(points[990:] - modes[1], axis=1) <= 0.06).sum())]
    assert score["per_mode"] == near + [0] * 6 and 0 < near[1] <= 10
    assert score["high_quality"] == pytest.approx(sum(near) / 1000)
    assert score["modes_covered"] == 1


def test_dataset_batches():
    batch = next(iter(toy.dataset(toy.ring_modes(), batch_size=32, num=1000)))
    assert batch.shape == (32, 2)
