"""Argument checks shared by the DCGAN networks."""

SIZES = (16, 32, 64, 128, 256)


def check_image_args(image_size, channels, any_channels=False):
    """Checks the resolution, and the channels: 1 or 3, or any positive count (a
    discriminator's input may stack an image with a label map or a second image)."""
    if image_size not in SIZES:
        raise ValueError(
            f"`image_size` must be a power of two in {list(SIZES)}. "
            f"Received: image_size={image_size}"
        )
    if any_channels:
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f"`channels` must be a positive integer. Received: "
                             f"channels={channels!r}")
    elif channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels}")


def widths(image_size, base_filters, max_filters):
    """Channel widths from the 4x4 stage up to image_size / 2 (base_filters * 2^k, capped)."""
    if base_filters < 1:
        raise ValueError(f"`base_filters` must be >= 1. Received: base_filters={base_filters}")
    stages = image_size.bit_length() - 3  # 4x4 ... image_size/2
    result = [base_filters * 2 ** (stages - 1 - i) for i in range(stages)]
    if max_filters is not None:
        result = [min(w, max_filters) for w in result]
    return result
