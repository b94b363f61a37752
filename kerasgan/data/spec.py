"""One data spec string for every source: `shapes[:K=V,...]`, `folder:PATH`, `tfds:NAME[:split]`.

The paired and unpaired pipelines read two more shapes options:
`shapes:pairs=edges|segmentation` (`load_paired`) and `shapes:domains=ab` (`load_unpaired`).
"""

import dataclasses

from kerasgan.data._image import DEFAULT_MIN_SIZE

FORMS = ("shapes", "shapes:KEY=VALUE[,KEY=VALUE]", "folder:PATH", "tfds:NAME[:split]")
DEFAULT_SHAPES_EXAMPLES = 8192
_CACHE_LIMIT_BYTES = 256 * 2**20
_CHUNK = 64


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


def _shapes_dataset(num_examples, image_size, seed, options, shuffle):
    import tensorflow as tf

    from kerasgan.data.shapes import render_shapes

    allowed = {"domain", "num_shapes"}
    unknown = set(options) - allowed
    if unknown:
        hint = {"pairs": " (`pairs=` is for kerasgan.data.load_paired)",
                "domains": " (`domains=` is for kerasgan.data.load_unpaired)"}
        raise ValueError(f"Unknown shapes options {sorted(unknown)}. Expected any of "
                         f"{sorted(allowed)}." + "".join(hint.get(k, "") for k in sorted(unknown)))
    render_shapes(1, image_size, seed, **options)  # validates the options now, not in a worker
    num_chunks = -(-num_examples // _CHUNK)

    def render(chunk):
        start = int(chunk) * _CHUNK
        batch = render_shapes(min(_CHUNK, num_examples - start), image_size, seed, start,
                              **options)
        return batch["image"], batch["label"]

    def load(chunk):
        images, labels = tf.numpy_function(render, [chunk], (tf.uint8, tf.int32),
                                           stateful=False)
        images.set_shape((None, image_size, image_size, 3))
        labels.set_shape((None,))
        return tf.data.Dataset.from_tensor_slices((images, labels))

    dataset = tf.data.Dataset.range(num_chunks).interleave(
        load, cycle_length=2, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if num_examples * image_size * image_size * 3 <= _CACHE_LIMIT_BYTES:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(min(num_examples, 8192), seed=seed,
                                  reshuffle_each_iteration=True)
    return dataset


def load(spec, *, image_size, batch_size, channels=3, labels=False, shuffle=True, seed=0,
         strict=False, num_examples=None, min_size=DEFAULT_MIN_SIZE, max_pixels=None,
         data_dir=None, download=False, **options):
    """A batched `tf.data.Dataset` of float32 images in [-1, 1], NHWC, from a data spec.

    Args:
        spec: `"shapes"` (embedded, the default), `"folder:PATH"` or
            `"tfds:NAME[:split]"`; see `parse_spec`.
        image_size: side of the square images.
        batch_size: batch size (batches drop the remainder).
        channels: 1 or 3.
        labels: yield `(images, labels)` with int32 labels.
        shuffle: shuffle (seeded; reshuffled each epoch).
        seed: seeds the shapes data and the shuffling.
        strict: for folders, raise on a bad file instead of skipping it.
        num_examples: images per epoch of the shapes data (default 8192).
        min_size, max_pixels: for folders, the smallest accepted side and the
            largest accepted pixel count.
        data_dir, download: for TFDS.
        **options: shapes options (`domain`, `num_shapes`).

    Examples:

    >>> dataset = load("shapes", image_size=32, batch_size=8, num_examples=16)
    >>> images = next(iter(dataset))
    >>> images.shape, images.dtype.name
    (TensorShape([8, 32, 32, 3]), 'float32')
    """
    import tensorflow as tf

    parsed = parse_spec(spec)
    _check_size(parsed.kind, image_size)
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer. Received: {batch_size!r}")

    if parsed.kind == "shapes":
        shape_options = {**dict(parsed.options), **options}
        count = DEFAULT_SHAPES_EXAMPLES if num_examples is None else int(num_examples)
        dataset = _shapes_dataset(count, image_size, seed, shape_options, shuffle)
        source_channels = 3
    elif options:
        raise ValueError(f"Unknown options {sorted(options)} for {parsed.kind} data.")
    elif parsed.kind == "folder":
        from kerasgan.data.folder import folder_dataset, scan

        result = scan(parsed.target, min_size=min_size, max_pixels=max_pixels, strict=strict)
        if labels and result.class_names is None:
            raise ValueError(
                f"Labels were requested but '{parsed.target}' has no class subfolders. "
                "Expected one subfolder per class."
            )
        count = len(result.files)
        dataset = folder_dataset(result, image_size, channels, min_size, max_pixels,
                                 shuffle=shuffle, seed=seed)
        source_channels = channels
    else:
        from kerasgan.data.tfds import tfds_builder, tfds_dataset

        builder = tfds_builder(parsed.target, data_dir, download)
        split_info = builder.info.splits.get(parsed.split) if parsed.split in (
            builder.info.splits) else None
        count = split_info.num_examples if split_info is not None else None
        dataset = tfds_dataset(parsed.target, parsed.split, image_size, channels, data_dir,
                               download, shuffle=shuffle, seed=seed)
        source_channels = channels
    if count is not None and count < batch_size:
        raise ValueError(
            f"The data '{spec}' holds {count} images, fewer than one batch of {batch_size}. "
            "Expected at least batch_size images (batches drop the remainder)."
        )

    if count is not None:  # lets Keras know the epoch length
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))

    def to_float(image, label):
        image = tf.cast(image, tf.float32)
        if channels == 1 and source_channels == 3:
            image = tf.image.rgb_to_grayscale(image)
        image = image / 127.5 - 1.0
        return (image, label) if labels else image

    return (
        dataset.batch(batch_size, drop_remainder=True)
        .map(to_float, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def describe(spec, data_dir=None, **options):
    """Facts about a data spec: `num_classes`, `class_names`, `num_examples` where known."""
    parsed = parse_spec(spec)
    if parsed.kind == "shapes":
        from kerasgan.data.shapes import CLASS_NAMES

        return {"num_classes": len(CLASS_NAMES), "class_names": CLASS_NAMES,
                "num_examples": options.get("num_examples", DEFAULT_SHAPES_EXAMPLES)}
    if parsed.kind == "folder":
        from kerasgan.data.folder import scan

        result = scan(parsed.target, **options)
        return {"num_classes": result.num_classes, "class_names": result.class_names,
                "num_examples": len(result.files), "skipped": len(result.skipped)}
    from kerasgan.data.tfds import describe_tfds

    return describe_tfds(parsed.target, data_dir)
