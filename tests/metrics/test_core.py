"""The metric core on activations: statistics, Frechet distance, KID, IS, precision/recall."""

import numpy as np
import pytest

from kerasgan.metrics import (
    RunningStatistics,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)


def _random_covariance(rng, d, n=None):
    x = rng.normal(size=(n or 3 * d, d)) @ rng.normal(size=(d, d))
    return np.cov(x, rowvar=False)


def _reference_frechet(mu1, s1, mu2, s2):
    """An independent float64 computation: eigenvalues of the (non-symmetric) product."""
    eigenvalues = np.linalg.eigvals(s1 @ s2)
    trace_root = np.sum(np.sqrt(np.clip(eigenvalues.real, 0.0, None)))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_root)


def test_streaming_statistics_equal_the_batch_statistics():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1003, 16)) * rng.uniform(0.1, 10, 16) + rng.normal(size=16) * 100
    stats = RunningStatistics(16)
    for start, stop in ((0, 1), (1, 300), (300, 301), (301, 1003)):
        stats.update(x[start:stop])
    assert stats.count == 1003
    np.testing.assert_allclose(stats.mean, x.mean(axis=0), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(stats.covariance(), np.cov(x, rowvar=False), rtol=1e-10,
                               atol=1e-10)
    left, right = RunningStatistics(16).update(x[:500]), RunningStatistics(16).update(x[500:])
    np.testing.assert_allclose(left.merge(right).covariance(), np.cov(x, rowvar=False),
                               rtol=1e-10, atol=1e-10)


def test_statistics_round_trip_and_validation(tmp_path):
    x = np.random.default_rng(1).normal(size=(20, 4))
    stats = RunningStatistics(4).update(x)
    stats.save(tmp_path / "s.npz")
    loaded = RunningStatistics.load(tmp_path / "s.npz")
    np.testing.assert_allclose(loaded.covariance(), stats.covariance())
    assert loaded.count == 20
    with pytest.raises(ValueError, match=r"Expected activations of shape \[n, 4\]"):
        stats.update(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        stats.update(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="at least 2 samples"):
        RunningStatistics(4).update(x[:1]).covariance()


def test_frechet_distance_basic_properties():
    rng = np.random.default_rng(2)
    mu1, mu2 = rng.normal(size=32), rng.normal(size=32)
    s1, s2 = _random_covariance(rng, 32), _random_covariance(rng, 32)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
        frechet_distance(mu2, s2, mu1, s1), rel=1e-9)
    assert frechet_distance(mu1, s1, mu2, s2) > 1.0


def test_frechet_distance_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(3)
    mu1, mu2 = rng.normal(size=10), rng.normal(size=10)
    v1, v2 = rng.uniform(0.1, 3, 10), rng.uniform(0.1, 3, 10)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected,
                                                                               rel=1e-10)


def test_frechet_distance_matches_an_independent_float64_computation():
    rng = np.random.default_rng(4)
    for d in (8, 64, 256):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        s1, s2 = _random_covariance(rng, d), _random_covariance(rng, d)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
            _reference_frechet(mu1, s1, mu2, s2), rel=1e-6)


def test_frechet_distance_is_finite_on_rank_deficient_covariances():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(10, 64)), rng.normal(size=(10, 64)) + 0.5
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    assert np.linalg.matrix_rank(s1) < 64
    value = frechet_distance(a.mean(0), s1, b.mean(0), s2)
    assert np.isfinite(value) and value > 0
    with pytest.raises(ValueError, match=r"covariances must have shape \[64, 64\]"):
        frechet_distance(a.mean(0), s1, b.mean(0), s2[:10, :10])


def test_kid_is_near_zero_for_one_distribution_and_positive_for_shifted():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    same, same_std = kernel_inception_distance(a, b, num_subsets=20, subset_size=300)
    shifted, _ = kernel_inception_distance(a, b + 0.5, num_subsets=20, subset_size=300)
    assert abs(same) < 3 * same_std + 1e-3
    assert shifted > 20 * abs(same) and shifted > 0.01
    with pytest.raises(ValueError, match="at least 2 rows"):
        kernel_inception_distance(a[:1], b)


def test_inception_score_limits():
    identical = np.tile([[0.7, 0.2, 0.1]], (100, 1))
    assert inception_score(identical, splits=5)[0] == pytest.approx(1.0, abs=1e-9)
    confident = np.eye(8)[np.arange(400) % 8]
    mean, std = inception_score(confident, splits=10)
    assert mean == pytest.approx(8.0, rel=1e-9) and std == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="not logits"):
        inception_score(np.random.default_rng(0).normal(size=(20, 4)), splits=2)


def test_precision_recall_sees_dropped_modes():
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 8)) * 20
    real = np.concatenate([c + rng.normal(size=(100, 8)) for c in centres])
    full = np.concatenate([c + rng.normal(size=(100, 8)) for c in centres])
    half = np.concatenate([c + rng.normal(size=(200, 8)) for c in centres[:2]])
    assert precision_recall(real, real) == {"precision": 1.0, "recall": 1.0}
    baseline = precision_recall(real, full, k=3, batch_size=64)
    dropped = precision_recall(real, half, k=3, batch_size=64)
    # Samples of the same modes stay on the data manifold (precision as the baseline's),
    # but half the data is no longer covered (recall about halves).
    assert dropped["precision"] > 0.9 * baseline["precision"] > 0.6
    assert dropped["recall"] < 0.6 * baseline["recall"]
    assert baseline["recall"] > 0.6
