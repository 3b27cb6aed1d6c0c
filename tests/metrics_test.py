import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import metrics


def spd(dim, seed):
    a = np.random.default_rng(seed).normal(size=(dim, dim))
    return a @ a.T / dim + 0.1 * np.eye(dim)


def grid(n=10):
    # Integer coordinates: squared distances are exact, so ties are exact too.
    axis = np.arange(n, dtype="float64")
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


# === Fréchet distance ===


def test_feature_statistics_is_mean_and_unbiased_covariance():
    x = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
    mu, sigma = metrics.feature_statistics(x)
    assert mu.dtype == sigma.dtype == np.float64
    np.testing.assert_allclose(mu, x.astype("float64").mean(0))
    centred = x.astype("float64") - mu
    np.testing.assert_allclose(sigma, centred.T @ centred / 49)


def test_frechet_distance_to_itself_is_zero():
    x = np.random.default_rng(0).normal(size=(400, 16))
    stats = metrics.feature_statistics(x)
    assert abs(metrics.frechet_distance(*stats, *stats)) < 1e-6


def test_frechet_distance_of_a_mean_shift_is_squared_norm():
    mu, sigma = metrics.feature_statistics(np.random.default_rng(1).normal(size=(300, 8)))
    d = np.linspace(-1.0, 2.0, 8)
    assert metrics.frechet_distance(mu, sigma, mu + d, sigma) == pytest.approx(d @ d, rel=1e-9)


def test_frechet_distance_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.1, 3.0, 6), rng.uniform(0.1, 3.0, 6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2) + np.sum((mu1 - mu2) ** 2)
    value = metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert value == pytest.approx(expected, rel=1e-10)
    assert metrics.frechet_distance(mu2, np.diag(b), mu1, np.diag(a)) == pytest.approx(value, rel=1e-10)
    # Rotated, with zero variances: round-off makes some eigenvalues negative.
    a[:3] = 0.0
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2) + np.sum((mu1 - mu2) ** 2)
    value = metrics.frechet_distance(mu1, q @ np.diag(a) @ q.T, mu2, q @ np.diag(b) @ q.T)
    assert value == pytest.approx(expected, abs=1e-7)


def test_frechet_distance_matches_eigen_sqrtm_on_random_spd():
    dim = 64
    s1, s2 = spd(dim, 3), spd(dim, 4)
    mu1, mu2 = np.zeros(dim), np.full(dim, 0.1)
    # Direct square root of the non-symmetric product s1 s2 = V diag(w) V^-1.
    w, v = np.linalg.eig(s1 @ s2)
    root = (v * np.sqrt(w)) @ np.linalg.inv(v)
    np.testing.assert_allclose((root @ root).real, s1 @ s2, atol=1e-8)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * root).real
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)
    assert metrics.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_is_robust_to_singular_covariances():
    rng = np.random.default_rng(5)
    # 20 samples in 32 dims, and a second set on a 3-D subspace: both rank-deficient.
    x = rng.normal(size=(20, 32))
    y = rng.normal(size=(50, 3)) @ rng.normal(size=(3, 32))
    sx, sy = metrics.feature_statistics(x), metrics.feature_statistics(y)
    value = metrics.frechet_distance(*sx, *sy)
    # Independently of any matrix square root: with sigma_x = A^T A and sigma_y = B^T B
    # (A, B the centred samples over sqrt(n - 1)), Tr (sigma_x sigma_y)^(1/2) is the sum
    # of the singular values of A B^T.
    a = (x - x.mean(0)) / np.sqrt(len(x) - 1)
    b = (y - y.mean(0)) / np.sqrt(len(y) - 1)
    expected = (np.sum((x.mean(0) - y.mean(0)) ** 2) + np.sum(a**2) + np.sum(b**2)
                - 2 * np.linalg.svd(a @ b.T, compute_uv=False).sum())
    # The square roots of round-off eigenvalues of the singular matrices cost ~1e-8 relative.
    assert value == pytest.approx(expected, rel=1e-7)
    for mu, sigma in (sx, sy):
        assert 0 <= metrics.frechet_distance(mu, sigma, mu, sigma) < 1e-6 * np.trace(sigma)


