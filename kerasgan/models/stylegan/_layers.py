"""StyleGAN helpers shared by its networks (the sizes and checks of every progressive network
are in `kerasgan.models.progressive`)."""


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
