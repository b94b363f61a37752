"""Paired (pix2pix) data: shapes maps, A|B and parallel folders, the shared jitter, bad folders."""

import logging
import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.data import load_paired, render_shapes, scan_pairs
from kerasgan.data.paired import SEGMENTATION_PALETTE, default_load_size


def write(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def to_pixels(images):
    return (images.numpy() + 1.0) * 127.5


def collect(dataset):
    pairs = [(to_pixels(a), to_pixels(b)) for a, b in dataset]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


@pytest.mark.parametrize("kind", ["edges", "segmentation"])
def test_shapes_pairs_are_the_rendered_maps_and_images(kind):
    dataset = load_paired(f"shapes:pairs={kind}", image_size=16, batch_size=4, num_examples=8,
                          shuffle=False, seed=3)
    assert dataset.cardinality() == 2
    inputs, targets = next(iter(dataset))
    assert inputs.dtype == "float32" and inputs.shape == targets.shape == (4, 16, 16, 3)
    assert -1.0 <= inputs.numpy().min() and inputs.numpy().max() <= 1.0
    truth = render_shapes(4, 16, seed=3, outputs=("image", kind))
    expected = (np.repeat(truth["edges"], 3, axis=-1) if kind == "edges"
                else SEGMENTATION_PALETTE[truth["segmentation"]])
    np.testing.assert_allclose(to_pixels(inputs), expected, atol=1e-3)
    np.testing.assert_allclose(to_pixels(targets), truth["image"], atol=1e-3)
    if kind == "edges":  # the map is tiled: the three channels are equal
        assert set(np.unique(inputs.numpy())) == {-1.0, 1.0}
    swapped_inputs, swapped_targets = next(iter(load_paired(
        f"shapes:pairs={kind}", image_size=16, batch_size=4, num_examples=8, shuffle=False,
        seed=3, direction="BtoA")))
    np.testing.assert_array_equal(swapped_inputs, targets)
    np.testing.assert_array_equal(swapped_targets, inputs)


def test_side_by_side_split_left_is_a_and_btoa_swaps(tmp_path):
    image = np.zeros((16, 32, 3), np.uint8)
    image[:, :16] = (200, 10, 10)  # A, left
    image[:, 16:] = (10, 10, 200)  # B, right
    write(str(tmp_path / "pair.png"), image)
    assert scan_pairs(str(tmp_path)).layout == "side_by_side"
    inputs, targets = next(iter(load_paired(f"folder:{tmp_path}", image_size=8, batch_size=1)))
    np.testing.assert_allclose(to_pixels(inputs)[0].mean(axis=(0, 1)), (200, 10, 10), atol=0.01)
    np.testing.assert_allclose(to_pixels(targets)[0].mean(axis=(0, 1)), (10, 10, 200), atol=0.01)
    inputs, targets = next(iter(load_paired(f"folder:{tmp_path}", image_size=8, batch_size=1,
                                            direction="BtoA")))
    np.testing.assert_allclose(to_pixels(inputs)[0].mean(axis=(0, 1)), (10, 10, 200), atol=0.01)


def test_jitter_crops_and_flips_both_images_identically(tmp_path):
    """B = 255 - A: every jittered pair must be the same crop and flip of one source pair."""
    rng = np.random.default_rng(0)
    sources = []
    for index in range(6):  # halves of 18 = the default load size for 16: no resampling
        a = rng.integers(0, 256, (18, 18, 3), dtype=np.uint8)
        sources.append((a, 255 - a))
        write(str(tmp_path / f"{index}.png"), np.concatenate([a, 255 - a], axis=1))
    assert default_load_size(16) == 18
    dataset = load_paired(f"folder:{tmp_path}", image_size=16, batch_size=2, jitter=True, seed=5)
    assert dataset.cardinality() == 3
    inputs, targets = collect(dataset.repeat(3))  # three epochs: 18 pairs
    seen = set()
    for x, y in zip(inputs, targets):
        matches = []
        for k, (a, _) in enumerate(sources):
            for top in range(3):
                for left in range(3):
                    for flip in (False, True):
                        crop_a = a[top:top + 16, left:left + 16]
                        crop_a = crop_a[:, ::-1] if flip else crop_a
                        if np.allclose(x, crop_a, atol=1e-3):
                            matches.append((k, top, left, flip))
        assert len(matches) == 1, "the input is not exactly one crop/flip of one source"
        k, top, left, flip = matches[0]
        crop_b = sources[k][1][top:top + 16, left:left + 16]
        np.testing.assert_allclose(y, crop_b[:, ::-1] if flip else crop_b, atol=1e-3)
        seen.add((top, left, flip))
    assert {flip for _, _, flip in seen} == {False, True}
    assert len({(top, left) for top, left, _ in seen}) > 2


def test_parallel_folders_with_jitter_keep_a_pixelwise_relation(tmp_path):
    """Through a real resize (24 -> 20) and crop, B = 255 - A still holds after the jitter."""
    rng = np.random.default_rng(1)
    for index in range(4):
        a = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
        write(str(tmp_path / "A" / f"{index}.png"), a)
        extension = "bmp" if index == 0 else "png"  # pairs match by name without extension
        write(str(tmp_path / "B" / f"{index}.{extension}"), 255 - a)
    result = scan_pairs(str(tmp_path))
    assert result.layout == "parallel" and len(result.pairs) == 4
    dataset = load_paired(f"folder:{tmp_path}", image_size=16, batch_size=4, jitter=True,
                          load_size=20, seed=2)
    for _ in range(2):
        inputs, targets = next(iter(dataset))
        assert inputs.shape == (4, 16, 16, 3)
        np.testing.assert_allclose(targets, -inputs, atol=1e-4)
    # Without jitter the pair is the plain resize: A's pixels, B = -A.
    inputs, targets = next(iter(load_paired(f"folder:{tmp_path}", image_size=24, batch_size=1,
                                            shuffle=False)))
    np.testing.assert_allclose(targets, -inputs, atol=1e-4)


def test_mismatched_parallel_folders_name_the_files_without_partner(tmp_path):
    for name in ("cat", "dog", "eel"):
        write(str(tmp_path / "A" / f"{name}.png"), np.zeros((8, 8, 3), np.uint8))
    for name in ("cat", "dog", "fox"):
        write(str(tmp_path / "B" / f"{name}.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="do not match by file name") as info:
        load_paired(f"folder:{tmp_path}", image_size=8, batch_size=1)
    message = str(info.value)
    assert "eel.png" in message and "have no partner in B" in message
    assert "fox.png" in message and "have no partner in A" in message
    assert "cat.png" not in message


def test_missing_b_folder_is_named(tmp_path):
    write(str(tmp_path / "A" / "x.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(FileNotFoundError, match="no 'B' subfolder") as info:
        load_paired(f"folder:{tmp_path}", image_size=8, batch_size=1)
    assert str(tmp_path / "B") in str(info.value)


def test_unequal_sizes_and_odd_widths_name_the_files(tmp_path):
    write(str(tmp_path / "pairs" / "A" / "x.png"), np.zeros((16, 16, 3), np.uint8))
    write(str(tmp_path / "pairs" / "B" / "x.png"), np.zeros((16, 20, 3), np.uint8))
    with pytest.raises(ValueError, match="differ in size") as info:
        load_paired(f"folder:{tmp_path / 'pairs'}", image_size=8, batch_size=1)
    assert "A/x.png' is 16x16" in str(info.value) and "B/x.png' is 20x16" in str(info.value)
    write(str(tmp_path / "side" / "odd.png"), np.zeros((16, 33, 3), np.uint8))
    with pytest.raises(ValueError, match="odd width") as info:
        load_paired(f"folder:{tmp_path / 'side'}", image_size=8, batch_size=1)
    assert "odd.png' has an odd width (33x16)" in str(info.value)


def test_bad_files_are_skipped_with_a_count_or_raise_when_strict(tmp_path, caplog):
    write(str(tmp_path / "good.png"), np.zeros((16, 32, 3), np.uint8))
    (tmp_path / "broken.png").write_bytes(b"not an image at all")
    with caplog.at_level(logging.WARNING, logger="kerasgan.data"):
        result = scan_pairs(str(tmp_path))
    assert [os.path.basename(p) for p, _ in result.skipped] == ["broken.png"]
    assert "Skipped 1 of 2 image pairs" in caplog.text and "broken.png" in caplog.text
    assert len(list(load_paired(f"folder:{tmp_path}", image_size=8, batch_size=1))) == 1
    with pytest.raises(ValueError, match="Bad image file '.*broken.png'"):
        load_paired(f"folder:{tmp_path}", image_size=8, batch_size=1, strict=True)


def test_argument_errors_quote_the_value(tmp_path):
    with pytest.raises(ValueError, match="Received: direction='AtoC'"):
        load_paired("shapes", image_size=16, batch_size=2, direction="AtoC")
    with pytest.raises(ValueError, match="Received: load_size=12"):
        load_paired("shapes", image_size=16, batch_size=2, jitter=True, load_size=12)
    with pytest.raises(ValueError, match="only used with jitter=True"):
        load_paired("shapes", image_size=16, batch_size=2, load_size=20)
    with pytest.raises(ValueError, match="Received: pairs='depth'"):
        load_paired("shapes:pairs=depth", image_size=16, batch_size=2)
    with pytest.raises(ValueError, match="Received: spec='tfds:cycle_gan'"):
        load_paired("tfds:cycle_gan", image_size=16, batch_size=2)
    with pytest.raises(ValueError, match="fewer than one batch of 8"):
        load_paired("shapes", image_size=16, batch_size=8, num_examples=4)
    with pytest.raises(ValueError, match="Received: image_size=300"):
        load_paired("shapes", image_size=300, batch_size=2)
    assert (default_load_size(256), default_load_size(128), default_load_size(64)) == (
        286, 143, 72)
