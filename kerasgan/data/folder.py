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

    A folder whose subfolders hold images is class-conditional: labels are the
    index of each subfolder in sorted order, and files directly in the root are
    an error. Otherwise every image in the folder (recursively) is unlabelled.
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
    class_dirs = [d for d in subdirs if _image_files(os.path.join(path, d))]
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
        candidates = [(f, label) for label, d in enumerate(class_dirs)
                      for f in _image_files(os.path.join(path, d))]
        class_names = tuple(class_dirs)
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
    return ScanResult(os.fspath(path), tuple(files), tuple(labels), class_names, tuple(skipped))


def folder_dataset(scan_result, image_size, channels, min_size=DEFAULT_MIN_SIZE,
                   max_pixels=None, shuffle=False, seed=0):
    """An unbatched `tf.data.Dataset` of `(uint8 image, int32 label)` from a `ScanResult`.

    Shuffling permutes file indices (reshuffled each epoch) before decoding.
    """
    import tensorflow as tf

    files = list(scan_result.files)
    labels = np.asarray(scan_result.labels, np.int32)

    def decode(index):
        file = files[int(index)]
        try:
            return load_array(file, image_size, channels, min_size, max_pixels)
        except BadImage as error:  # the file changed after the scan
            raise ValueError(f"Bad image file '{file}': {error}") from None

    def load(index):
        image = tf.numpy_function(decode, [index], tf.uint8, stateful=False)
        image.set_shape((image_size, image_size, channels))
        return image, tf.gather(labels, index)

    indices = tf.data.Dataset.range(len(files))
    if shuffle:
        indices = indices.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    return indices.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
