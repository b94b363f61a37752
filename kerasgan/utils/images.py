"""Image grids and PNG writing for samples."""

import math
import os
import tempfile

import numpy as np

from kerasgan.utils.download import default_mode


def to_uint8(images):
    """Maps float images in [-1, 1] to uint8 in [0, 255] (-1 -> 0, 1 -> 255), clipping."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip((images + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)


def make_grid(images, rows=None, cols=None, padding=2, pad_value=255):
    """Tiles NHWC images (float in [-1, 1] or uint8) into one uint8 HxWxC image.

    Image k goes to row k // cols, column k % cols. With neither `rows` nor
    `cols` given the grid is as square as possible.

    Examples:

    >>> import numpy as np
    >>> make_grid(np.zeros((6, 4, 4, 3), "float32"), cols=3, padding=1).shape
    (11, 16, 3)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"Expected NHWC images. Received: shape={images.shape}")
    if images.dtype != np.uint8:
        images = to_uint8(images)
    n, h, w, c = images.shape
    if cols is None:
        cols = math.ceil(n / rows) if rows else math.ceil(math.sqrt(n))
    rows = rows or math.ceil(n / cols)
    if rows * cols < n:
        raise ValueError(f"A {rows}x{cols} grid cannot hold {n} images.")
    grid = np.full((rows * (h + padding) + padding, cols * (w + padding) + padding, c),
                   pad_value, np.uint8)
    for k in range(n):
        top = padding + (k // cols) * (h + padding)
        left = padding + (k % cols) * (w + padding)
        grid[top:top + h, left:left + w] = images[k]
    return grid


def save_png(path, image):
    """Writes a uint8 HxWxC (C = 1 or 3) array as a PNG, atomically (temporary file, rename)."""
    from PIL import Image

    image = np.asarray(image)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=directory)
    try:
        os.fchmod(fd, default_mode())
        with os.fdopen(fd, "wb") as f:
            Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(f, "PNG")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def save_image_grid(path, images, **grid_kwargs):
    """Writes `make_grid(images, **grid_kwargs)` as a PNG, atomically."""
    return save_png(path, make_grid(images, **grid_kwargs))
