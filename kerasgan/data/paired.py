"""Paired image-to-image data (pix2pix): `(inputs, targets)` pairs with the pix2pix jitter.

Two sources:

- the embedded shapes data, `shapes:pairs=edges` (the default for `"shapes"`)
  or `shapes:pairs=segmentation`: A is a map of the image, B the image itself.
  The edge map (white outlines, 255, on black, 0) is tiled to three channels;
  the segmentation map is drawn with `SEGMENTATION_PALETTE` (black background,
  one fixed colour per shape kind). Other shapes options (`domain`,
  `num_shapes`) pass through.
- `folder:PATH` holding either pix2pix-format images, A and B side by side in
  one file (A on the left half, B on the right), or two parallel subfolders
  `A/` and `B/` whose files pair up by name (relative path without extension).

Random jitter is the pix2pix recipe: resize both images to `load_size` x
`load_size` (bilinear, as the original Torch code's `image.scale`; aspect
ratio is not kept), take one random `image_size` crop and one random
horizontal flip, the same for both images of a pair. The two images are
stacked channel-wise before the crop and flip and split afterwards, with one
stateless seed per example keyed by `(seed, pass, pair index)`: new each pass,
the same in every process.
"""

import dataclasses
import logging
import os

import numpy as np

from kerasgan.data._image import DEFAULT_MIN_SIZE, BadImage, open_checked, to_mode

logger = logging.getLogger("kerasgan.data")

PAIR_KINDS = ("edges", "segmentation")
DIRECTIONS = ("AtoB", "BtoA")
# Background, then one colour per kind of `kerasgan.data.shapes.CLASS_NAMES`.
SEGMENTATION_PALETTE = np.array(
    [(0, 0, 0), (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
     (245, 130, 48), (145, 30, 180)], np.uint8)
_CACHE_LIMIT_BYTES = 256 * 2**20
_MAX_LISTED = 10


def default_load_size(image_size):
    """The pix2pix load size: 286 for 256, scaled for other sizes (`round(size * 286 / 256)`)."""
    return int(round(image_size * 286 / 256))


def check_jitter(image_size, jitter, load_size):
    """Validates `jitter` / `load_size` and returns the load size (or `None` without jitter)."""
    if not isinstance(jitter, bool):
        raise ValueError(f"`jitter` must be True or False. Received: jitter={jitter!r}")
    if not jitter:
        if load_size is not None:
            raise ValueError("`load_size` is only used with jitter=True. "
                             f"Received: load_size={load_size!r}, jitter=False")
        return None
    if load_size is None:
        return default_load_size(image_size)
    if not isinstance(load_size, int) or isinstance(load_size, bool) or not (
        image_size <= load_size <= 4096
    ):
        raise ValueError(f"`load_size` must be an integer in [image_size, 4096] = "
                         f"[{image_size}, 4096]. Received: load_size={load_size!r}")
    return load_size


def check_batch_size(batch_size):
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer. "
                         f"Received: batch_size={batch_size!r}")


def resize_to(images, size):
    """Resizes float `[H, W, C]` to `[size, size, C]` (bilinear, antialiased; exact if equal)."""
    import tensorflow as tf

    return tf.clip_by_value(
        tf.image.resize(images, [size, size], method="bilinear", antialias=True), 0.0, 255.0)


def random_jitter(images, image_size, load_size, key):
    """The pix2pix jitter of float `[H, W, C]`: resize to `load_size`, random crop, random flip.

    Every channel gets the same crop and flip, so images stacked along the
    channels stay aligned. `key` is a stateless seed (int `[2]`).
    """
    import tensorflow as tf

    crop_key, flip_key = tf.unstack(tf.random.experimental.stateless_split(key, 2))
    images = resize_to(images, load_size)
    channels = images.shape[-1]
    images = tf.image.stateless_random_crop(images, [image_size, image_size, channels],
                                            seed=crop_key)
    return tf.image.stateless_random_flip_left_right(images, seed=flip_key)


@dataclasses.dataclass(frozen=True)
class PairScan:
    """The usable pairs of a folder: `(a_path, b_path)`, with `b_path=None` for side-by-side."""

    root: str
    layout: str  # "side_by_side" | "parallel"
    pairs: tuple
    skipped: tuple  # (path, reason) pairs


def _image_files(directory):
    from kerasgan.data.folder import _image_files

    return _image_files(directory)


