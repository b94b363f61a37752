"""Inpainting data (Context Encoder): images with a hole, the full images, and the hole masks.

`load_inpainting` wraps any image spec of `kerasgan.data.load` and yields
`(masked_images, targets, masks)` tuples:

- `targets`: the unmasked images, float32 `[batch, size, size, 3]` in [-1, 1];
- `masks`: float32 `[batch, size, size, 1]`, 1 in the region the generator
  predicts, 0 elsewhere;
- `masked_images`: the targets with the hole filled with `FILL_VALUE`, the
  per-channel mean of the official training data (117, 104, 123 of 255,
  scaled to [-1, 1]: `2 * v / 255 - 1`), as in the official
  pathak22/context-encoder `train.lua`.

Keras reads a 3-tuple as `(x, y, sample_weight)`; a Context Encoder's
`train_step` unpacks it itself.

Masks:

- `"center"`: the central `hole_size` square (`hole_size` defaults to
  `image_size // 2`, the official 64 of 128), starting at
  `(image_size - hole_size) // 2`. As the official `overlapPred`, only the
  square shrunk by `overlap` pixels on each side is filled: the `overlap`-wide
  border of the hole keeps its real pixels, and the generator's prediction
  overlaps the context there (the official code weighs the L2 loss 10x
  on that border). `masks` is the whole hole; `hole_box` gives its position,
  so a model can crop the official target `targets[:, t:t+h, t:t+h]`.
- `"random"`: the paper's random blocks, several possibly overlapping
  rectangles covering up to 1/4 of the image: up to 8 candidate rectangles
  per image with sides uniform in `[hole_size // 4, hole_size // 2]`, each
  kept only if the union stays within `hole_size**2` pixels (1/4 of the image
  by default). The whole mask is filled (the official random-region code
  trains without overlap, `useOverlapPred=0`); `overlap` does not apply.
  Every image gets its own mask, keyed by `(seed, pass, image index)`: new
  ones each pass, the same in every process.
"""

from kerasgan.data._image import DEFAULT_MIN_SIZE

FILL_VALUE = (2 * 117.0 / 255.0 - 1.0, 2 * 104.0 / 255.0 - 1.0, 2 * 123.0 / 255.0 - 1.0)
MASKS = ("center", "random")
MAX_BLOCKS = 8


def hole_box(image_size, hole_size=None):
    """`(offset, size)` of the center hole: rows and columns `offset .. offset + size - 1`.

    Examples:

    >>> hole_box(128)
    (32, 64)
    """
    hole_size = image_size // 2 if hole_size is None else hole_size
    return (image_size - hole_size) // 2, hole_size


def _check(image_size, mask, hole_size, overlap):
    if mask not in MASKS:
        raise ValueError(f"`mask` must be one of {MASKS}. Received: mask={mask!r}")
    if not isinstance(hole_size, int) or isinstance(hole_size, bool) or not (
        2 <= hole_size < image_size
    ):
        raise ValueError(f"`hole_size` must be an integer in [2, image_size) = [2, {image_size})."
                         f" Received: hole_size={hole_size!r}")
    if not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 0 or (
        mask == "center" and 2 * overlap >= hole_size  # random masks ignore the overlap
    ):
        raise ValueError(f"`overlap` must be an integer in [0, hole_size / 2) = "
                         f"[0, {hole_size / 2:g}). Received: overlap={overlap!r}")


def center_masks(image_size, hole_size, overlap):
    """`(mask, fill)`: float32 `[size, size, 1]` maps of the center hole and of its filled part."""
    import numpy as np

    offset, _ = hole_box(image_size, hole_size)
    mask = np.zeros((image_size, image_size, 1), np.float32)
    mask[offset:offset + hole_size, offset:offset + hole_size] = 1.0
    fill = np.zeros_like(mask)
    inner = slice(offset + overlap, offset + hole_size - overlap)
    fill[inner, inner] = 1.0
    return mask, fill


