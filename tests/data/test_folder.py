"""Image folders: every format, mode conversion, class folders, and every kind of bad file."""

import logging
import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.data import describe, load, scan


def write(path, array, mode=None, **save_kwargs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = Image.fromarray(array) if mode is None else Image.fromarray(array, mode)
    image.save(path, **save_kwargs)
    return path


def solid(color, size=16):
    return np.full((size, size, 3), color, np.uint8)


def images_of(folder, **kwargs):
    dataset = load(f"folder:{folder}", shuffle=False, **kwargs)
    return np.concatenate([b[0].numpy() if isinstance(b, tuple) else b.numpy()
                           for b in dataset])


@pytest.mark.parametrize("ext, kwargs", [("png", {}), ("jpg", {"quality": 95}), ("bmp", {}),
                                         ("gif", {}), ("webp", {"lossless": True})])
def test_every_format_loads_with_its_colors(tmp_path, ext, kwargs):
    write(str(tmp_path / f"a.{ext}"), solid((200, 40, 10)), **kwargs)
    images = images_of(tmp_path, image_size=8, batch_size=1)
    np.testing.assert_allclose(images[0].mean(axis=(0, 1)),
                               np.array([200, 40, 10]) / 127.5 - 1.0, atol=0.05)


def test_palette_png_and_gif_go_through_the_palette(tmp_path):
    blocks = np.zeros((16, 16, 3), np.uint8)
    blocks[:8] = (10, 200, 90)
    blocks[8:] = (250, 250, 0)
    rgb = Image.fromarray(blocks)
    for name in ("p.png", "p.gif"):
        paletted = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
        assert paletted.mode == "P"
        paletted.save(tmp_path / name)
    for image in images_of(tmp_path, image_size=16, batch_size=2):
        pixels = np.round((image + 1.0) * 127.5).astype(int)
        np.testing.assert_array_equal(pixels[2, 2], [10, 200, 90])
        np.testing.assert_array_equal(pixels[13, 13], [250, 250, 0])


def test_16_bit_png_is_rescaled_not_clipped(tmp_path):
    values = np.full((16, 16), 32768, np.uint16)  # half of the 16-bit range
    Image.fromarray(values).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    image = images_of(tmp_path, image_size=16, batch_size=1)[0]
    np.testing.assert_allclose(image, 128 / 127.5 - 1.0, atol=0.01)


def test_rgba_is_composited_on_white_and_gray_becomes_rgb(tmp_path):
    rgba = np.zeros((16, 16, 4), np.uint8)  # fully transparent black
    write(str(tmp_path / "clear.png"), rgba)
    write(str(tmp_path / "gray.png"), np.full((16, 16), 64, np.uint8))
    clear, gray = images_of(tmp_path, image_size=16, batch_size=2)
    np.testing.assert_allclose(clear, 1.0, atol=1e-6)  # white
    np.testing.assert_allclose(gray, 64 / 127.5 - 1.0, atol=1e-6)
    assert gray.shape == (16, 16, 3)


def test_resize_shorter_side_then_center_crop(tmp_path):
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = 255  # the white center third survives the crop
    write(str(tmp_path / "wide.png"), wide)
    image = images_of(tmp_path, image_size=10, batch_size=1)[0]
    assert image.shape == (10, 10, 3) and image.mean() > 0.9


def test_grayscale_model_channels(tmp_path):
    write(str(tmp_path / "c.png"), solid((255, 255, 255)))
    assert images_of(tmp_path, image_size=8, batch_size=1, channels=1).shape == (1, 8, 8, 1)


def test_class_subfolders_give_labels(tmp_path):
    for name, color in (("cats", 0), ("dogs", 255)):
        for i in range(3):
            write(str(tmp_path / name / f"{i}.png"), solid((color, color, color)))
    dataset = load(f"folder:{tmp_path}", image_size=8, batch_size=6, labels=True,
                   shuffle=False)
    images, labels = next(iter(dataset))
    np.testing.assert_array_equal(labels.numpy(), [0, 0, 0, 1, 1, 1])
    assert images.numpy()[:3].max() < -0.9 and images.numpy()[3:].min() > 0.9
    assert describe(f"folder:{tmp_path}")["class_names"] == ("cats", "dogs")


def make_bad_files(folder):
    good = write(str(folder / "good.png"), solid((1, 2, 3)))
    with open(good, "rb") as f:
        data = f.read()
    jpeg = write(str(folder / "good2.jpg"), solid((90, 90, 90), 30))
    with open(jpeg, "rb") as f:
        jpeg_data = f.read()
    bad = {
        "corrupt.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "truncated.png": data[: len(data) // 2],
        "truncated.jpg": jpeg_data[: len(jpeg_data) // 2],
        "empty.jpg": b"",
        "notes.png": b"this is a text file, not an image\n",
    }
    for name, content in bad.items():
        (folder / name).write_bytes(content)
    write(str(folder / "tiny.png"), solid((5, 5, 5), 1))
    write(str(folder / "bomb.png"), solid((5, 5, 5), 40))  # over the test's pixel limit
    return sorted(list(bad) + ["tiny.png", "bomb.png"])


def test_each_bad_file_is_skipped_and_reported_by_path(tmp_path, caplog):
    bad_names = make_bad_files(tmp_path)
    with caplog.at_level(logging.WARNING, logger="kerasgan.data"):
        result = scan(str(tmp_path), max_pixels=1000)
    assert sorted(os.path.basename(p) for p in result.files) == ["good.png", "good2.jpg"]
    assert sorted(os.path.basename(p) for p, _ in result.skipped) == bad_names
    reasons = {os.path.basename(p): r for p, r in result.skipped}
    assert "zero-byte" in reasons["empty.jpg"]
    assert "too small: 1x1" in reasons["tiny.png"]
    assert "decompression bomb" in reasons["bomb.png"]
    for name in bad_names:
        assert str(tmp_path / name) in caplog.text
    assert f"Skipped {len(bad_names)} of {len(bad_names) + 2} image files" in caplog.text
    dataset = load(f"folder:{tmp_path}", image_size=8, batch_size=2, max_pixels=1000)
    assert next(iter(dataset)).shape == (2, 8, 8, 3)


@pytest.mark.parametrize("name", ["corrupt.png", "truncated.png", "truncated.jpg",
                                  "empty.jpg", "notes.png", "tiny.png", "bomb.png"])
def test_strict_raises_naming_the_bad_file(tmp_path, name):
    make_bad_files(tmp_path)
    for other in os.listdir(tmp_path):
        if other not in (name, "good.png"):
            os.remove(tmp_path / other)
    with pytest.raises(ValueError, match="Bad image file") as info:
        scan(str(tmp_path), max_pixels=1000, strict=True)
    assert str(tmp_path / name) in str(info.value)


def test_default_pixel_limit_is_pillows(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    write(str(tmp_path / "big.png"), solid((1, 1, 1), 16))  # 256 pixels > 100
    write(str(tmp_path / "ok.png"), solid((1, 1, 1), 8))  # 64 pixels
    result = scan(str(tmp_path))
    assert [os.path.basename(p) for p, _ in result.skipped] == ["big.png"]


def test_missing_empty_and_all_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="Received: path="):
        load(f"folder:{tmp_path / 'nope'}", image_size=8, batch_size=1)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="Expected image files .* found none"):
        load(f"folder:{tmp_path / 'empty'}", image_size=8, batch_size=1)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_bytes(b"")
    with pytest.raises(ValueError, match="No usable image .* all 1 image files were bad"):
        load(f"folder:{tmp_path / 'bad'}", image_size=8, batch_size=1)


def test_mixed_flat_files_and_class_folders_is_an_error(tmp_path):
    write(str(tmp_path / "loose.png"), solid((0, 0, 0)))
    write(str(tmp_path / "cls" / "a.png"), solid((0, 0, 0)))
    with pytest.raises(ValueError, match="mixes image files"):
        scan(str(tmp_path))


def test_labels_need_class_folders_and_batches_need_images(tmp_path):
    write(str(tmp_path / "a.png"), solid((0, 0, 0)))
    with pytest.raises(ValueError, match="has no class subfolders"):
        load(f"folder:{tmp_path}", image_size=8, batch_size=1, labels=True)
    with pytest.raises(ValueError, match="holds 1 images, fewer than one batch of 4"):
        load(f"folder:{tmp_path}", image_size=8, batch_size=4)


def test_class_subfolder_without_images_is_an_error_naming_it(tmp_path):
    for name in ("ants", "cats"):
        write(str(tmp_path / name / "0.png"), solid((9, 9, 9)))
    (tmp_path / "bees").mkdir()  # an empty class between the two
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "x.png").write_bytes(b"")  # only a bad file
    result = scan(str(tmp_path))
    assert result.class_names == ("ants", "bees", "cats", "dogs")
    assert result.labels == (0, 2)  # cats keeps its index: the classes do not shift
    assert result.empty_classes == ((str(tmp_path / "bees"), "no image files"),
                                    (str(tmp_path / "dogs"), "all 1 image files were bad"))
    for call in (lambda: load(f"folder:{tmp_path}", image_size=8, batch_size=1, labels=True),
                 lambda: describe(f"folder:{tmp_path}")):
        with pytest.raises(ValueError, match=r"2 class subfolder\(s\) of .* no usable") as info:
            call()
        message = str(info.value)
        assert f"'{tmp_path / 'bees'}' (no image files)" in message
        assert f"'{tmp_path / 'dogs'}' (all 1 image files were bad)" in message
        assert "Expected at least one image in each class subfolder" in message
        assert "['ants', 'bees', 'cats', 'dogs']" in message
    # Without labels the classes do not matter: the two images load.
    assert images_of(tmp_path, image_size=8, batch_size=2).shape == (2, 8, 8, 3)
