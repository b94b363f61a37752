"""Inception Score: exp E_x KL(p(y|x) || p(y)), over splits."""

import numpy as np


def inception_score(probabilities, splits=10):
    """The Inception Score (Salimans et al., 2016) of class probabilities, mean and std over splits.

    Each split of the rows gets `exp(mean_x KL(p(y|x) || p(y)))` with `p(y)`
    the split's mean prediction, as in the reference implementation. It is
    1 when every prediction is the same and K when confident predictions are
    spread evenly over K classes.

    Args:
        probabilities: `[n, K]` rows of class probabilities (softmax outputs,
            not logits).
        splits: the number of splits (10 in the reference protocol).

    Returns:
        `(mean, std)` over the splits.

    Examples:

    >>> import numpy as np
    >>> round(inception_score(np.eye(4).repeat(5, axis=0), splits=1)[0], 6)
    4.0
    """
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"Expected probabilities of shape [n, K] with K >= 2. "
                         f"Received: shape={p.shape}")
    if not isinstance(splits, int) or not 1 <= splits <= p.shape[0]:
        raise ValueError(f"`splits` must be an integer in [1, {p.shape[0]}] (the number of "
                         f"rows). Received: splits={splits!r}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("Expected rows of probabilities (non-negative, summing to 1): pass "
                         "softmax outputs, not logits. Received: rows summing to "
                         f"{p.sum(axis=1).min():.4g} .. {p.sum(axis=1).max():.4g}, minimum "
                         f"{p.min():.4g}")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))
