"""Unpaired two-domain data (CycleGAN): `(a, b)` batches drawn independently from domains A and B.

Three sources:

- `folder:PATH` with subfolders `trainA/` and `trainB/` (`split="test"`:
  `testA/` and `testB/`), the layout of the official CycleGAN datasets;
- `tfds:cycle_gan/NAME` (e.g. `tfds:cycle_gan/horse2zebra`), whose splits are
  `trainA`, `trainB`, `testA` and `testB`;
- the embedded `shapes:domains=ab` (the default for `"shapes"`): domain A is
  `render_shapes(..., domain="a")` (saturated colours on dark gradients),
  domain B `domain="b"` (dark muted colours on light textures), drawn with
  different seeds (`2 * seed` and `2 * seed + 1`) so no image of A has a
  counterpart in B.

One pass is `max(len(A), len(B))` examples, as in the official CycleGAN
`UnalignedDataset`: every image of the larger domain is seen once per pass
and the smaller domain cycles. Each domain has its own order: position `j` of
pass `p` holds, in a domain of `n` images, image `perm(j % n)` of the
permutation keyed by `(seed, p, domain, j // n)`, so the smaller domain is
seen in full, then part of a second, differently permuted, cycle; which B
image meets which A image changes every pass. Jitter is keyed by
`(seed, pass, domain, cycle, image index)`. Nothing depends on the process.
"""

import os

from kerasgan.data._image import DEFAULT_MIN_SIZE
from kerasgan.data.paired import check_batch_size, check_jitter, random_jitter

DOMAINS = ("A", "B")


def _folder_domains(root, split, size, strict, min_size, max_pixels):
    from kerasgan.data.folder import _folder_source, scan

    if not os.path.isdir(root):
        raise FileNotFoundError(f"Image folder not found. Received: path='{root}'")
    sources = []
    for domain in DOMAINS:
        folder = os.path.join(root, split + domain)
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"The unpaired folder '{root}' has no '{split}{domain}' subfolder (domain "
                f"{domain}). Expected '{split}A/' and '{split}B/'. Missing: '{folder}'")
        try:
            result = scan(folder, min_size=min_size, max_pixels=max_pixels, strict=strict)
        except ValueError as error:
            raise ValueError(f"Domain {domain} ('{folder}'): {error}") from None
        sources.append(_folder_source(result, size, 3, min_size, max_pixels))
    return sources


def _tfds_domains(name, split, size, data_dir, download):
    from kerasgan.data.tfds import _tfds_source, tfds_builder

    splits = tfds_builder(name, data_dir, download).info.splits
    sources = []
    for domain in DOMAINS:
        split_name = split + domain
        if split_name not in splits:
            raise ValueError(
                f"TFDS dataset '{name}' has no split '{split_name}' (domain {domain}). "
                f"Expected two-domain splits like those of cycle_gan ('trainA', 'trainB', "
                f"'testA', 'testB'). Available splits: {sorted(splits.keys())}.")
        sources.append(_tfds_source(name, split_name, size, 3, data_dir, download))
    return sources


def _shapes_domains(options, count, image_size, seed):
    from kerasgan.data.spec import _shapes_source

    options = dict(options)
    allowed = {"domains", "num_shapes"}
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"Unknown shapes options {sorted(unknown)} for unpaired data. "
                         f"Expected any of {sorted(allowed)}.")
    domains_option = options.pop("domains", "ab")
    if domains_option != "ab":
        raise ValueError("The shapes data has two domains, 'a' and 'b': expected domains=ab. "
                         f"Received: domains={domains_option!r}")
    return [_shapes_source(count, image_size, 2 * seed + index, {**options, "domain": domain})
            for index, domain in enumerate("ab")]


