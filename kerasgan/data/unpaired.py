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

Each domain is shuffled and repeated on its own, so which B image meets which
A image changes every epoch. One epoch is `max(len(A), len(B))` examples,
as in the official CycleGAN `UnalignedDataset`: every image of the larger
domain is seen once per epoch and the smaller domain cycles (the first pass
of it in full, then part of a second, reshuffled, pass).
"""

import os

from kerasgan.data._image import DEFAULT_MIN_SIZE
from kerasgan.data.paired import (
    check_batch_size,
    check_jitter,
    example_keys,
    random_jitter,
)

DOMAINS = ("A", "B")


def _folder_domains(root, split, size, strict, min_size, max_pixels, shuffle, seed):
    from kerasgan.data.folder import folder_dataset, scan

    if not os.path.isdir(root):
        raise FileNotFoundError(f"Image folder not found. Received: path='{root}'")
    domains = []
    for index, domain in enumerate(DOMAINS):
        folder = os.path.join(root, split + domain)
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"The unpaired folder '{root}' has no '{split}{domain}' subfolder (domain "
                f"{domain}). Expected '{split}A/' and '{split}B/'. Missing: '{folder}'")
        try:
            result = scan(folder, min_size=min_size, max_pixels=max_pixels, strict=strict)
        except ValueError as error:
            raise ValueError(f"Domain {domain} ('{folder}'): {error}") from None
        dataset = folder_dataset(result, size, 3, min_size, max_pixels, shuffle=shuffle,
                                 seed=seed + index)
        domains.append((dataset.map(lambda image, label: image), len(result.files)))
    return domains


def _tfds_domains(name, split, size, data_dir, download, shuffle, seed):
    from kerasgan.data.tfds import tfds_builder, tfds_dataset

    splits = tfds_builder(name, data_dir, download).info.splits
    domains = []
    for index, domain in enumerate(DOMAINS):
        split_name = split + domain
        if split_name not in splits:
            raise ValueError(
                f"TFDS dataset '{name}' has no split '{split_name}' (domain {domain}). "
                f"Expected two-domain splits like those of cycle_gan ('trainA', 'trainB', "
                f"'testA', 'testB'). Available splits: {sorted(splits.keys())}.")
        dataset = tfds_dataset(name, split_name, size, 3, data_dir, download, shuffle=shuffle,
                               seed=seed + index)
        domains.append((dataset.map(lambda image, label: image),
                        splits[split_name].num_examples))
    return domains


def _shapes_domains(options, count, image_size, seed, shuffle):
    from kerasgan.data.spec import _shapes_dataset

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
    domains = []
    for index, domain in enumerate("ab"):
        dataset = _shapes_dataset(count, image_size, 2 * seed + index,
                                  {**options, "domain": domain}, shuffle)
        domains.append((dataset.map(lambda image, label: image), count))
    return domains


def load_unpaired(spec, *, image_size, batch_size, split=None, jitter=False, load_size=None,
                  shuffle=True, seed=0, num_examples=None, strict=False,
                  min_size=DEFAULT_MIN_SIZE, max_pixels=None, data_dir=None, download=False,
                  **options):
    """A batched dataset of `(a, b)` unpaired images for CycleGAN, float32 in [-1, 1].

    `a` and `b` are batches of the same size drawn independently from domains
    A and B. An epoch holds `max(len(A), len(B)) // batch_size` batches (see
    the module docstring). Without jitter, folder and TFDS images are resized
    (shorter side) and center-cropped to `image_size`; with `jitter=True`
    they are loaded that way at `load_size` (shapes images are rendered at
    `image_size` and upsampled), randomly cropped to `image_size` and
    randomly flipped (the official CycleGAN `resize_and_crop`
    preprocessing), independently for every image.

    Args:
        spec: `"shapes"` (= `"shapes:domains=ab"`), `"folder:PATH"` (with
            `trainA/` and `trainB/`) or `"tfds:cycle_gan/NAME"`.
        image_size: side of the square output images.
        batch_size: images per batch in each domain.
        split: `"train"` or `"test"` (the `{split}A` / `{split}B` folders or
            TFDS splits); default: the TFDS spec's split, else `"train"`.
        jitter: apply the random resize-crop-flip.
        load_size: the resize before the random crop (default
            `round(image_size * 286 / 256)`: 286 for 256).
        shuffle: shuffle each domain (seeded; reshuffled each pass).
        seed: seeds the shapes data, the shuffling and the jitter.
        num_examples: images per domain of the shapes data (default 8192).
        strict, min_size, max_pixels: for folders, as in `kerasgan.data.scan`.
        data_dir, download: for TFDS.
        **options: shapes options (`domains`, `num_shapes`).

    Examples:

    >>> dataset = load_unpaired("shapes:domains=ab", image_size=32, batch_size=4,
    ...                         num_examples=8)
    >>> a, b = next(iter(dataset))
    >>> a.shape, b.shape, a.dtype.name
    (TensorShape([4, 32, 32, 3]), TensorShape([4, 32, 32, 3]), 'float32')
    """
    import tensorflow as tf

    from kerasgan.data.spec import DEFAULT_SHAPES_EXAMPLES, _check_size, parse_spec

    parsed = parse_spec(spec)
    _check_size(parsed.kind, image_size)
    check_batch_size(batch_size)
    load_size = check_jitter(image_size, jitter, load_size)
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
        domains = _shapes_domains({**dict(parsed.options), **options}, count, image_size, seed,
                                  shuffle)
    elif parsed.kind == "folder":
        domains = _folder_domains(parsed.target, split, size, strict, min_size, max_pixels,
                                  shuffle, seed)
    else:
        domains = _tfds_domains(parsed.target, split, size, data_dir, download, shuffle, seed)
    (dataset_a, count_a), (dataset_b, count_b) = domains
    length = max(count_a, count_b)
    if length < batch_size:
        raise ValueError(
            f"The data '{spec}' holds {count_a} (A) and {count_b} (B) images, fewer than one "
            f"batch of {batch_size}. Expected at least batch_size images in the larger domain "
            "(batches drop the remainder).")

    def prepare(a, b, key):
        key_a, key_b = tf.unstack(tf.random.experimental.stateless_split(key, 2))
        images = []
        for image, image_key in ((a, key_a), (b, key_b)):
            image = tf.cast(image, tf.float32)  # already image_size x image_size without jitter
            if load_size is not None:
                image = random_jitter(image, image_size, load_size, image_key)
            images.append(image / 127.5 - 1.0)
        return tuple(images)

    dataset = tf.data.Dataset.zip(
        (dataset_a.repeat(), dataset_b.repeat(), example_keys(seed))).take(length)
    dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(length))
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