def test_frechet_distance_validates_shapes():
    mu, sigma = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match=r"mu2 must have shape \(3\)\. Received: mu2.shape=\(4,\)"):
        metrics.frechet_distance(mu, sigma, np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="sigma2"):
        metrics.frechet_distance(mu, sigma, mu, np.eye(4))
    with pytest.raises(ValueError, match="sigma1"):
        metrics.frechet_distance(mu, np.full((3, 3), np.nan), mu, sigma)
    with pytest.raises(ValueError, match=r"Received: features.shape=\(1, 3\)"):
        metrics.feature_statistics(np.zeros((1, 3)))


# === Kernel distance ===


def brute_force_mmd(x, y, degree, gamma, coef0):
    k = lambda a, b: (gamma * a @ b + coef0) ** degree  # noqa: E731
    m = len(x)
    pairs = [(i, j) for i, j in itertools.product(range(m), repeat=2) if i != j]
    xx = sum(k(x[i], x[j]) for i, j in pairs) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in pairs) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    return xx + yy - 2 * xy


def test_kernel_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 3)), rng.normal(0.5, 1.0, size=(6, 3))
    # Subsets of the whole set are permutations: every estimate is the same.
    mean, std = metrics.kernel_distance(x, y, num_subsets=3, subset_size=100)
    assert mean == pytest.approx(brute_force_mmd(x, y, 3, 1 / 3, 1), rel=1e-10)
    assert std < 1e-12
    mean, _ = metrics.kernel_distance(x, y, 2, 6, degree=2, gamma=0.5, coef0=0.3)
    assert mean == pytest.approx(brute_force_mmd(x, y, 2, 0.5, 0.3), rel=1e-10)


@pytest.mark.parametrize("n,subset_size,num_subsets", [
    (40, 8, 4),  # few small subsets of many rows: a kernel per subset
    (12, 10, 20),  # many subsets of most rows: the whole kernel once
])
def test_kernel_distance_is_the_mean_of_each_subsets_brute_force_mmd(
        n, subset_size, num_subsets):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(n, 3)), rng.normal(0.5, 1.0, size=(n + 3, 3))
    mean, std = metrics.kernel_distance(x, y, num_subsets, subset_size, degree=3, seed=5)
    draws = np.random.default_rng(5)  # the subsets, drawn as documented: real, then fake
    estimates = []
    for _ in range(num_subsets):
        rows_x = draws.choice(len(x), subset_size, replace=False)
        rows_y = draws.choice(len(y), subset_size, replace=False)
        estimates.append(brute_force_mmd(x[rows_x], y[rows_y], 3, 1 / 3, 1))
    assert mean == pytest.approx(np.mean(estimates), rel=1e-10)
    assert std == pytest.approx(np.std(estimates), rel=1e-8)


def test_kernel_distance_is_unbiased_and_detects_a_shift():
    rng = np.random.default_rng(1)
    real, same = rng.normal(size=(5000, 16)), rng.normal(size=(5000, 16))
    shifted = rng.normal(0.3, 1.0, size=(5000, 16))
    same_mean, _ = metrics.kernel_distance(real, same, num_subsets=50, subset_size=100)
    shift_mean, shift_std = metrics.kernel_distance(real, shifted, num_subsets=50, subset_size=100)
    # Keeping the diagonals (the biased V-statistic) would give about +0.15 here.
    assert abs(same_mean) < 0.02
    assert shift_mean > 0.2 and shift_mean > 10 * shift_std / np.sqrt(50)
    # Identical sets: subsets drawn from one sample, ~0. Shared rows make it
    # slightly negative (about -2 (E k(x, x) - E k(x, y)) / n).
    self_mean, _ = metrics.kernel_distance(real, real, num_subsets=50, subset_size=100)
    assert -0.02 < self_mean < 0.01


def test_kernel_distance_validates_arguments():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="fake_features"):
        metrics.kernel_distance(x, np.zeros((10, 4)))
    with pytest.raises(ValueError, match="num_subsets=0"):
        metrics.kernel_distance(x, x, num_subsets=0)
    with pytest.raises(ValueError, match="subset_size=1"):
        metrics.kernel_distance(x, x, subset_size=1)
    with pytest.raises(ValueError, match="gamma=-1"):
        metrics.kernel_distance(x, x, gamma=-1)


