"""Improved precision and recall (Kynkaanniemi et al., 2019): k-NN manifolds of features."""

import numpy as np


def _pairwise_distances(a, b):
    squared = (a * a).sum(1)[:, None] - 2.0 * a @ b.T + (b * b).sum(1)[None, :]
    return np.sqrt(np.clip(squared, 0.0, None))


def _radii(features, k, batch_size):
    """Distance of each row to its k-th nearest other row."""
    radii = np.empty(features.shape[0])
    for start in range(0, features.shape[0], batch_size):
        d = _pairwise_distances(features[start:start + batch_size], features)
        radii[start:start + batch_size] = np.partition(d, k, axis=1)[:, k]  # [:, 0] is self
    return radii


def _coverage(manifold, radii, queries, batch_size):
    """Fraction of queries inside at least one ball (manifold row, its radius)."""
    inside = 0
    for start in range(0, queries.shape[0], batch_size):
        d = _pairwise_distances(queries[start:start + batch_size], manifold)
        inside += int(np.any(d <= radii[None, :], axis=1).sum())
    return inside / queries.shape[0]


def precision_recall(real_features, fake_features, k=3, batch_size=1000):
    """Improved precision (samples on the data manifold) and recall (data on the samples').

    Each set's manifold is the union of balls around its points with radius
    the distance to the point's k-th nearest neighbour in the same set.
    Precision is the fraction of fake points inside the real manifold, recall
    the fraction of real points inside the fake manifold. Distances are
    computed in blocks of `batch_size` rows, so memory is
    `batch_size x n` at a time.

    Args:
        real_features, fake_features: `[n, d]` features.
        k: the neighbourhood size (3 in the paper).
        batch_size: rows per distance block.

    Returns:
        `{"precision": float, "recall": float}`.

    Examples:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 4))
    >>> precision_recall(x, x)
    {'precision': 1.0, 'recall': 1.0}
    """
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"Expected two feature arrays [n, d] with one d. Received: shapes "
                         f"{real.shape} and {fake.shape}")
    if not isinstance(k, int) or k < 1 or k >= min(real.shape[0], fake.shape[0]):
        raise ValueError(f"`k` must be an integer in [1, n) for both sets. Received: k={k!r} "
                         f"with {real.shape[0]} real and {fake.shape[0]} fake rows")
    real_radii = _radii(real, k, batch_size)
    fake_radii = _radii(fake, k, batch_size)
    return {"precision": _coverage(real, real_radii, fake, batch_size),
            "recall": _coverage(fake, fake_radii, real, batch_size)}
