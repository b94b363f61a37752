"""The embedded synthetic dataset `shapes`: geometric shapes on textured or gradient backgrounds.

No download, any resolution from 16 to 256, deterministic: image `i` of seed
`s` depends only on `(s, i)`, so any slice renders the same whatever the
chunking. Each image holds 1-3 shapes; its class label is the kind of the
*main* shape, the largest one, drawn last (on top) and always fully inside
the image.

One renderer yields every variant the model families need, chosen by
`outputs=` and `domain=`:

- `"image"`: uint8 RGB, `[n, size, size, 3]`;
- `"label"`: int32 kind of the main shape, `[n]` (see `CLASS_NAMES`);
- `"segmentation"`: uint8 class map, 0 = background, k + 1 = kind k, `[n, size, size]`;
- `"edges"`: uint8 outline map of every shape (0 or 255), `[n, size, size, 1]`;
- `"caption"`: a sentence per image (numpy array of str);
- `domain="a"`: saturated colors on dark linear/radial gradients;
  `domain="b"`: dark muted colors on light stripes/checkers/noise textures;
  `domain=None` draws the style per image (the default dataset mixes both).

Shapes are anti-aliased from their signed distance functions. Rendering is
vectorized over a chunk of images grouped by shape kind and background kind.
"""

import numpy as np

CLASS_NAMES = ("circle", "square", "triangle", "star", "cross", "ring")
OUTPUTS = ("image", "label", "segmentation", "edges", "caption")
DOMAINS = (None, "a", "b")
MIN_SIZE, MAX_SIZE = 16, 256

_PALETTE_A = {
    "red": (0.92, 0.12, 0.10), "green": (0.15, 0.80, 0.20), "blue": (0.15, 0.35, 0.97),
    "yellow": (0.97, 0.90, 0.10), "magenta": (0.90, 0.20, 0.85), "orange": (1.00, 0.55, 0.05),
    "cyan": (0.10, 0.85, 0.92), "white": (0.96, 0.96, 0.96),
}
_PALETTE_B = {
    "maroon": (0.50, 0.05, 0.10), "dark green": (0.05, 0.35, 0.12), "navy": (0.06, 0.10, 0.45),
    "olive": (0.40, 0.40, 0.05), "purple": (0.35, 0.10, 0.45), "brown": (0.40, 0.22, 0.08),
    "teal": (0.02, 0.35, 0.38), "black": (0.05, 0.05, 0.05),
}
_COLOR_NAMES = (tuple(_PALETTE_A), tuple(_PALETTE_B))
_COLORS = (np.array(list(_PALETTE_A.values()), "float32"),
           np.array(list(_PALETTE_B.values()), "float32"))
_BACKGROUNDS = (("linear gradient", "radial gradient"), ("striped", "checkered", "mottled"))
_NOISE_GRID = 6


def _check(num, image_size, seed, start, outputs, domain, num_shapes):
    if not isinstance(image_size, (int, np.integer)) or not MIN_SIZE <= image_size <= MAX_SIZE:
        raise ValueError(
            f"`image_size` must be an integer in [{MIN_SIZE}, {MAX_SIZE}] for the embedded "
            f"shapes data. Received: image_size={image_size!r}"
        )
    if num < 0 or start < 0 or seed < 0:
        raise ValueError(
            f"`num`, `start` and `seed` must be >= 0. Received: num={num}, start={start}, "
            f"seed={seed}"
        )
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise ValueError(f"Unknown outputs {unknown}. Expected any of {OUTPUTS}. "
                         f"Received: outputs={tuple(outputs)}")
    if domain not in DOMAINS:
        raise ValueError(f"`domain` must be one of {DOMAINS}. Received: domain={domain!r}")
    low, high = num_shapes
    if not 1 <= low <= high <= 3:
        raise ValueError(f"`num_shapes` must be a range within [1, 3]. "
                         f"Received: num_shapes={num_shapes}")


