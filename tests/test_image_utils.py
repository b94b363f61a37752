import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.utils import make_grid, save_image_grid, save_png, to_uint8


def test_to_uint8_maps_the_range_ends():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 1.0, 3.0, -7.0])),
                                  [0, 128, 255, 255, 0])


def test_grid_layout_puts_image_k_at_row_k_div_cols():
    images = np.stack([np.full((3, 4, 3), k, np.uint8) for k in range(5)])
    grid = make_grid(images, cols=3, padding=1, pad_value=200)
    assert grid.shape == (2 * 4 + 1, 3 * 5 + 1, 3)
    for k in range(5):
        row, col = divmod(k, 3)
        top, left = 1 + row * 4, 1 + col * 5
        assert (grid[top:top + 3, left:left + 4] == k).all()
    assert (grid[0] == 200).all()  # padding
    assert (grid[5:8, 11:15] == 200).all()  # the empty sixth cell


def test_grid_shape_errors():
    with pytest.raises(ValueError, match="Expected NHWC"):
        make_grid(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="cannot hold 5 images"):
        make_grid(np.zeros((5, 2, 2, 3)), rows=2, cols=2)


def test_save_image_grid_writes_a_png_and_no_temporary_file(tmp_path):
    path = tmp_path / "out" / "grid.png"
    save_image_grid(str(path), np.zeros((4, 8, 8, 1), "float32"), padding=0)
    image = Image.open(path)
    assert image.size == (16, 16) and image.mode == "L"
    assert sorted(p.name for p in path.parent.iterdir()) == ["grid.png"]


def test_saved_png_gets_the_umask_permissions_not_private_ones(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_png(str(tmp_path / "grid.png"), np.zeros((4, 4, 3), np.uint8))
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644
