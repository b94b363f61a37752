"""Latent vector arithmetic (DCGAN's "smiling woman - neutral woman + neutral man")."""

import numpy as np


def latent_mean(latents):
    """The mean of a group of latents `[n, d]` (DCGAN averages 3 per concept)."""
    z = np.asarray(latents, np.float64)
    if z.ndim != 2 or z.shape[0] < 1:
        raise ValueError(f"Expected a group of latents [n, d] with n >= 1. Received: {z.shape}")
    return z.mean(axis=0).astype(np.float32)


def attribute_direction(positive, negative):
    """`mean(positive) - mean(negative)`: the direction that adds an attribute."""
    return (latent_mean(positive) - latent_mean(negative)).astype(np.float32)


def vector_arithmetic(groups, signs):
    """`sum_i signs[i] * mean(groups[i])`, e.g. `([smiling_woman, neutral_woman, neutral_man],
    [1, -1, 1])` -> a smiling man.

    Examples:

    >>> import numpy as np
    >>> vector_arithmetic([np.ones((3, 2)), np.zeros((3, 2)), np.full((3, 2), 2.0)],
    ...                   [1, -1, 1]).tolist()
    [3.0, 3.0]
    """
    if len(groups) != len(signs) or not groups:
        raise ValueError(f"Expected one sign per group. Received: {len(groups)} groups and "
                         f"{len(signs)} signs")
    means = [latent_mean(g) for g in groups]
    if len({m.shape for m in means}) != 1:
        raise ValueError(f"The groups' latents differ in size: {[m.shape for m in means]}")
    return np.sum([float(s) * m for s, m in zip(signs, means)], axis=0).astype(np.float32)
