"""Decoding and converting one image file with Pillow: mode handling, resize, center crop."""

import warnings

import numpy as np
from PIL import Image, ImageOps

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
DEFAULT_MIN_SIZE = 8


class BadImage(ValueError):
    """A file that cannot be used as a training image; the message says why."""


def open_checked(path, min_size=DEFAULT_MIN_SIZE, max_pixels=None):
    """Opens and fully decodes `path`, or raises `BadImage` with the reason.

    Decompression bombs are refused from the header, before any pixel is
    decoded: more than `max_pixels` pixels (default: Pillow's
    `Image.MAX_IMAGE_PIXELS`, about 89 million).
    """
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    try:
        with open(path, "rb") as f:
            if not f.read(1):
                raise BadImage("zero-byte file")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            width, height = image.size
            if limit and width * height > limit:
                raise BadImage(
                    f"decompression bomb: {width}x{height} = {width * height} pixels exceeds "
                    f"the limit of {limit}"
                )
            image.load()  # decodes every byte: catches truncated and corrupt data
    except BadImage:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise BadImage(f"decompression bomb: {error}") from None
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError) as error:
        reason = str(error) or type(error).__name__
        if isinstance(error, Image.UnidentifiedImageError):
            reason = "not an image Pillow can identify"
        raise BadImage(f"cannot decode: {reason}") from None
    if min(image.size) < min_size:
        raise BadImage(
            f"too small: {image.size[0]}x{image.size[1]} pixels, expected at least "
            f"{min_size} on the shorter side"
        )
    return image


def to_mode(image, channels):
    """Converts any Pillow mode to 8-bit RGB (channels=3) or L (channels=1).

    16-bit and 32-bit integer images are rescaled from their full range (not
    clipped); palette images go through their palette; transparency (RGBA, LA,
    palette transparency) is composited over white.
    """
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        image = Image.fromarray(np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8))
    elif image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.clip(values * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    target = "L" if channels == 1 else "RGB"
    if image.mode != target:
        image = image.convert(target)
    return image


def resize_center_crop(image, image_size):
    """Resizes the shorter side to `image_size` (Lanczos) and crops the center square."""
    return ImageOps.fit(image, (image_size, image_size), method=Image.Resampling.LANCZOS,
                        centering=(0.5, 0.5))


def load_array(path, image_size, channels, min_size=DEFAULT_MIN_SIZE, max_pixels=None):
    """Decodes `path` to uint8 `[image_size, image_size, channels]`."""
    image = open_checked(path, min_size, max_pixels)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    image = resize_center_crop(to_mode(image, channels), image_size)
    array = np.asarray(image, dtype=np.uint8)
    return array[..., None] if array.ndim == 2 else array
