"""Style mixing for style-based generators: per-layer latents (W+) from two sources."""

import numpy as np


def mix_styles(w_a, w_b, crossover):
    """W+ latents `[batch, layers, dim]`: layers `< crossover` from `w_a`, the rest from `w_b`.

    `crossover` is one layer index for the batch or one per example (StyleGAN
    draws it per example during mixing regularization).

    Examples:

    >>> import numpy as np
    >>> mix_styles(np.zeros((1, 4, 2)), np.ones((1, 4, 2)), 1)[0, :, 0].tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    w_a, w_b = np.asarray(w_a, np.float32), np.asarray(w_b, np.float32)
    if w_a.ndim != 3 or w_a.shape != w_b.shape:
        raise ValueError(f"Expected two W+ arrays [batch, num_layers, dim] of one shape. "
                         f"Received: {w_a.shape} and {w_b.shape}")
    layers = w_a.shape[1]
    cut = np.broadcast_to(np.asarray(crossover), (w_a.shape[0],))
    if not np.issubdtype(cut.dtype, np.integer) or cut.min() < 0 or cut.max() > layers:
        raise ValueError(f"`crossover` must be integers in [0, {layers}]. "
                         f"Received: crossover={crossover!r}")
    take_a = np.arange(layers)[None, :] < cut[:, None]
    return np.where(take_a[..., None], w_a, w_b)
