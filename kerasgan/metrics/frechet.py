"""The Frechet distance between two Gaussians fitted to activations (the core of FID / FSD)."""

import warnings

import numpy as np


def _sqrt_psd(matrix):
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _trace_sqrt_product(sigma1, sigma2):
    """Tr((sigma1 sigma2)^1/2) = sum of sqrt(eigenvalues of s1^1/2 sigma2 s1^1/2)."""
    root = _sqrt_psd(sigma1)
    middle = root @ sigma2 @ root
    values = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    return float(np.sum(np.sqrt(np.clip(values, 0.0, None)))), values


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """`||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^1/2)`, in float64.

    The matrix square root is taken through symmetric eigendecompositions:
    `(sigma1 sigma2)^1/2` has the same trace as `(s1 sigma2 s1)^1/2` with
    `s1 = sigma1^1/2`, a symmetric positive semi-definite matrix, so the
    result is real by construction. The reference implementations (TTUR,
    pytorch-fid) use `scipy.linalg.sqrtm` of the product and add `eps * I` to
    both covariances when the product is singular; here negative eigenvalues
    from rounding are clipped to 0, and `eps * I` is added only when the
    computation yields a non-finite value, with a warning, as they do. The
    value is finite for rank-deficient covariances (fewer samples than
    dimensions).

    Args:
        mu1, mu2: means, shape `[d]`.
        sigma1, sigma2: covariances, shape `[d, d]`.
        eps: the diagonal offset used when the product is not finite.

    Examples:

    >>> import numpy as np
    >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
    2.0
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(
        np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(
        np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != mu2.shape or mu1.ndim != 1:
        raise ValueError(f"The means must have one shape [d]. Received: {mu1.shape} and "
                         f"{mu2.shape}")
    if sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"The covariances must have shape [{d}, {d}]. Received: "
                         f"{sigma1.shape} and {sigma2.shape}")
    for name, value in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"`{name}` holds NaN or infinite values.")
    sigma1 = (sigma1 + sigma1.T) / 2.0
    sigma2 = (sigma2 + sigma2.T) / 2.0
    trace_root, _ = _trace_sqrt_product(sigma1, sigma2)
    if not np.isfinite(trace_root):
        warnings.warn(f"The covariance product is not finite; adding {eps} to the diagonals.",
                      stacklevel=2)
        offset = np.eye(d) * eps
        trace_root, _ = _trace_sqrt_product(sigma1 + offset, sigma2 + offset)
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_root)
    return max(value, 0.0)


def frechet_distance_from_statistics(stats1, stats2, eps=1e-6):
    """`frechet_distance` of two `RunningStatistics`."""
    return frechet_distance(stats1.mean, stats1.covariance(), stats2.mean, stats2.covariance(),
                            eps=eps)
