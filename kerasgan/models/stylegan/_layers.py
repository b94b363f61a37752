"""StyleGAN helpers shared by its networks: feature maps and argument checks."""

import math


def feature_maps(stage, fmap_base, fmap_decay, fmap_max):
    """The official `nf(stage)`: `min(int(fmap_base / 2**(stage * fmap_decay)), fmap_max)`."""
    return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)


def check_positive_int(name, value):
    """Raises unless `value` is a positive integer, quoting it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_non_negative_int(name, value):
    """Raises unless `value` is a non-negative integer, quoting it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer. Received: {name}={value!r}")


def check_architecture(resolution, fmap_base, fmap_decay, fmap_max):
    """Validates the arguments shared by the synthesis network and the discriminator;
    returns log2(resolution)."""
    if (not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 4
            or resolution & (resolution - 1)):
        raise ValueError("`resolution` must be a power of 2, at least 4. "
                         f"Received: resolution={resolution!r}")
    check_positive_int("fmap_base", fmap_base)
    check_positive_int("fmap_max", fmap_max)
    if not isinstance(fmap_decay, (int, float)) or isinstance(fmap_decay, bool) or fmap_decay < 0:
        raise ValueError("`fmap_decay` must be a non-negative number. "
                         f"Received: fmap_decay={fmap_decay!r}")
    resolution_log2 = int(math.log2(resolution))
    smallest = feature_maps(resolution_log2 - 1, fmap_base, fmap_decay, fmap_max)
    if smallest < 1:
        raise ValueError(f"`fmap_base` is too small for resolution {resolution}: the last "
                         f"stage would have {smallest} feature maps. Received: "
                         f"fmap_base={fmap_base}")
    return resolution_log2


def check_blur_filter(blur_filter):
    """`None` (no blur) or the 1D taps as a list (JSON-able, as stored in the config)."""
    if blur_filter is None:
        return None
    if (not isinstance(blur_filter, (list, tuple)) or not blur_filter
            or len(blur_filter) % 2 != 1 or not all(
                isinstance(t, (int, float)) and not isinstance(t, bool) for t in blur_filter)):
        raise ValueError("`blur_filter` must be None or a list of numbers of odd length. "
                         f"Received: blur_filter={blur_filter!r}")
    return list(blur_filter)
