"""The truncation trick: latents from a truncated normal (Z), or pulled towards the mean (W)."""

import math

import numpy as np


def _check_threshold(threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) or (
            not threshold > 0 or not math.isfinite(threshold)):
        raise ValueError(f"The truncation threshold must be a positive number. "
                         f"Received: truncation={threshold!r}")
    return float(threshold)


def truncated_normal(shape, threshold, seed=0):
    """N(0, 1) samples with every value beyond `threshold` in magnitude drawn again (BigGAN).

    Values are resampled until all lie in `[-threshold, threshold]`; a lower
    threshold trades diversity for fidelity. Deterministic by `seed`.

    Examples:

    >>> z = truncated_normal((4, 8), 0.5, seed=1)
    >>> z.shape, bool(abs(z).max() <= 0.5)
    ((4, 8), True)
    """
    threshold = _check_threshold(threshold)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(shape)
    outside = np.abs(z) > threshold
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > threshold
    return z.astype(np.float32)


# Giles (2010), "Approximating the erfinv function": single-precision central and tail
# polynomials in w = -log(1 - x^2).
_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _polynomial(coefficients, w, ops):
    p = coefficients[0] + 0.0 * w
    for c in coefficients[1:]:
        p = p * w + c
    return p


def _erfinv(x, ops):
    w = -ops.log((1.0 - x) * (1.0 + x))
    central = _polynomial(_CENTRAL, w - 2.5, ops)
    tail = _polynomial(_TAIL, ops.sqrt(ops.maximum(w, 5.0)) - 3.0, ops)
    return ops.where(w < 5.0, central, tail) * x


def truncate_latents(z, threshold):
    """Maps N(0, 1) latents to the normal truncated at +-`threshold`, deterministically.

    Inverse-CDF sampling with the latent's own quantile: `u = Phi(z)`,
    `z' = Phi^-1(Phi(-t) + (Phi(t) - Phi(-t)) u)`. Its outputs follow the same
    distribution as `truncated_normal`'s, but the map is a fixed function of
    `z` (monotone, differentiable), so it runs inside an exported graph: it
    uses only `erf`, `log`, `sqrt` and arithmetic (ONNX has `Erf` but no
    inverse; `Phi^-1` uses Giles' single-precision erfinv approximation,
    relative error about 1e-7 in the central range). `threshold` may be a
    tensor, e.g. a serving input.

    Args:
        z: latents (numpy array or tensor), any shape.
        threshold: a positive float or a float tensor broadcastable to `z`.

    Examples:

    >>> import numpy as np
    >>> z = np.random.default_rng(0).standard_normal((1000, 4)).astype("float32")
    >>> t = np.asarray(truncate_latents(z, 1.0))
    >>> bool(np.abs(t).max() <= 1.0)
    True
    """
    from keras import ops

    if isinstance(threshold, (int, float, np.floating)):
        threshold = _check_threshold(threshold)
    z = ops.convert_to_tensor(z, "float32")
    t = ops.cast(threshold, "float32")
    root2 = math.sqrt(2.0)
    low = 0.5 * (1.0 + ops.erf(-t / root2))
    high = 0.5 * (1.0 + ops.erf(t / root2))
    u = 0.5 * (1.0 + ops.erf(z / root2))
    p = low + (high - low) * u
    x = ops.clip(2.0 * p - 1.0, -1.0 + 1e-7, 1.0 - 1e-7)
    out = root2 * _erfinv(x, ops)
    return ops.clip(out, -t, t)


def truncate_w(w, w_avg, psi):
    """StyleGAN's truncation in W: `w_avg + psi * (w - w_avg)` (psi = 1: unchanged)."""
    w = np.asarray(w, np.float32)
    w_avg = np.asarray(w_avg, np.float32)
    return (w_avg + float(psi) * (w - w_avg)).astype(np.float32)