def _listing(paths):
    shown = ", ".join(f"'{p}'" for p in paths[:_MAX_LISTED])
    more = len(paths) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _match_parallel(root):
    folders = {side: os.path.join(root, side) for side in ("A", "B")}
    missing = [side for side, folder in folders.items() if not os.path.isdir(folder)]
    if missing:
        present = "B" if missing == ["A"] else "A"
        raise FileNotFoundError(
            f"'{root}' has an '{present}' subfolder but no '{missing[0]}' subfolder. Expected "
            f"parallel folders A/ and B/ with matching file names. Missing: "
            f"'{folders[missing[0]]}'")
    keyed = {}
    for side, folder in folders.items():
        keyed[side] = {}
        for file in _image_files(folder):
            key = os.path.splitext(os.path.relpath(file, folder))[0]
            if key in keyed[side]:
                raise ValueError(f"Two files in '{folder}' share the name '{key}': "
                                 f"'{keyed[side][key]}' and '{file}'. Expected one file per name.")
            keyed[side][key] = file
        if not keyed[side]:
            raise ValueError(f"Expected image files in '{folder}'; found none.")
    only_a = sorted(set(keyed["A"]) - set(keyed["B"]))
    only_b = sorted(set(keyed["B"]) - set(keyed["A"]))
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"{len(only_a)} file(s) in '{folders['A']}' have no partner in B: "
                         + _listing([keyed["A"][k] for k in only_a]))
        if only_b:
            parts.append(f"{len(only_b)} file(s) in '{folders['B']}' have no partner in A: "
                         + _listing([keyed["B"][k] for k in only_b]))
        raise ValueError("The parallel folders A/ and B/ do not match by file name. "
                         + "; ".join(parts) + ".")
    return [(keyed["A"][k], keyed["B"][k]) for k in sorted(keyed["A"])]


def scan_pairs(path, min_size=DEFAULT_MIN_SIZE, max_pixels=None, strict=False):
    """Lists and validates the image pairs of a folder.

    A folder with an `A/` or a `B/` subfolder is read as parallel folders
    (both must exist and pair up by name; images of a pair must have the same
    size). Otherwise every image in it (recursively) is an `A|B` side-by-side
    pair, which must have an even width. Undecodable or too-small files are
    skipped with a warning and counted (the whole pair), or raise with
    `strict=True`; mismatched names, unequal sizes and odd widths always raise,
    naming the files.

    Args:
        path: the folder.
        min_size: the smallest accepted side of each image of a pair.
        max_pixels: the largest accepted width x height of a file.
        strict: raise on a bad file instead of skipping it.

    Returns:
        A `PairScan`.

    Examples:

    >>> result = scan_pairs("facades/train")  # doctest: +SKIP
    >>> result.layout, len(result.pairs), len(result.skipped)  # doctest: +SKIP
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder not found. Received: path='{path}'")
    if not os.path.isdir(path):
        raise ValueError(f"Expected a folder of image pairs. Received: path='{path}' "
                         "(not a folder)")
    parallel = any(os.path.isdir(os.path.join(path, side)) for side in ("A", "B"))
    if parallel:
        candidates = _match_parallel(path)
    else:
        candidates = [(file, None) for file in _image_files(path)]
        if not candidates:
            raise ValueError(f"Expected A|B side-by-side image files in '{path}', or parallel "
                             "subfolders A/ and B/; found neither.")
    pairs, skipped = [], []
    for a_path, b_path in candidates:
        try:
            sizes = [open_checked(p, 1, max_pixels).size
                     for p in ((a_path,) if b_path is None else (a_path, b_path))]
        except BadImage as error:
            bad = a_path if b_path is None else _which_is_bad(a_path, b_path, max_pixels)
            if strict:
                raise ValueError(f"Bad image file '{bad}': {error}") from None
            logger.warning("Skipping the pair of bad image file '%s': %s", bad, error)
            skipped.append((bad, str(error)))
            continue
        if b_path is None:
            width, height = sizes[0]
            if width % 2:
                raise ValueError(
                    f"A|B side-by-side image '{a_path}' has an odd width ({width}x{height}): "
                    "it cannot be split into two halves of equal width.")
            half_sizes = [(width // 2, height)]
        else:
            if sizes[0] != sizes[1]:
                raise ValueError(
                    f"The images of a pair differ in size: '{a_path}' is "
                    f"{sizes[0][0]}x{sizes[0][1]} and '{b_path}' is {sizes[1][0]}x{sizes[1][1]}."
                    " Expected equal sizes.")
            half_sizes = sizes[:1]
        if min(half_sizes[0]) < min_size:
            reason = (f"too small: each image of the pair is {half_sizes[0][0]}x"
                      f"{half_sizes[0][1]} pixels, expected at least {min_size} on the shorter "
                      "side")
            if strict:
                raise ValueError(f"Bad image file '{a_path}': {reason}")
            logger.warning("Skipping the pair of '%s': %s", a_path, reason)
            skipped.append((a_path, reason))
            continue
        pairs.append((a_path, b_path))
    if skipped:
        logger.warning("Skipped %d of %d image pairs in '%s'.", len(skipped), len(candidates),
                       path)
    if not pairs:
        raise ValueError(f"No usable image pair in '{path}': all {len(candidates)} were bad "
                         f"(first: '{skipped[0][0]}': {skipped[0][1]}).")
    return PairScan(os.fspath(path), "parallel" if parallel else "side_by_side", tuple(pairs),
                    tuple(skipped))


def _which_is_bad(a_path, b_path, max_pixels):
    try:
        open_checked(a_path, 1, max_pixels).close()
    except BadImage:
        return a_path
    return b_path


def _decode_pair(a_path, b_path, max_pixels):
    """uint8 `[H, W, 6]`: A's RGB then B's RGB, at the files' own size."""
    image = np.asarray(to_mode(open_checked(a_path, 1, max_pixels), 3), np.uint8)
    if b_path is None:
        half = image.shape[1] // 2
        return np.concatenate([image[:, :half], image[:, half:]], axis=-1)
    other = np.asarray(to_mode(open_checked(b_path, 1, max_pixels), 3), np.uint8)
    if other.shape != image.shape:  # the files changed after the scan
        raise ValueError(f"The images of a pair differ in size: '{a_path}' and '{b_path}'.")
    return np.concatenate([image, other], axis=-1)