# === Classifier (Inception) score ===


def test_classifier_score_extremes():
    assert metrics.classifier_score(np.full((40, 5), 0.2), splits=4) == pytest.approx((1.0, 0.0))
    # One-hot spread evenly over 5 classes within each split.
    even = np.eye(5)[np.arange(40) % 5]
    mean, std = metrics.classifier_score(even, splits=4)
    assert mean == pytest.approx(5.0) and std == pytest.approx(0.0, abs=1e-12)
    assert metrics.classifier_score(np.eye(5)[np.zeros(40, int)], splits=4)[0] == pytest.approx(1.0)


def test_classifier_score_splits_use_their_own_marginal():
    # Each half is one class: every split scores 1, the whole set scores 2.
    halves = np.eye(2)[np.repeat([0, 1], 10)]
    assert metrics.classifier_score(halves, splits=2)[0] == pytest.approx(1.0)
    assert metrics.classifier_score(halves, splits=1)[0] == pytest.approx(2.0)


def test_classifier_score_matches_direct_formula():
    logits = np.random.default_rng(0).normal(size=(30, 4)) * 3
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    kl = np.sum(p * (np.log(p) - np.log(p.mean(0))), axis=1)
    assert metrics.classifier_score(p, splits=1)[0] == pytest.approx(np.exp(kl.mean()), rel=1e-12)


def test_classifier_score_validates_arguments():
    with pytest.raises(ValueError, match="probabilities"):
        metrics.classifier_score(np.ones((4, 3)))
    with pytest.raises(ValueError, match="splits=5"):
        metrics.classifier_score(np.full((4, 2), 0.5), splits=5)


# === Precision and recall ===


def brute_force_precision_recall(real, fake, k):
    def radii(x):
        return np.array([sorted(np.linalg.norm(x - p, axis=1))[k] for p in x])

    def share_inside(points, centres, r):
        return np.mean(
            [any(np.linalg.norm(p - c) <= rc for c, rc in zip(centres, r)) for p in points]
        )

    return share_inside(fake, real, radii(real)), share_inside(real, fake, radii(fake))


def test_precision_recall_on_a_grid():
    real = grid()
    assert metrics.precision_recall(real, real.copy()) == (1.0, 1.0)
    assert metrics.precision_recall(real, real + 100.0) == (0.0, 0.0)
    corner = real[(real[:, 0] < 5) & (real[:, 1] < 5)]
    precision, recall = metrics.precision_recall(real, corner)
    assert precision == 1.0
    # The 5x5 corner block covers itself, its outer row, column and diagonal.
    assert recall == pytest.approx((25 + 5 + 5 + 1) / 100)


def test_precision_recall_matches_brute_force_with_chunks():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(40, 3)), rng.normal(1.0, 0.9, size=(33, 3))
    expected = brute_force_precision_recall(real, fake, k=4)
    assert 0 < expected[0] < 1 and 0 < expected[1] < 1
    for batch_size in (7, 10000):
        result = metrics.precision_recall(real, fake, k=4, batch_size=batch_size)
        assert result == pytest.approx(expected)


def test_precision_recall_validates_arguments():
    x = grid(3)
    with pytest.raises(ValueError, match="k=0"):
        metrics.precision_recall(x, x, k=0)
    with pytest.raises(ValueError, match="fake_features"):
        metrics.precision_recall(x, x[:3], k=3)
    with pytest.raises(ValueError, match=r"fake_features must have shape \(n>=4, 2\)"):
        metrics.precision_recall(x, np.zeros((9, 3)))
    with pytest.raises(ValueError, match="batch_size"):
        metrics.precision_recall(x, x, batch_size=0)


# === Streaming metrics ===