def _splitmix64(x):
    """The splitmix64 finalizer, elementwise on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _uniforms(seed, indices, count):
    """`[len(indices), count]` uniforms in [0, 1): draw j of image i is a hash of (seed, i, j)."""
    index = np.asarray(indices, dtype=np.uint64)
    key = _splitmix64(_splitmix64(np.uint64(seed)) + index)
    with np.errstate(over="ignore"):
        bits = _splitmix64(key[:, None] + np.arange(count, dtype=np.uint64)[None, :]
                           * np.uint64(0xD1B54A32D192ED03))
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


_NUM_DRAWS = 30 + _NOISE_GRID * _NOISE_GRID


def _draw_parameters(indices, seed, domain, num_shapes):
    """Per-image parameters; image i's depend only on (seed, i), whatever the chunking."""
    num = len(indices)
    u = _uniforms(seed, indices, _NUM_DRAWS)
    pick = lambda column, n: np.minimum((u[:, column] * n).astype(np.int64), n - 1)
    lerp = lambda column, low, high: (low + (high - low) * u[:, column]).astype(np.float32)
    if domain is None:
        style = pick(0, 2)
    else:
        style = np.full(num, {"a": 0, "b": 1}[domain], np.int64)
    low, high = num_shapes
    p = {"style": style, "count": low + pick(1, high - low + 1)}
    p["kind"] = np.stack([pick(2 + j, len(CLASS_NAMES)) for j in range(3)], axis=1)
    p["color"] = np.stack([pick(5 + j, len(_COLORS[0])) for j in range(3)], axis=1)
    # Slot 0 is the main shape (largest, drawn last, fully inside); slots 1-2 are smaller.
    main = lerp(8, 0.22, 0.32)
    p["radius"] = np.stack([main, 0.09 + (0.6 * main - 0.09) * u[:, 9].astype(np.float32),
                            0.09 + (0.6 * main - 0.09) * u[:, 10].astype(np.float32)], axis=1)
    center = np.empty((num, 3, 2), np.float32)
    center[:, 0, 0] = main + (1.0 - 2.0 * main) * u[:, 11]
    center[:, 0, 1] = main + (1.0 - 2.0 * main) * u[:, 12]
    center[:, 1:, :] = (0.1 + 0.8 * u[:, 13:17]).reshape(num, 2, 2)
    p["center"] = center
    p["angle"] = (2.0 * np.pi * u[:, 17:20]).astype(np.float32)
    p["background"] = np.where(style == 0, pick(20, len(_BACKGROUNDS[0])),
                               pick(20, len(_BACKGROUNDS[1])))
    bg_low = np.where(style == 0, 0.0, 0.62)[:, None]
    bg_high = np.where(style == 0, 0.35, 0.95)[:, None]
    p["bg_colors"] = (bg_low + (bg_high - bg_low) * u[:, 21:27]).reshape(num, 2, 3).astype(
        np.float32)
    p["bg_params"] = np.stack(
        [lerp(27, 0.0, 2 * np.pi), lerp(28, 3.0, 7.0), lerp(29, 0.0, 1.0)], axis=1)
    p["noise"] = u[:, 30:].reshape(num, _NOISE_GRID, _NOISE_GRID).astype(np.float32)
    return p


def _grid(size):
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    return coords[None, :], coords[:, None]  # x varies along columns, y along rows