def _folder_pairs_source(result, max_pixels):
    """A `Source` of uint8 `[H, W, 6]` pairs (A's RGB then B's) at the files' own size."""
    import tensorflow as tf

    from kerasgan.data._order import Source

    pairs = list(result.pairs)

    def decode(index):
        a_path, b_path = pairs[int(index)]
        try:
            return _decode_pair(a_path, b_path, max_pixels)
        except BadImage as error:  # the file changed after the scan
            raise ValueError(f"Bad image file in the pair '{a_path}': {error}") from None

    def fetch(index):
        stacked = tf.numpy_function(decode, [index], tf.uint8, stateful=False)
        stacked.set_shape((None, None, 6))
        return stacked

    return Source(len(pairs), fetch)


def render_pairs(kind, num, image_size, seed=0, start=0, **options):
    """uint8 `[num, size, size, 6]`: the map of `kind` (RGB) then the shapes image (RGB).

    Examples:

    >>> render_pairs("segmentation", 2, 16).shape
    (2, 16, 16, 6)
    """
    from kerasgan.data.shapes import render_shapes

    if kind not in PAIR_KINDS:
        raise ValueError(f"`pairs` must be one of {PAIR_KINDS}. Received: pairs={kind!r}")
    batch = render_shapes(num, image_size, seed, start, outputs=("image", kind), **options)
    return _stack_pair(kind, batch)


def _stack_pair(kind, batch):
    if kind == "edges":
        source = np.repeat(batch["edges"], 3, axis=-1)
    else:
        source = SEGMENTATION_PALETTE[batch["segmentation"]]
    return np.concatenate([source, batch["image"]], axis=-1)


def _shapes_pairs_source(kind, count, image_size, seed, options):
    """A grouped `Source` of the shapes pairs `0 .. count - 1` of `seed`, uint8 `[g, S, S, 6]`.

    Rendered pairs are kept in memory when all of them fit in 256 MB.
    """
    import tensorflow as tf

    from kerasgan.data._order import Memo, Source
    from kerasgan.data.shapes import _render_at

    render_pairs(kind, 1, image_size, seed, **options)  # validates the options now
    domain = options.get("domain")
    num_shapes = tuple(options.get("num_shapes", (1, 3)))

    def render(indices):
        batch = _render_at(indices, image_size, seed, ("image", kind), domain, num_shapes)
        return (_stack_pair(kind, batch),)

    memo = Memo(render, count, count * image_size * image_size * 6 <= _CACHE_LIMIT_BYTES)

    def fetch(indices):
        stacked = tf.numpy_function(lambda i: memo(i)[0], [indices], tf.uint8, stateful=False)
        stacked.set_shape((None, image_size, image_size, 6))
        return stacked

    return Source(count, fetch, grouped=True)