def load_unpaired(spec, *, image_size, batch_size, split=None, jitter=False, load_size=None,
                  shuffle=True, seed=0, num_examples=None, strict=False,
                  min_size=DEFAULT_MIN_SIZE, max_pixels=None, data_dir=None, download=False,
                  start_batch=None, **options):
    """A batched dataset of `(a, b)` unpaired images for CycleGAN, float32 in [-1, 1].

    `a` and `b` are batches of the same size drawn independently from domains
    A and B. A pass holds `max(len(A), len(B)) // batch_size` batches (see
    the module docstring for the order). Without jitter, folder and TFDS
    images are resized (shorter side) and center-cropped to `image_size`;
    with `jitter=True` they are loaded that way at `load_size` (shapes images
    are rendered at `image_size` and upsampled), randomly cropped to
    `image_size` and randomly flipped (the official CycleGAN
    `resize_and_crop` preprocessing), independently for every image.

    `start_batch=None` gives one pass (the `e`-th iteration in a process is
    pass `e`); `start_batch=k` the endless stream of passes from global batch
    `k`, as `kerasgan.data.load`. The dataset carries `batches_per_pass`.
    Distribution: auto-shard policy `AutoShardPolicy.DATA`, every worker reads
    the same stream and takes its share of each global batch.

    Args:
        spec: `"shapes"` (= `"shapes:domains=ab"`), `"folder:PATH"` (with
            `trainA/` and `trainB/`) or `"tfds:cycle_gan/NAME"`.
        image_size: side of the square output images.
        batch_size: images per global batch in each domain.
        split: `"train"` or `"test"` (the `{split}A` / `{split}B` folders or
            TFDS splits); default: the TFDS spec's split, else `"train"`.
        jitter: apply the random resize-crop-flip.
        load_size: the resize before the random crop (default
            `round(image_size * 286 / 256)`: 286 for 256).
        shuffle: visit each domain in its seeded permutations (else in index
            order, the smaller domain cycling).
        seed: seeds the shapes data, the orders and the jitter.
        num_examples: images per domain of the shapes data (default 8192).
        strict, min_size, max_pixels: for folders, as in `kerasgan.data.scan`.
        data_dir, download: for TFDS.
        start_batch: `None` (one pass) or the global batch an endless stream
            starts at.
        **options: shapes options (`domains`, `num_shapes`).

    Examples:

    >>> dataset = load_unpaired("shapes:domains=ab", image_size=32, batch_size=4,
    ...                         num_examples=8)
    >>> a, b = next(iter(dataset))
    >>> a.shape, b.shape, a.dtype.name, dataset.batches_per_pass
    (TensorShape([4, 32, 32, 3]), TensorShape([4, 32, 32, 3]), 'float32', 2)
    """
    import tensorflow as tf

    from kerasgan.data import _order
    from kerasgan.data.spec import DEFAULT_SHAPES_EXAMPLES, _check_size, parse_spec

    parsed = parse_spec(spec)
    _check_size(parsed.kind, image_size)
    check_batch_size(batch_size)
    load_size = check_jitter(image_size, jitter, load_size)
    seed = _order.check_seed(seed)
    start_batch = _order.check_start_batch(start_batch)
    if split is None:
        split = parsed.split if parsed.kind == "tfds" else "train"
    if not isinstance(split, str) or not split:
        raise ValueError(f"`split` must be a split name such as 'train' or 'test'. "
                         f"Received: split={split!r}")
    if parsed.kind != "shapes" and options:
        raise ValueError(f"Unknown options {sorted(options)} for {parsed.kind} data.")
    size = load_size or image_size  # folders and TFDS are read at the load size

    if parsed.kind == "shapes":
        count = DEFAULT_SHAPES_EXAMPLES if num_examples is None else int(num_examples)
        if count < 1:
            raise ValueError(f"`num_examples` must be positive. Received: num_examples={count}")
        sources = _shapes_domains({**dict(parsed.options), **options}, count, image_size, seed)
    elif parsed.kind == "folder":
        sources = _folder_domains(parsed.target, split, size, strict, min_size, max_pixels)
    else:
        sources = _tfds_domains(parsed.target, split, size, data_dir, download)
    count_a, count_b = (source.count for source in sources)
    length = max(count_a, count_b)
    if length < batch_size:
        raise ValueError(
            f"The data '{spec}' holds {count_a} (A) and {count_b} (B) images, fewer than one "
            f"batch of {batch_size}. Expected at least batch_size images in the larger domain "
            "(batches drop the remainder).")
    batches = length // batch_size
    stream = _order.positions(batches, batch_size, start_batch)

    def locate(element):
        element = dict(element)
        for domain, source in enumerate(sources):
            cycle = element["position"] // source.count
            element[f"cycle_{domain}"] = cycle
            element[f"index_{domain}"] = _order.permute(
                element["position"] % source.count, source.count, seed, shuffle,
                element["pass"][0], domain, cycle)
        return element

    def prepare(element):
        images = []
        for domain, salt in enumerate((_order.JITTER_A, _order.JITTER_B)):
            # Without jitter the image is already image_size x image_size.
            image = tf.cast(element[f"example_{domain}"]["image"], tf.float32)
            if load_size is not None:
                key = _order.key(seed, salt, element["pass"], element[f"cycle_{domain}"],
                                 element[f"index_{domain}"])
                image = random_jitter(image, image_size, load_size, key)
            images.append(image / 127.5 - 1.0)
        return tuple(images)

    # The jitter is per image; without it, `prepare` converts whole batches.
    dataset = _order.assemble(
        stream.map(locate), [(source, f"index_{domain}", f"example_{domain}")
                             for domain, source in enumerate(sources)],
        batch_size, per_example=prepare if load_size is not None else None)
    if load_size is None:
        dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return _order.finish(dataset, batches, start_batch)
