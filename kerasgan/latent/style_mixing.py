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


# The paper's groups of styles by the resolution of their layers (two layers per resolution,
# 4x4 first): coarse 4-8 px, middle 16-32 px, fine 64 px and up.
STYLE_GROUPS = (("coarse", 0, 4), ("middle", 4, 8), ("fine", 8, None))


def style_groups(num_layers):
    """`[(name, first_layer, end_layer), ...]` of the groups a generator with `num_layers`
    style layers has (empty groups left out)."""
    groups = []
    for name, first, end in STYLE_GROUPS:
        end = num_layers if end is None else min(end, num_layers)
        if first < end:
            groups.append((name, first, end))
    return groups


def style_mixing_grid(generator, destinations=5, sources=2, seed=0, truncate=True):
    """The paper's style mixing figure, as an image array and its row labels.

    The top row shows `destinations` images (source A, one per column); the
    left column `sources` images per style group (source B, one per row).
    Cell (row, column) is the column's image with the row source's styles
    copied into the row's group of layers: coarse (4-8 px: pose, shape),
    middle (16-32 px) or fine (64 px and up: color, texture). The top-left cell
    is blank.

    Args:
        generator: a style-based generator (`"w+"` in `latent_spaces()`).
        destinations, sources: the columns, and the rows per group.
        seed: seeds the latents (destinations first, then sources).
        truncate: apply the generator's truncation to w, as sampling does.

    Returns:
        `(images, labels)`: `[(1 + groups * sources) * (1 + destinations), h, w, c]`
        floats in [-1, 1] in row-major order, and one label per row.
    """
    import keras

    from kerasgan.models.network import Network

    spaces = generator.latent_spaces() if isinstance(generator, Network) else ("z",)
    if "w+" not in spaces:
        raise ValueError(f"Style mixing needs a style-based generator (a W+ space); "
                         f"{generator.name!r} is driven from {list(spaces)}.")
    for name, value in (("destinations", destinations), ("sources", sources)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    groups = style_groups(generator.style_layers())
    latent_dim = int(generator.inputs[0].shape[-1])
    count = destinations + len(groups) * sources
    z = np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
    w = keras.ops.convert_to_numpy(generator.map_latents(z, truncate=truncate))
    w_a, w_b = w[:destinations], w[destinations:]

    def render(w_plus):
        return keras.ops.convert_to_numpy(generator.synthesize(w_plus)).astype(np.float32)

    top = render(w_a)
    side = render(w_b)
    blank = np.full_like(top[:1], -1.0)
    rows, labels = [np.concatenate([blank, top])], ["destinations"]
    for number, (name, first, end) in enumerate(groups):
        for k in range(sources):
            index = number * sources + k
            mixed = w_a.copy()
            mixed[:, first:end] = w_b[index, first:end]
            rows.append(np.concatenate([side[index:index + 1], render(mixed)]))
            labels.append(name)
    return np.concatenate(rows), labels


PAPER_PSIS = (1.0, 0.7, 0.5, 0.0, -0.5, -1.0)


def truncation_sweep(generator, psis=PAPER_PSIS, num=6, seed=0):
    """The same `num` latents at each truncation strength psi, one row per psi.

    Each row is `synthesize(w_avg + psi * (w - w_avg))` on every layer: psi =
    1 is the untruncated sample, 0 the average image, negative values the
    "opposite" of each sample (the paper's figure uses 1, 0.7, 0.5, 0, -0.5,
    -1).

    Returns:
        `[len(psis) * num, h, w, c]` floats in [-1, 1], row-major.
    """
    import keras

    from kerasgan.models.network import Network

    spaces = generator.latent_spaces() if isinstance(generator, Network) else ("z",)
    if "w" not in spaces:
        raise ValueError(f"A truncation sweep in W needs a style-based generator; "
                         f"{generator.name!r} is driven from {list(spaces)}.")
    psis = [float(psi) for psi in psis]
    if not psis or not isinstance(num, int) or num < 1:
        raise ValueError(f"Expected at least one psi and a positive `num`. Received: "
                         f"psis={psis}, num={num!r}")
    latent_dim = int(generator.inputs[0].shape[-1])
    z = np.random.default_rng(seed).standard_normal((num, latent_dim)).astype(np.float32)
    w = keras.ops.convert_to_numpy(generator.map_latents(z)).astype(np.float32)
    center = keras.ops.convert_to_numpy(generator.average_w()).astype(np.float32)
    rows = [keras.ops.convert_to_numpy(generator.synthesize(center + psi * (w - center)))
            for psi in psis]
    return np.concatenate(rows).astype(np.float32)