def _background(p, size):
    num = len(p["style"])
    x, y = _grid(size)
    t = np.empty((num, size, size), np.float32)
    theta, freq, phase = p["bg_params"][:, 0], p["bg_params"][:, 1], p["bg_params"][:, 2]
    for style in (0, 1):
        for kind in range(len(_BACKGROUNDS[style])):
            idx = np.nonzero((p["style"] == style) & (p["background"] == kind))[0]
            if idx.size == 0:
                continue
            th = theta[idx, None, None]
            if style == 0 and kind == 0:  # linear gradient along a random direction
                proj = (x - 0.5) * np.cos(th) + (y - 0.5) * np.sin(th)
                t[idx] = np.clip(proj / 1.42 + 0.5, 0.0, 1.0)
            elif style == 0:  # radial gradient around a random point
                cx = 0.5 + 0.3 * np.cos(th)
                cy = 0.5 + 0.3 * np.sin(th)
                t[idx] = np.clip(np.sqrt((x - cx) ** 2 + (y - cy) ** 2) / 1.1, 0.0, 1.0)
            elif kind == 0:  # stripes
                proj = x * np.cos(th) + y * np.sin(th)
                t[idx] = (np.sin(2 * np.pi * (freq[idx, None, None] * proj
                                              + phase[idx, None, None])) > 0)
            elif kind == 1:  # checkerboard
                f = np.floor(freq[idx, None, None])
                t[idx] = ((np.floor(x * f) + np.floor(y * f)) % 2).astype(np.float32)
            else:  # low-frequency noise, upsampled from a coarse grid
                cell = np.minimum((np.arange(size) * _NOISE_GRID) // size, _NOISE_GRID - 1)
                t[idx] = p["noise"][idx][:, cell][:, :, cell]
    c0, c1 = p["bg_colors"][:, 0, None, None, :], p["bg_colors"][:, 1, None, None, :]
    image = np.multiply(t[..., None], c1 - c0)
    image += c0
    return image


def _box(qx, qy, hx, hy):
    dx, dy = np.abs(qx) - hx, np.abs(qy) - hy
    outside = np.sqrt(np.maximum(dx, 0.0) ** 2 + np.maximum(dy, 0.0) ** 2)
    return outside + np.minimum(np.maximum(dx, dy), 0.0)


def _signed_distance(kind, qx, qy):
    """Signed distance (in shape radii) of local coordinates to a unit shape of `kind`."""
    name = CLASS_NAMES[kind]
    if name == "circle":
        return np.sqrt(qx * qx + qy * qy) - 1.0
    if name == "square":
        return _box(qx, qy, 0.8, 0.8)
    if name == "triangle":  # equilateral, circumradius 1 (inradius 0.5)
        d = qy - 0.5
        for a in (np.pi / 6, 5 * np.pi / 6):
            d = np.maximum(d, -(qx * np.cos(a) + qy * np.sin(a)) - 0.5)
        return d
    if name == "star":  # five points, outer radius 1, inner 0.42
        r = np.sqrt(qx * qx + qy * qy)
        f = (np.arctan2(qx, -qy) * (5.0 / (2.0 * np.pi))) % 1.0
        return (r - (0.42 + 0.58 * np.abs(2.0 * f - 1.0))) * 0.6
    if name == "cross":
        return np.minimum(_box(qx, qy, 0.9, 0.3), _box(qx, qy, 0.3, 0.9))
    # ring
    return np.abs(np.sqrt(qx * qx + qy * qy) - 0.72) - 0.28


def render_shapes(num, image_size, seed=0, start=0, *, outputs=("image", "label"), domain=None,
                  num_shapes=(1, 3)):
    """Renders images `start .. start + num - 1` of the embedded shapes dataset.

    Args:
        num: number of images.
        image_size: side in pixels, in [16, 256].
        seed: dataset seed; image `i` depends only on `(seed, i)`.
        start: index of the first image.
        outputs: any of `"image"`, `"label"`, `"segmentation"`, `"edges"`, `"caption"`.
        domain: `None` (both styles), `"a"` or `"b"` (see the module docstring).
        num_shapes: `(min, max)` shapes per image, within [1, 3].

    Returns:
        A dict with one numpy array per requested output.

    Examples:

    >>> batch = render_shapes(4, 32, seed=0, outputs=("image", "label", "caption"))
    >>> batch["image"].shape, batch["image"].dtype, batch["label"].shape
    ((4, 32, 32, 3), dtype('uint8'), (4,))
    """
    outputs = tuple(outputs)
    _check(num, image_size, seed, start, outputs, domain, tuple(num_shapes))
    return _render_at(np.arange(start, start + num, dtype=np.int64), image_size, seed,
                      outputs, domain, tuple(num_shapes))


def _render_at(indices, image_size, seed, outputs, domain, num_shapes):
    """`render_shapes` of the images `indices` (any order, repeats allowed), unvalidated.

    Image `i` is the same whatever the other indices: the data pipelines call
    this on the example indices of their stateless orders.
    """
    num = len(indices)
    size = int(image_size)
    p = _draw_parameters(indices, seed, domain, num_shapes)
    image = _background(p, size)
    x, y = _grid(size)
    want_maps = "segmentation" in outputs or "edges" in outputs
    instance = np.zeros((num, size, size), np.int8) if want_maps else None
    segmentation = np.zeros((num, size, size), np.uint8) if want_maps else None
    colors = np.where(p["style"][:, None, None] == 0, _COLORS[0][p["color"]],
                      _COLORS[1][p["color"]])
    # Draw the extra shapes first and the main shape (slot 0) last, on top.
    alpha = np.empty((num, size, size), np.float32)
    blend = np.empty_like(image)
    for slot in (2, 1, 0):
        drawn = p["count"] > slot
        if not drawn.any():
            continue
        alpha.fill(0.0)
        for kind in range(len(CLASS_NAMES)):
            idx = np.nonzero(drawn & (p["kind"][:, slot] == kind))[0]
            if idx.size == 0:
                continue
            cx = p["center"][idx, slot, 0][:, None, None]
            cy = p["center"][idx, slot, 1][:, None, None]
            radius = p["radius"][idx, slot][:, None, None]
            cos = np.cos(p["angle"][idx, slot])[:, None, None]
            sin = np.sin(p["angle"][idx, slot])[:, None, None]
            dx, dy = (x - cx) / radius, (y - cy) / radius
            qx, qy = cos * dx + sin * dy, cos * dy - sin * dx
            distance_px = _signed_distance(kind, qx, qy) * (radius * size)
            alpha[idx] = np.clip(0.5 - distance_px, 0.0, 1.0)
            if want_maps:
                inside = alpha[idx] >= 0.5
                instance[idx] = np.where(inside, slot + 1, instance[idx])
                segmentation[idx] = np.where(inside, kind + 1, segmentation[idx])
        # image += alpha * (color - image), in place over the whole chunk.
        np.subtract(colors[:, slot][:, None, None, :], image, out=blend)
        blend *= alpha[..., None]
        image += blend

    result = {}
    if "image" in outputs:
        result["image"] = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if "label" in outputs:
        result["label"] = p["kind"][:, 0].astype(np.int32)
    if "segmentation" in outputs:
        result["segmentation"] = segmentation
    if "edges" in outputs:
        edge = np.zeros((num, size, size), bool)
        edge[:, 1:, :] |= instance[:, 1:, :] != instance[:, :-1, :]
        edge[:, :-1, :] |= instance[:, 1:, :] != instance[:, :-1, :]
        edge[:, :, 1:] |= instance[:, :, 1:] != instance[:, :, :-1]
        edge[:, :, :-1] |= instance[:, :, 1:] != instance[:, :, :-1]
        result["edges"] = (edge * 255).astype(np.uint8)[..., None]
    if "caption" in outputs:
        result["caption"] = np.array([_caption(p, i) for i in range(num)])
    return result


def _caption(p, i):
    style = p["style"][i]

    def phrase(slot, size_word):
        color = _COLOR_NAMES[style][p["color"][i, slot]]
        return f"a {size_word} {color} {CLASS_NAMES[p['kind'][i, slot]]}"

    parts = [phrase(0, "large")] + [phrase(s, "small") for s in range(1, p["count"][i])]
    shapes = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    background = _BACKGROUNDS[style][p["background"][i]]
    return f"{shapes} on a {background} background"
