"""Image folders: flat (unconditional) or one subfolder per class (class-conditional)."""

import dataclasses
import logging
import os

import numpy as np

from kerasgan.data._image import DEFAULT_MIN_SIZE, EXTENSIONS, BadImage, load_array, open_checked

logger = logging.getLogger("kerasgan.data")


@dataclasses.dataclass(frozen=True)
class ScanResult:
    """The usable files of a folder, their labels, and what was skipped and why."""

    root: str
    files: tuple
    labels: tuple
    class_names: tuple  # None for a flat folder
    skipped: tuple  # (path, reason) pairs
    empty_classes: tuple = ()  # (class subfolder path, reason) pairs: no usable image

    @property
    def num_classes(self):
        return len(self.class_names) if self.class_names else None


def _image_files(directory):
    found = []
    for current, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and name.lower().endswith(EXTENSIONS):
                found.append(os.path.join(current, name))
    return found


def scan(path, min_size=DEFAULT_MIN_SIZE, max_pixels=None, strict=False):
    """Lists and validates the images of a folder.

    A folder whose subfolders hold images is class-conditional: every
    (non-hidden) subfolder is a class, labels are the index of each subfolder
    in sorted order, and files directly in the root are an error. A class
    subfolder without a usable image is listed in `empty_classes` (see
    `check_classes`). Otherwise every image in the folder (recursively) is
    unlabelled.
    Every file is decoded once: corrupt, truncated, zero-byte, non-image,
    too small (`min_size`) and oversized (`max_pixels`) files are skipped and
    reported (a warning per file and a summary), or raise with `strict=True`.

    Args:
        path: the folder.
        min_size: the smallest accepted shorter side, in pixels.
        max_pixels: the largest accepted width x height (default: Pillow's limit).
        strict: raise on the first bad file instead of skipping it.

    Returns:
        A `ScanResult`.

    Examples:

    >>> result = scan("my_images")  # doctest: +SKIP
    >>> len(result.files), result.class_names, len(result.skipped)  # doctest: +SKIP
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder not found. Received: path='{path}'")
    if not os.path.isdir(path):
        raise ValueError(f"Expected a folder of images. Received: path='{path}' (not a folder)")
    subdirs = sorted(
        d for d in os.listdir(path)
        if not d.startswith(".") and os.path.isdir(os.path.join(path, d))
    )
    listings = {d: _image_files(os.path.join(path, d)) for d in subdirs}
    class_dirs = [d for d in subdirs if listings[d]]
    top_level = [
        os.path.join(path, n) for n in sorted(os.listdir(path))
        if n.lower().endswith(EXTENSIONS) and os.path.isfile(os.path.join(path, n))
    ]
    if class_dirs and top_level:
        raise ValueError(
            f"'{path}' mixes image files ({len(top_level)}, e.g. '{top_level[0]}') with class "
            f"subfolders ({', '.join(class_dirs)}). Expected either a flat folder of images or "
            "one subfolder per class."
        )
    if class_dirs:
        # Every subfolder is a class, the empty ones too: their indices must not shift.
        candidates = [(f, label) for label, d in enumerate(subdirs) for f in listings[d]]
        class_names = tuple(subdirs)
    else:
        candidates = [(f, -1) for f in _image_files(path)]
        class_names = None
    if not candidates:
        raise ValueError(
            f"Expected image files ({', '.join(EXTENSIONS)}) in '{path}' or in its class "
            "subfolders; found none."
        )
    files, labels, skipped = [], [], []
    for file, label in candidates:
        try:
            open_checked(file, min_size, max_pixels).close()
        except BadImage as error:
            if strict:
                raise ValueError(f"Bad image file '{file}': {error}") from None
            logger.warning("Skipping bad image file '%s': %s", file, error)
            skipped.append((file, str(error)))
            continue
        files.append(file)
        labels.append(label)
    if skipped:
        logger.warning("Skipped %d of %d image files in '%s'.", len(skipped), len(candidates),
                       path)
    if not files:
        raise ValueError(
            f"No usable image in '{path}': all {len(candidates)} image files were bad "
            f"(first: '{skipped[0][0]}': {skipped[0][1]})."
        )
    empty_classes, present = [], set(labels)
    for label, name in enumerate(class_names or ()):
        if label not in present:
            found = len(listings[name])
            reason = (f"all {found} image files were bad" if found else "no image files")
            empty_classes.append((os.path.join(path, name), reason))
    return ScanResult(os.fspath(path), tuple(files), tuple(labels), class_names, tuple(skipped),
                      tuple(empty_classes))


def check_classes(result):
    """Raises unless every class subfolder of a `ScanResult` holds at least one usable image.

    Class labels are the index of each subfolder in sorted order: a class
    without images would be a label the model never sees.

    Args:
        result: a `ScanResult` (of a flat or a class-conditional folder).

    Examples:

    >>> import os, tempfile
    >>> from PIL import Image
    >>> root = tempfile.mkdtemp()
    >>> for name in ("cats", "dogs"):
    ...     os.makedirs(os.path.join(root, name))
    >>> Image.new("RGB", (16, 16)).save(os.path.join(root, "cats", "0.png"))
    >>> check_classes(scan(root))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 1 class subfolder(s) of '...' hold no usable image: '...dogs' (no image files)...
    """
    if not result.empty_classes:
        return
    listed = ", ".join(f"'{folder}' ({reason})" for folder, reason in result.empty_classes)
    raise ValueError(
        f"{len(result.empty_classes)} class subfolder(s) of '{result.root}' hold no usable "
        f"image: {listed}. Expected at least one image in each class subfolder (the labels are "
        f"the index of each subfolder in sorted order: {list(result.class_names)}). Add images "
        "to it or remove it."
    )


def _folder_source(scan_result, image_size, channels, min_size=DEFAULT_MIN_SIZE,
                  max_pixels=None):
    """A `Source` of `{"image": uint8 [size, size, channels], "label": int32}` by file index.

    Each file is decoded (resized and center-cropped) when its index is read.
    """
    import tensorflow as tf

    from kerasgan.data._order import Source

    files = list(scan_result.files)
    labels = tf.constant(np.asarray(scan_result.labels, np.int32))

    def decode(index):
        file = files[int(index)]
        try:
            return load_array(file, image_size, channels, min_size, max_pixels)
        except BadImage as error:  # the file changed after the scan
            raise ValueError(f"Bad image file '{file}': {error}") from None

    def fetch(index):
        image = tf.numpy_function(decode, [index], tf.uint8, stateful=False)
        image.set_shape((image_size, image_size, channels))
        return {"image": image, "label": tf.gather(labels, index)}

    return Source(len(files), fetch)