def load_paired(spec, *, image_size, batch_size, direction="AtoB", jitter=False, load_size=None,
                shuffle=True, seed=0, num_examples=None, strict=False, min_size=DEFAULT_MIN_SIZE,
                max_pixels=None, start_batch=None, **options):
    """A batched dataset of `(inputs, targets)` image pairs for pix2pix, float32 in [-1, 1].

    With `direction="AtoB"` the inputs are the A images (the left halves, the
    `A/` files, the shapes maps) and the targets the B images; `"BtoA"` swaps
    them. Without jitter both images are resized to `image_size` x
    `image_size` (aspect ratio not kept); with `jitter=True` they get the
    pix2pix random jitter (see the module docstring), identical for both and
    keyed by `(seed, pass, pair index)`. Batches drop the remainder.

    The order is that of `kerasgan.data.load`: pass `p` is a stateless
    permutation keyed by `(seed, p)`; `start_batch=None` gives one pass (the
    `e`-th iteration in a process is pass `e`), `start_batch=k` the endless
    stream of passes from global batch `k`. The dataset carries
    `batches_per_pass`. Distribution: auto-shard policy `AutoShardPolicy.DATA`,
    every worker reads the same stream and takes its share of each global
    batch.

    Args:
        spec: `"shapes"` (= `"shapes:pairs=edges"`), `"shapes:pairs=segmentation"`
            or `"folder:PATH"` (side-by-side `A|B` images, or subfolders `A/` and `B/`).
        image_size: side of the square output images.
        batch_size: pairs per global batch.
        direction: `"AtoB"` or `"BtoA"`.
        jitter: apply the pix2pix random resize-crop-flip.
        load_size: the resize before the random crop (default
            `round(image_size * 286 / 256)`: 286 for 256).
        shuffle: visit each pass in its seeded permutation (else in index order).
        seed: seeds the shapes data, the order and the jitter.
        num_examples: pairs per pass of the shapes data (default 8192).
        strict: for folders, raise on a bad file instead of skipping its pair.
        min_size, max_pixels: for folders, the smallest accepted side of each
            image of a pair and the largest accepted pixel count of a file.
        start_batch: `None` (one pass) or the global batch an endless stream
            starts at.
        **options: shapes options (`pairs`, `domain`, `num_shapes`).

    Examples:

    >>> dataset = load_paired("shapes:pairs=edges", image_size=32, batch_size=4,
    ...                       num_examples=8, jitter=True)
    >>> inputs, targets = next(iter(dataset))
    >>> inputs.shape, targets.shape, inputs.dtype.name, dataset.batches_per_pass
    (TensorShape([4, 32, 32, 3]), TensorShape([4, 32, 32, 3]), 'float32', 2)
    """
    import tensorflow as tf

    from kerasgan.data import _order
    from kerasgan.data.spec import DEFAULT_SHAPES_EXAMPLES, _check_size, parse_spec

    parsed = parse_spec(spec)
    if parsed.kind == "tfds":
        raise ValueError("Paired data comes from `shapes:pairs=...` or `folder:PATH` specs "
                         f"(TFDS has no A|B pair format). Received: spec={spec!r}")
    _check_size(parsed.kind, image_size)
    check_batch_size(batch_size)
    if direction not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {DIRECTIONS}. "
                         f"Received: direction={direction!r}")
    load_size = check_jitter(image_size, jitter, load_size)
    seed = _order.check_seed(seed)
    start_batch = _order.check_start_batch(start_batch)

    if parsed.kind == "shapes":
        shape_options = {**dict(parsed.options), **options}
        allowed = {"pairs", "domain", "num_shapes"}
        unknown = set(shape_options) - allowed
        if unknown:
            raise ValueError(f"Unknown shapes options {sorted(unknown)} for paired data. "
                             f"Expected any of {sorted(allowed)}.")
        kind = shape_options.pop("pairs", "edges")
        if kind not in PAIR_KINDS:
            raise ValueError(f"`pairs` must be one of {PAIR_KINDS}. Received: pairs={kind!r}")
        count = DEFAULT_SHAPES_EXAMPLES if num_examples is None else int(num_examples)
        if count < 1:
            raise ValueError(f"`num_examples` must be positive. Received: num_examples={count}")
        source = _shapes_pairs_source(kind, count, image_size, seed, shape_options)
    else:
        if options:
            raise ValueError(f"Unknown options {sorted(options)} for folder data.")
        result = scan_pairs(parsed.target, min_size=min_size, max_pixels=max_pixels,
                            strict=strict)
        source = _folder_pairs_source(result, max_pixels)
    count = source.count
    if count < batch_size:
        raise ValueError(
            f"The data '{spec}' holds {count} pairs, fewer than one batch of {batch_size}. "
            "Expected at least batch_size pairs (batches drop the remainder).")
    batches = count // batch_size
    stream = _order.with_indices(_order.positions(batches, batch_size, start_batch), count,
                                 seed, shuffle)

    def prepare(element):
        stacked = tf.cast(element["example"], tf.float32)
        if load_size is None:
            stacked = resize_to(stacked, image_size)
        else:
            key = _order.key(seed, _order.JITTER, element["pass"], element["index"])
            stacked = random_jitter(stacked, image_size, load_size, key)
        stacked = stacked / 127.5 - 1.0
        a, b = stacked[..., :3], stacked[..., 3:]
        return (a, b) if direction == "AtoB" else (b, a)

    dataset = _order.assemble(stream, [(source, "index", "example")], batch_size,
                              per_example=prepare)
    return _order.finish(dataset, batches, start_batch)
