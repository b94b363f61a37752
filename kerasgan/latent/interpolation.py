"""Linear and spherical interpolation between latents."""

import numpy as np


def _steps(t):
    t = np.asarray(t, np.float64)
    if t.ndim > 1:
        raise ValueError(f"`t` must be a number or a 1-D array of steps. Received: shape {t.shape}")
    return t


def lerp(a, b, t):
    """`(1 - t) a + t b`; with a 1-D array of `t`, one output per step stacked first.

    Examples:

    >>> import numpy as np
    >>> lerp(np.zeros(2), np.ones(2), [0.0, 0.5, 1.0]).tolist()
    [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"The endpoints must have one shape. Received: {a.shape} and {b.shape}")
    t = _steps(t)
    tt = t.reshape(t.shape + (1,) * a.ndim)
    return ((1.0 - tt) * a + tt * b).astype(np.float32)


def slerp(a, b, t, eps=1e-7):
    """Spherical interpolation along the great circle from `a` to `b` (last axis = vector).

    The angle is measured between the directions of `a` and `b`; the norm is
    interpolated linearly, so endpoints of equal norm keep it all the way
    (the path a Gaussian latent's typical set follows, unlike `lerp`'s chord
    through the low-density centre). Nearly parallel or opposite vectors fall
    back to `lerp`.

    Examples:

    >>> import numpy as np
    >>> path = slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), [0.0, 0.5, 1.0])
    >>> np.round(np.linalg.norm(path, axis=-1), 6).tolist()
    [1.0, 1.0, 1.0]
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"The endpoints must have one shape. Received: {a.shape} and {b.shape}")
    t = _steps(t)
    tt = t.reshape(t.shape + (1,) * a.ndim)
    norm_a = np.linalg.norm(a, axis=-1, keepdims=True)
    norm_b = np.linalg.norm(b, axis=-1, keepdims=True)
    unit_a = a / np.maximum(norm_a, eps)
    unit_b = b / np.maximum(norm_b, eps)
    cos = np.clip(np.sum(unit_a * unit_b, axis=-1, keepdims=True), -1.0, 1.0)
    omega = np.arccos(cos)
    sin = np.sin(omega)
    degenerate = sin < 1e-6
    safe_sin = np.where(degenerate, 1.0, sin)
    direction = (np.sin((1.0 - tt) * omega) * unit_a + np.sin(tt * omega) * unit_b) / safe_sin
    norm = (1.0 - tt) * norm_a + tt * norm_b
    spherical = direction * norm
    linear = (1.0 - tt) * a + tt * b
    return np.where(degenerate, linear, spherical).astype(np.float32)


def interpolation_path(a, b, steps, method="slerp"):
    """`steps` latents from `a` to `b` inclusive, by `"slerp"` or `"lerp"`."""
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"`steps` must be an integer >= 2. Received: steps={steps!r}")
    if method not in ("slerp", "lerp"):
        raise ValueError(f"`method` must be 'slerp' or 'lerp'. Received: method={method!r}")
    t = np.linspace(0.0, 1.0, steps)
    return (slerp if method == "slerp" else lerp)(a, b, t)
