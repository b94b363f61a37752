"""Inpainting (Context Encoder) data: the center hole with its overlap, random blocks, the fill."""

import numpy as np
import pytest

from kerasgan.data import load, load_inpainting
from kerasgan.data.inpainting import FILL_VALUE, hole_box


def first_batch(**kwargs):
    arguments = dict(image_size=32, batch_size=4, num_examples=8, shuffle=False)
    arguments.update(kwargs)
    return [t.numpy() for t in next(iter(load_inpainting("shapes", **arguments)))]


def test_fill_is_the_official_dataset_mean():
    np.testing.assert_allclose(FILL_VALUE, (-0.0823529, -0.1843137, -0.0352941), atol=1e-6)
    assert hole_box(128) == (32, 64) and hole_box(32, 10) == (11, 10)


def test_center_mask_covers_the_middle_square_and_the_overlap_border_keeps_pixels():
    masked, targets, masks = first_batch(hole_size=16, overlap=4)
    assert masked.dtype == targets.dtype == masks.dtype == np.float32
    assert masked.shape == targets.shape == (4, 32, 32, 3) and masks.shape == (4, 32, 32, 1)
    assert -1.0 <= min(masked.min(), targets.min()) and max(masked.max(), targets.max()) <= 1.0
    expected = np.zeros((32, 32), np.float32)
    expected[8:24, 8:24] = 1.0  # the middle 16x16 square
    np.testing.assert_array_equal(masks[..., 0], np.broadcast_to(expected, (4, 32, 32)))
    np.testing.assert_array_equal(
        targets, next(iter(load("shapes", image_size=32, batch_size=4, num_examples=8,
                                shuffle=False))).numpy())
    inner = np.zeros((32, 32), bool)
    inner[12:20, 12:20] = True  # the hole shrunk by the 4-pixel overlap
    np.testing.assert_allclose(masked[:, inner], np.broadcast_to(FILL_VALUE, (4, 64, 3)),
                               atol=1e-6)
    np.testing.assert_array_equal(masked[:, ~inner], targets[:, ~inner])  # border and context
    assert not np.allclose(targets[:, inner], masked[:, inner])


def test_center_without_overlap_fills_the_whole_default_hole():
    masked, targets, masks = first_batch(overlap=0)
    hole = masks[0, ..., 0] == 1.0
    assert hole.sum() == 16 * 16 and hole[8:24, 8:24].all()
    np.testing.assert_allclose(masked[:, hole], np.broadcast_to(FILL_VALUE, (4, 256, 3)),
                               atol=1e-6)
    np.testing.assert_array_equal(masked[:, ~hole], targets[:, ~hole])


def test_random_blocks_are_deterministic_by_seed_and_differ_across_seeds():
    masked, targets, masks = first_batch(mask="random", seed=7)
    again = first_batch(mask="random", seed=7)
    np.testing.assert_array_equal(masks, again[2])
    np.testing.assert_array_equal(masked, again[0])
    other = first_batch(mask="random", seed=8)[2]
    assert not np.array_equal(masks, other)
    assert set(np.unique(masks)) <= {0.0, 1.0}
    area = masks.sum(axis=(1, 2, 3))
    assert (area > 0).all() and (area <= 16 * 16).all()  # up to 1/4 of the image
    assert len({m.tobytes() for m in masks}) == 4  # one mask per image
    hole = masks[..., 0] == 1.0
    np.testing.assert_allclose(masked[hole], np.broadcast_to(FILL_VALUE, (hole.sum(), 3)),
                               atol=1e-6)
    np.testing.assert_array_equal(masked[~hole], targets[~hole])
    assert area.mean() > 16 * 16 / 4  # several blocks of sides in [4, 8] each


def test_random_masks_change_each_epoch():
    dataset = load_inpainting("shapes", image_size=16, batch_size=2, num_examples=2,
                              mask="random", shuffle=False, seed=1)
    first = next(iter(dataset))[2].numpy()
    second = next(iter(dataset))[2].numpy()
    assert not np.array_equal(first, second)


def test_argument_errors_quote_the_value():
    with pytest.raises(ValueError, match="Received: mask='ring'"):
        load_inpainting("shapes", image_size=32, batch_size=2, mask="ring")
    with pytest.raises(ValueError, match="Received: hole_size=32"):
        load_inpainting("shapes", image_size=32, batch_size=2, hole_size=32)
    with pytest.raises(ValueError, match="Received: overlap=8"):
        load_inpainting("shapes", image_size=32, batch_size=2, hole_size=16, overlap=8)
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        load_inpainting("shapes", image_size=32, batch_size=0)