def batches(x, sizes=(1, 5, 17, 3, 40, 9, 25)):
    bounds = np.cumsum((0,) + sizes)
    assert bounds[-1] == len(x) and len(sizes) == 7
    return [x[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def test_frechet_distance_metric_streams_exactly():
    rng = np.random.default_rng(0)
    reference = metrics.feature_statistics(rng.normal(size=(200, 6)))
    fake = rng.normal(0.2, 1.3, size=(100, 6)).astype("float32")
    fid = metrics.FrechetDistance(*reference)
    assert all(v.dtype == "float64" for v in fid.variables)
    assert np.isnan(float(fid.result()))
    for batch in batches(fake):
        fid.update_state(batch)
    expected = metrics.frechet_distance(*metrics.feature_statistics(fake), *reference)
    assert float(fid.result()) == pytest.approx(expected, rel=1e-6)
    fid.reset_state()
    assert np.isnan(float(fid.result()))
    # update_state also traces inside a tf.function.
    update = tf.function(fid.update_state)
    for batch in batches(fake):
        update(tf.constant(batch))
    assert float(fid.result()) == pytest.approx(expected, rel=1e-6)


def test_classifier_score_metric_streams_exactly():
    logits = np.random.default_rng(0).normal(size=(100, 7)) * 2
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    p[:5] = np.eye(7)[:5]  # zeros must not give NaN
    score = metrics.ClassifierScore(num_classes=7)
    for batch in batches(p):
        score.update_state(batch)
    expected = metrics.classifier_score(p, splits=1)[0]
    assert float(score.result()) == pytest.approx(expected, rel=1e-10)
    score.reset_state()
    score.update_state(np.full((4, 7), 1 / 7))
    assert float(score.result()) == pytest.approx(1.0)


def test_kernel_distance_metric_keeps_the_first_max_samples():
    rng = np.random.default_rng(0)
    reference, fake = rng.normal(size=(60, 4)), rng.normal(1.0, 1.0, size=(100, 4))
    kid = metrics.KernelDistance(reference, max_samples=50, num_subsets=5, subset_size=30)
    for batch in batches(fake):
        kid.update_state(batch)
    assert int(kid.count.numpy()) == 50 and kid.buffer.shape == (50, 4)
    np.testing.assert_array_equal(kid.buffer.numpy(), fake[:50])
    expected = metrics.kernel_distance(reference, fake[:50], 5, 30)[0]
    assert float(kid.result()) == pytest.approx(expected, rel=1e-12)
    kid.reset_state()
    assert int(kid.count.numpy()) == 0 and np.isnan(float(kid.result()))
    # The buffer update also traces (dynamic batch size) inside a tf.function.
    update = tf.function(kid.update_state)
    update(tf.constant(fake[50:53]))
    update(tf.constant(fake[53:100]))
    np.testing.assert_array_equal(kid.buffer.numpy(), fake[50:100])
    with pytest.raises(RuntimeError, match="eager"):
        tf.function(kid.result)()


def test_streaming_metrics_round_trip_their_config():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(20, 3))
    for metric in (
        metrics.FrechetDistance(*metrics.feature_statistics(reference), name="my_fid"),
        metrics.ClassifierScore(num_classes=3),
        metrics.KernelDistance(reference, max_samples=10, num_subsets=4, subset_size=8, seed=3),
    ):
        restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
        assert type(restored) is type(metric)
        assert restored.get_config() == metric.get_config()
        batch = np.full((12, 3), 1 / 3) + rng.normal(size=(12, 3)) * 0.01
        batch /= batch.sum(1, keepdims=True)
        metric.update_state(batch)
        restored.update_state(batch)
        assert float(restored.result()) == pytest.approx(float(metric.result()))


def test_streaming_metrics_validate_arguments():
    with pytest.raises(ValueError, match="reference_sigma"):
        metrics.FrechetDistance(np.zeros(3), np.eye(4))
    with pytest.raises(ValueError, match="num_classes=0"):
        metrics.ClassifierScore(num_classes=0)
    with pytest.raises(ValueError, match="max_samples=1"):
        metrics.KernelDistance(np.zeros((5, 2)), max_samples=1)
    with pytest.raises(ValueError, match="features"):
        metrics.FrechetDistance(np.zeros(3), np.eye(3)).update_state(np.zeros((4, 2)))
