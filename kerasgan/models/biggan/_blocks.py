"""Shared pieces of the BigGAN networks: the official width tables and argument checks."""

# BigGAN-PyTorch's architecture tables (BigGAN.py `G_arch` / `D_arch`), as multiples of
# the base width `ch`. Generator: the 4x4 input width, then each up-block's output width.
G_WIDTHS = {32: (4, 4, 4, 4), 64: (16, 16, 8, 4, 2), 128: (16, 16, 8, 4, 2, 1),
            256: (16, 16, 8, 8, 4, 2, 1)}
# Discriminator: each block's output width and whether it halves the resolution.
D_WIDTHS = {32: ((4, True), (4, True), (4, False), (4, False)),
            64: ((1, True), (2, True), (4, True), (8, True), (16, False)),
            128: ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)),
            256: ((1, True), (2, True), (4, True), (8, True), (8, True), (16, True),
                  (16, False))}
SIZES = tuple(sorted(G_WIDTHS))


def check_size(image_size):
    if image_size not in SIZES:
        raise ValueError(f"`image_size` must be one of {list(SIZES)}. "
                         f"Received: image_size={image_size}")


def check_classes(num_classes):
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"`num_classes` must be an integer >= 2. "
                         f"Received: num_classes={num_classes!r}")
