"""Kernel Inception Distance: the unbiased MMD^2 with a cubic polynomial kernel, over subsets."""

import numpy as np


def _polynomial_kernel(x, y):
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x, y):
    """The unbiased estimate of MMD^2 between samples `x` and `y` (same size m >= 2)."""
    m = x.shape[0]
    k_xx = _polynomial_kernel(x, x)
    k_yy = _polynomial_kernel(y, y)
    k_xy = _polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.mean())


def kernel_inception_distance(features1, features2, num_subsets=100, subset_size=1000, seed=0):
    """KID (Binkowski et al., 2018): mean and std of the unbiased MMD^2 over random subsets.

    The kernel is `k(x, y) = (x . y / d + 1)^3`; each of `num_subsets` draws
    takes `subset_size` rows of each feature set without replacement. Unlike
    FID the estimate is unbiased: two samples of one distribution give values
    around 0 (sometimes negative).

    Args:
        features1, features2: `[n1, d]` and `[n2, d]` features.
        num_subsets: how many subsets.
        subset_size: rows per subset; clipped to the smaller set's size.
        seed: seeds the subset draws.

    Returns:
        `(mean, std)` over the subsets.

    Examples:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> mean, std = kernel_inception_distance(rng.normal(size=(200, 8)),
    ...                                       rng.normal(size=(200, 8)), 10, 100)
    >>> abs(mean) < 0.05
    True
    """
    x = np.asarray(features1, np.float64)
    y = np.asarray(features2, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"Expected two feature arrays [n, d] with one d. Received: shapes "
                         f"{x.shape} and {y.shape}")
    if not isinstance(num_subsets, int) or num_subsets < 1:
        raise ValueError(f"`num_subsets` must be a positive integer. Received: {num_subsets!r}")
    size = min(int(subset_size), x.shape[0], y.shape[0])
    if size < 2:
        raise ValueError(f"KID needs subsets of at least 2 rows. Received: subset_size="
                         f"{subset_size} with {x.shape[0]} and {y.shape[0]} rows")
    rng = np.random.default_rng(seed)
    values = np.array([
        mmd2_unbiased(x[rng.choice(x.shape[0], size, replace=False)],
                      y[rng.choice(y.shape[0], size, replace=False)])
        for _ in range(num_subsets)
    ])
    return float(values.mean()), float(values.std())
