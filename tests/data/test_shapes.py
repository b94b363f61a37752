"""The embedded shapes data: determinism, variants, labels, range."""

import numpy as np
import pytest

from kerasgan.data import CLASS_NAMES, load, render_shapes

ALL = ("image", "label", "segmentation", "edges", "caption")


def test_same_seed_same_images_other_seed_other_images():
    a = render_shapes(8, 32, seed=5)
    b = render_shapes(8, 32, seed=5)
    c = render_shapes(8, 32, seed=6)
    np.testing.assert_array_equal(a["image"], b["image"])
    np.testing.assert_array_equal(a["label"], b["label"])
    assert np.abs(a["image"].astype(int) - c["image"].astype(int)).mean() > 10


def test_slices_render_identically_whatever_the_chunking():
    whole = render_shapes(20, 24, seed=3, outputs=ALL)
    first = render_shapes(7, 24, seed=3, outputs=ALL)
    rest = render_shapes(13, 24, seed=3, start=7, outputs=ALL)
    for key in ALL:
        np.testing.assert_array_equal(whole[key], np.concatenate([first[key], rest[key]]))


@pytest.mark.parametrize("size", [16, 33, 64, 256])
def test_any_resolution_in_range(size):
    batch = render_shapes(2, size, outputs=ALL)
    assert batch["image"].shape == (2, size, size, 3) and batch["image"].dtype == np.uint8
    assert batch["segmentation"].shape == (2, size, size)
    assert batch["edges"].shape == (2, size, size, 1)


@pytest.mark.parametrize("size", [15, 257, 32.0, "64"])
def test_out_of_range_resolution_is_rejected(size):
    with pytest.raises(ValueError, match=f"Received: image_size={size!r}"):
        render_shapes(1, size)


def test_labels_cover_every_class_and_match_the_segmentation():
    batch = render_shapes(300, 32, seed=0, outputs=("label", "segmentation"))
    counts = np.bincount(batch["label"], minlength=len(CLASS_NAMES))
    assert len(counts) == len(CLASS_NAMES) and counts.min() > 20
    for label, seg in zip(batch["label"], batch["segmentation"]):
        # The main shape is drawn on top, fully inside: its class covers many pixels.
        assert (seg == label + 1).sum() > 0.02 * seg.size


def test_edges_outline_the_shapes():
    batch = render_shapes(16, 64, seed=1, outputs=("segmentation", "edges"))
    edges = batch["edges"][..., 0] > 0
    assert set(np.unique(batch["edges"])) <= {0, 255}
    seg = batch["segmentation"]
    boundary = np.zeros_like(edges)
    boundary[:, 1:] |= seg[:, 1:] != seg[:, :-1]
    boundary[:, :, 1:] |= seg[:, :, 1:] != seg[:, :, :-1]
    assert edges[boundary].mean() > 0.95  # every class boundary is an edge
    assert edges.mean() < 0.2  # and edges are thin


def test_domains_differ_in_style():
    a = render_shapes(64, 32, seed=0, domain="a")["image"].astype(float)
    b = render_shapes(64, 32, seed=0, domain="b")["image"].astype(float)
    # Domain a: dark gradient backgrounds; domain b: light textures.
    assert a.mean() + 60 < b.mean()
    mixed = render_shapes(64, 32, seed=0)["image"].astype(float).mean()
    assert a.mean() < mixed < b.mean()


def test_captions_name_the_main_shape_and_the_background():
    batch = render_shapes(30, 32, seed=2, outputs=("label", "caption"))
    for label, caption in zip(batch["label"], batch["caption"]):
        assert caption.startswith("a large ")
        main_phrase = caption.split(" on a ")[0].split(" and ")[0].split(",")[0]
        assert main_phrase.endswith(" " + CLASS_NAMES[label]), caption
        assert caption.endswith("background")


def test_num_shapes_option():
    single = render_shapes(40, 32, seed=4, num_shapes=(1, 1), outputs=("caption",))
    assert all(" and " not in c for c in single["caption"])
    with pytest.raises(ValueError, match="Received: num_shapes=\\(0, 2\\)"):
        render_shapes(1, 32, num_shapes=(0, 2))


def test_pipeline_contract():
    dataset = load("shapes", image_size=32, batch_size=8, num_examples=20, seed=1)
    batches = list(dataset)
    assert len(batches) == 2  # 20 images, batches of 8, remainder dropped
    images = np.concatenate([b.numpy() for b in batches])
    assert images.dtype == np.float32 and images.shape == (16, 32, 32, 3)
    assert images.min() >= -1.0 and images.max() <= 1.0 and images.std() > 0.2
    again = np.concatenate([b.numpy() for b in load("shapes", image_size=32, batch_size=8,
                                                     num_examples=20, seed=1)])
    np.testing.assert_array_equal(images, again)  # deterministic shuffle


def test_pipeline_labels_grayscale_and_unshuffled_order():
    dataset = load("shapes", image_size=16, batch_size=4, num_examples=8, labels=True,
                   channels=1, shuffle=False, seed=9)
    images, labels = next(iter(dataset))
    assert images.shape == (4, 16, 16, 1) and labels.dtype == "int32"
    np.testing.assert_array_equal(labels.numpy(), render_shapes(4, 16, seed=9)["label"])
    rgb = render_shapes(4, 16, seed=9)["image"].astype(np.float32)
    gray = rgb @ np.array([0.2989, 0.587, 0.114], np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(images.numpy()[..., 0], gray, atol=0.02)