def random_block_masks(batch_size, image_size, hole_size, key):
    """float32 `[batch, size, size, 1]` random-block masks from a stateless seed `key`."""
    import tensorflow as tf

    low, high = max(1, hole_size // 4), max(1, hole_size // 2)
    draws = tf.random.stateless_uniform([batch_size, MAX_BLOCKS, 4], seed=key)
    sides = low + tf.floor(draws[..., :2] * (high - low + 1))  # height, width
    corner = tf.floor(draws[..., 2:] * (image_size - sides + 1))  # top, left
    coords = tf.range(image_size, dtype=tf.float32)
    budget = float(hole_size * hole_size)
    mask = tf.zeros([batch_size, image_size, image_size])
    for block in range(MAX_BLOCKS):
        top, left = corner[:, block, 0, None], corner[:, block, 1, None]
        height, width = sides[:, block, 0, None], sides[:, block, 1, None]
        rows = tf.cast((coords >= top) & (coords < top + height), tf.float32)
        cols = tf.cast((coords >= left) & (coords < left + width), tf.float32)
        candidate = tf.maximum(mask, rows[:, :, None] * cols[:, None, :])
        fits = tf.reduce_sum(candidate, axis=[1, 2]) <= budget
        mask = tf.where(fits[:, None, None], candidate, mask)
    return mask[..., None]


def load_inpainting(spec, *, image_size=128, batch_size, mask="center", hole_size=None,
                    overlap=4, seed=0, shuffle=True, num_examples=None, strict=False,
                    min_size=DEFAULT_MIN_SIZE, max_pixels=None, data_dir=None, download=False,
                    start_batch=None, **options):
    """A batched dataset of `(masked_images, targets, masks)` for a Context Encoder.

    See the module docstring for the masks and the fill. The images come in
    the order of `kerasgan.data.load` (pass `p` a stateless permutation keyed
    by `(seed, p)`); each random mask is keyed by `(seed, pass, image index)`.
    `start_batch=None` gives one pass (the `e`-th iteration in a process is
    pass `e`); `start_batch=k` the endless stream of passes from global batch
    `k`. The dataset carries `batches_per_pass`. Distribution: auto-shard
    policy `AutoShardPolicy.DATA`, every worker reads the same stream and
    takes its share of each global batch.

    Args:
        spec: any image spec of `kerasgan.data.load`: `"shapes[:K=V,...]"`,
            `"folder:PATH"`, `"tfds:NAME[:split]"`.
        image_size: side of the square images (the official 128).
        batch_size: images per global batch.
        mask: `"center"` or `"random"` (random blocks).
        hole_size: side of the center hole, and the scale of the random blocks
            (default `image_size // 2`).
        overlap: for the center hole, the border (pixels) of the hole that is
            not filled (the official `overlapPred=4`).
        seed: seeds the data (shapes, order) and the random masks.
        shuffle, num_examples, strict, min_size, max_pixels, data_dir,
            download, **options: passed to `kerasgan.data.load`.
        start_batch: `None` (one pass) or the global batch an endless stream
            starts at.

    Examples:

    >>> dataset = load_inpainting("shapes", image_size=32, batch_size=4, num_examples=8)
    >>> masked, targets, masks = next(iter(dataset))
    >>> masked.shape, masks.shape, float(masks.numpy().sum(axis=(1, 2, 3))[0])
    (TensorShape([4, 32, 32, 3]), TensorShape([4, 32, 32, 1]), 256.0)
    """
    import tensorflow as tf

    from kerasgan.data import _order
    from kerasgan.data.paired import check_batch_size
    from kerasgan.data.spec import _check_size, _image_examples, parse_spec

    _check_size(parse_spec(spec).kind, image_size)
    check_batch_size(batch_size)
    hole_size = image_size // 2 if hole_size is None else hole_size
    _check(image_size, mask, hole_size, overlap)
    seed = _order.check_seed(seed)

    stream, source, batches, _ = _image_examples(
        spec, image_size=image_size, batch_size=batch_size, channels=3, labels=False,
        shuffle=shuffle, seed=seed, strict=strict, num_examples=num_examples, min_size=min_size,
        max_pixels=max_pixels, data_dir=data_dir, download=download, start_batch=start_batch,
        options=options)
    start_batch = _order.check_start_batch(start_batch)
    sources = [(source, "index", "example")]
    fill_value = tf.constant(FILL_VALUE, tf.float32)

    if mask == "center":
        hole, fill = (tf.constant(m) for m in center_masks(image_size, hole_size, overlap))

        def apply(element):
            targets = tf.cast(element["example"]["image"], tf.float32) / 127.5 - 1.0
            masked = targets * (1.0 - fill) + fill * fill_value
            return masked, targets, tf.tile(hole[None], [batch_size, 1, 1, 1])

        dataset = _order.assemble(stream, sources, batch_size).map(
            apply, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return _order.finish(dataset, batches, start_batch)

    def apply_random(element):
        targets = tf.cast(element["example"]["image"], tf.float32) / 127.5 - 1.0
        key = _order.key(seed, _order.MASK, element["pass"], element["index"])
        masks = random_block_masks(1, image_size, hole_size, key)[0]
        masked = targets * (1.0 - masks) + masks * fill_value
        return masked, targets, masks

    dataset = _order.assemble(stream, sources, batch_size, per_example=apply_random)
    return _order.finish(dataset, batches, start_batch)
