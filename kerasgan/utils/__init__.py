"""Small utilities shared across kerasgan."""

from kerasgan.utils.images import make_grid, save_image_grid, save_png, to_uint8

__all__ = ["make_grid", "save_image_grid", "save_png", "to_uint8"]
