"""One data spec string for every source: `shapes[:K=V,...]`, `folder:PATH`, `tfds:NAME[:split]`.

The paired and unpaired pipelines read two more shapes options:
`shapes:pairs=edges|segmentation` (`load_paired`) and `shapes:domains=ab` (`load_unpaired`).
"""

import dataclasses

from kerasgan.data._image import DEFAULT_MIN_SIZE

FORMS = ("shapes", "shapes:KEY=VALUE[,KEY=VALUE]", "folder:PATH", "tfds:NAME[:split]")
DEFAULT_SHAPES_EXAMPLES = 8192
_CACHE_LIMIT_BYTES = 256 * 2**20


@dataclasses.dataclass(frozen=True)
class DataSpec:
    kind: str  # "shapes" | "folder" | "tfds"
    target: str = None  # folder path or TFDS name
    split: str = None
    options: tuple = ()  # (key, value) pairs parsed from the spec string


def _bad_spec(spec, why):
    return ValueError(f"Invalid data spec ({why}). Expected one of {list(FORMS)}. "
                      f"Received: spec={spec!r}")


def _parse_value(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if "-" in text and all(part.isdigit() for part in text.split("-")):
        return tuple(int(part) for part in text.split("-"))
    return text


def parse_spec(spec):
    """Parses a data spec string.

    Examples:

    >>> parse_spec("tfds:mnist")
    DataSpec(kind='tfds', target='mnist', split='train', options=())
    >>> parse_spec("shapes:domain=a,num_shapes=1-2").options
    (('domain', 'a'), ('num_shapes', (1, 2)))
    """
    if not isinstance(spec, str) or not spec.strip():
        raise _bad_spec(spec, "empty")
    kind, _, rest = spec.strip().partition(":")
    if kind == "shapes":
        options = []
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise _bad_spec(spec, f"option {item!r} is not KEY=VALUE")
            options.append((key.strip(), _parse_value(value.strip())))
        return DataSpec("shapes", options=tuple(options))
    if kind == "folder":
        if not rest:
            raise _bad_spec(spec, "no folder path")
        return DataSpec("folder", target=rest)
    if kind == "tfds":
        name, _, split = rest.partition(":")
        if not name:
            raise _bad_spec(spec, "no dataset name")
        return DataSpec("tfds", target=name, split=split or "train")
    raise _bad_spec(spec, f"unknown kind {kind!r}")


def _check_size(kind, image_size):
    from kerasgan.data.shapes import MAX_SIZE, MIN_SIZE

    low, high = (MIN_SIZE, MAX_SIZE) if kind == "shapes" else (8, 4096)
    if not isinstance(image_size, int) or isinstance(image_size, bool) or not (
        low <= image_size <= high
    ):
        raise ValueError(f"`image_size` must be an integer in [{low}, {high}] for {kind} data. "
                         f"Received: image_size={image_size!r}")


def _shapes_source(num_examples, image_size, seed, options):
    """A grouped `Source` of the shapes images and labels `0 .. num_examples - 1` of `seed`.

    Rendered images are kept in memory when all of them fit in 256 MB, so
    later passes read them instead of rendering again.
    """
    import tensorflow as tf

    from kerasgan.data._order import Memo, Source
    from kerasgan.data.shapes import _render_at, render_shapes

    allowed = {"domain", "num_shapes"}
    unknown = set(options) - allowed
    if unknown:
        hint = {"pairs": " (`pairs=` is for kerasgan.data.load_paired)",
                "domains": " (`domains=` is for kerasgan.data.load_unpaired)"}
        raise ValueError(f"Unknown shapes options {sorted(unknown)}. Expected any of "
                         f"{sorted(allowed)}." + "".join(hint.get(k, "") for k in sorted(unknown)))
    if num_examples < 1:
        raise ValueError(f"`num_examples` must be positive. Received: num_examples={num_examples}")
    render_shapes(1, image_size, seed, **options)  # validates the options now, not in a worker
    domain = options.get("domain")
    num_shapes = tuple(options.get("num_shapes", (1, 3)))

    def render(indices):
        batch = _render_at(indices, image_size, seed, ("image", "label"), domain, num_shapes)
        return batch["image"], batch["label"]

    memo = Memo(render, num_examples,
                num_examples * image_size * image_size * 3 <= _CACHE_LIMIT_BYTES)

    def fetch(indices):
        images, labels = tf.numpy_function(memo, [indices], (tf.uint8, tf.int32), stateful=False)
        images.set_shape((None, image_size, image_size, 3))
        labels.set_shape((None,))
        return {"image": images, "label": labels}

    return Source(num_examples, fetch, grouped=True)


def _image_examples(spec, *, image_size, batch_size, channels, labels, shuffle, seed, strict,
                    num_examples, min_size, max_pixels, data_dir, download, start_batch,
                    options):
    """The order and the source of `load`: `(batches, source, batches_per_pass, channels)`.

    `batches` holds the global batches of the stateless order of
    `kerasgan.data._order` (dicts of int64 `"pass"`, `"position"` and
    `"index"` vectors); the source gives `{"image": uint8, "label": int32}`
    by index, with `channels` image channels.
    """
    from kerasgan.data import _order

    parsed = parse_spec(spec)
    _check_size(parsed.kind, image_size)
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer. Received: {batch_size!r}")
    seed = _order.check_seed(seed)
    start_batch = _order.check_start_batch(start_batch)

    if parsed.kind == "shapes":
        count = DEFAULT_SHAPES_EXAMPLES if num_examples is None else int(num_examples)
        source = _shapes_source(count, image_size, seed, {**dict(parsed.options), **options})
        source_channels = 3
    elif options:
        raise ValueError(f"Unknown options {sorted(options)} for {parsed.kind} data.")
    elif parsed.kind == "folder":
        from kerasgan.data.folder import _folder_source, check_classes, scan

        result = scan(parsed.target, min_size=min_size, max_pixels=max_pixels, strict=strict)
        if labels and result.class_names is None:
            raise ValueError(
                f"Labels were requested but '{parsed.target}' has no class subfolders. "
                "Expected one subfolder per class."
            )
        if labels:
            check_classes(result)
        source = _folder_source(result, image_size, channels, min_size, max_pixels)
        source_channels = channels
    else:
        from kerasgan.data.tfds import _tfds_source

        source = _tfds_source(parsed.target, parsed.split, image_size, channels, data_dir,
                              download)
        source_channels = channels
    if source.count < batch_size:
        raise ValueError(
            f"The data '{spec}' holds {source.count} images, fewer than one batch of "
            f"{batch_size}. Expected at least batch_size images (batches drop the remainder)."
        )
    batches = source.count // batch_size
    stream = _order.with_indices(_order.positions(batches, batch_size, start_batch),
                                 source.count, seed, shuffle)
    return stream, source, batches, source_channels


def load(spec, *, image_size, batch_size, channels=3, labels=False, shuffle=True, seed=0,
         strict=False, num_examples=None, min_size=DEFAULT_MIN_SIZE, max_pixels=None,
         data_dir=None, download=False, start_batch=None, mirror=False, **options):
    """A batched `tf.data.Dataset` of float32 images in [-1, 1], NHWC, from a data spec.

    The order is a function of `(seed, pass)` only: pass `p` visits the
    examples in a stateless permutation keyed by `(seed, p)`, the same in
    every process. With `start_batch=None` the dataset is one pass
    (`batches_per_pass` batches; the remainder is dropped) and its `e`-th
    iteration in a process is pass `e`. With `start_batch=k` it is the
    endless sequence pass 0, pass 1, ... starting at global batch `k` (batch
    `b` is batch `b % batches_per_pass` of pass `b // batches_per_pass`), so a
    new process resuming at step `k` reads exactly the batches an
    uninterrupted run would; the skip happens before any image is decoded or
    rendered. The returned dataset carries `dataset.batches_per_pass` (see
    `kerasgan.data.batches_per_pass`).

    Distribution: the auto-shard policy is `AutoShardPolicy.DATA`: every
    worker reads the same stream and takes its share of each global batch,
    so N workers see exactly the batches one process sees.

    Args:
        spec: `"shapes"` (embedded, the default), `"folder:PATH"` or
            `"tfds:NAME[:split]"`; see `parse_spec`.
        image_size: side of the square images.
        batch_size: the global batch size (batches drop the remainder).
        channels: 1 or 3.
        labels: yield `(images, labels)` with int32 labels. A folder then
            needs one subfolder per class, each with at least one image.
        shuffle: visit each pass in its seeded permutation (else in index order).
        seed: seeds the shapes data and the order.
        strict: for folders, raise on a bad file instead of skipping it.
        num_examples: images per pass of the shapes data (default 8192).
        min_size, max_pixels: for folders, the smallest accepted side and the
            largest accepted pixel count.
        data_dir, download: for TFDS.
        start_batch: `None` (one pass) or the global batch an endless stream
            starts at.
        mirror: flip each image left-right with probability 1/2 (Progressive
            GAN's `mirror_augment`), decided by `(seed, pass, example)` so a
            resumed stream flips the same images.
        **options: shapes options (`domain`, `num_shapes`).

    Examples:

    >>> dataset = load("shapes", image_size=32, batch_size=8, num_examples=16)
    >>> images = next(iter(dataset))
    >>> images.shape, images.dtype.name, dataset.batches_per_pass
    (TensorShape([8, 32, 32, 3]), 'float32', 2)
    >>> stream = load("shapes", image_size=32, batch_size=8, num_examples=16, start_batch=3)
    >>> resumed = next(iter(stream))  # batch 1 of pass 1
    >>> whole = list(load("shapes", image_size=32, batch_size=8, num_examples=16,
    ...                   start_batch=0).take(4))
    >>> bool((whole[3].numpy() == resumed.numpy()).all())
    True
    """
    import tensorflow as tf

    from kerasgan.data import _order

    stream, source, batches, source_channels = _image_examples(
        spec, image_size=image_size, batch_size=batch_size, channels=channels, labels=labels,
        shuffle=shuffle, seed=seed, strict=strict, num_examples=num_examples, min_size=min_size,
        max_pixels=max_pixels, data_dir=data_dir, download=download, start_batch=start_batch,
        options=options)

    def to_float(element):
        image = tf.cast(element["example"]["image"], tf.float32)
        if channels == 1 and source_channels == 3:
            image = tf.image.rgb_to_grayscale(image)
        image = image / 127.5 - 1.0
        if mirror:
            # One Philox-folded key per example; its lowest bit decides the flip.
            keys = _order.key(seed, _order.MIRROR, element["pass"][0], element["index"])
            flip = tf.equal(keys[:, 0] % 2, 1)
            image = tf.where(flip[:, None, None, None], tf.reverse(image, axis=[2]), image)
        return (image, element["example"]["label"]) if labels else image

    dataset = _order.assemble(stream, [(source, "index", "example")], batch_size).map(
        to_float, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return _order.finish(dataset, batches, start_batch)


def batches_per_pass(dataset):
    """The batches per pass of a dataset returned by a `kerasgan.data` loader.

    Global batch `b` of a loader's stream is batch `b % batches_per_pass` of
    pass `b // batches_per_pass`. The attribute does not survive
    transformations (`.map`, `.take`, ...): read it from the dataset the
    loader returned.

    Args:
        dataset: a dataset returned by `load`, `load_paired`, `load_unpaired`
            or `load_inpainting`.

    Returns:
        The int `dataset.batches_per_pass`.

    Examples:

    >>> batches_per_pass(load("shapes", image_size=16, batch_size=4, num_examples=10))
    2
    """
    value = getattr(dataset, "batches_per_pass", None)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            "Expected a dataset returned by a kerasgan.data loader (load, load_paired, "
            "load_unpaired, load_inpainting), which carries an int `batches_per_pass`; "
            "transformations such as .map() return a new dataset without it. Received: "
            f"{type(dataset).__name__} with batches_per_pass={value!r}")
    return value


def describe(spec, data_dir=None, **options):
    """Facts about a data spec: `num_classes`, `class_names`, `num_examples` where known.

    For a folder with class subfolders of which one holds no usable image,
    raises the error `load(..., labels=True)` raises.
    """
    parsed = parse_spec(spec)
    if parsed.kind == "shapes":
        from kerasgan.data.shapes import CLASS_NAMES

        return {"num_classes": len(CLASS_NAMES), "class_names": CLASS_NAMES,
                "num_examples": options.get("num_examples", DEFAULT_SHAPES_EXAMPLES)}
    if parsed.kind == "folder":
        from kerasgan.data.folder import check_classes, scan

        result = scan(parsed.target, **options)
        check_classes(result)  # the classes load(labels=True) would train on, or its error
        return {"num_classes": result.num_classes, "class_names": result.class_names,
                "num_examples": len(result.files), "skipped": len(result.skipped)}
    from kerasgan.data.tfds import describe_tfds

    return describe_tfds(parsed.target, data_dir)
