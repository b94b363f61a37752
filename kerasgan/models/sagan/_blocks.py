"""Argument checks shared by the SAGAN networks."""

SIZES = (32, 64, 128, 256)


def check_size(image_size):
    if image_size not in SIZES:
        raise ValueError(f"`image_size` must be one of {list(SIZES)}. "
                         f"Received: image_size={image_size}")
