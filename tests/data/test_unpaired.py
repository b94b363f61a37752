"""Unpaired (CycleGAN) data: trainA/trainB folders, the real TFDS cycle_gan builder, shapes."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from kerasgan.data import load_unpaired

GRAYS = (0, 30, 60, 90, 120, 150, 180, 210)


def write(path, value, size=12):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.full((size, size, 3), value, np.uint8)).save(path)


def make_domains(root, counts, split="train"):
    """Domain A holds the first grays, B the next ones: each image's gray names it."""
    for i in range(counts[0]):
        write(os.path.join(root, f"{split}A", f"{i}.png"), GRAYS[i])
    for i in range(counts[1]):
        write(os.path.join(root, f"{split}B", f"{i}.png"), GRAYS[counts[0] + i])


def grays_of(dataset):
    a_values, b_values = [], []
    for a, b in dataset:
        assert a.dtype == "float32" and a.shape == b.shape
        a_values += list(np.round((a.numpy().mean(axis=(1, 2, 3)) + 1.0) * 127.5))
        b_values += list(np.round((b.numpy().mean(axis=(1, 2, 3)) + 1.0) * 127.5))
    return a_values, b_values


def test_folders_of_3_and_5_images_give_epochs_of_5(tmp_path):
    make_domains(tmp_path, (3, 5))
    dataset = load_unpaired(f"folder:{tmp_path}", image_size=8, batch_size=1, seed=1)
    assert dataset.cardinality() == 5  # max(3, 5): the larger domain once per epoch
    for _ in range(2):
        a_values, b_values = grays_of(dataset)
        assert sorted(b_values) == [90, 120, 150, 180, 210]  # each image of B once
        assert set(a_values) == {0, 30, 60}  # the smaller domain cycles: all of it is seen
        assert len(a_values) == 5
    batched = load_unpaired(f"folder:{tmp_path}", image_size=8, batch_size=2, jitter=True)
    assert batched.cardinality() == 2  # 5 // 2, the remainder dropped
    a, b = next(iter(batched))
    assert a.shape == b.shape == (2, 8, 8, 3)


def test_test_split_reads_testa_and_testb(tmp_path):
    make_domains(tmp_path, (2, 2))
    make_domains(tmp_path, (1, 4), split="test")
    a_values, b_values = grays_of(load_unpaired(f"folder:{tmp_path}", image_size=8,
                                                batch_size=1, split="test"))
    assert set(a_values) == {0} and sorted(b_values) == [30, 60, 90, 120]


def test_missing_or_empty_domain_folder_is_named(tmp_path):
    write(str(tmp_path / "trainA" / "0.png"), 10)
    with pytest.raises(FileNotFoundError, match="no 'trainB' subfolder") as info:
        load_unpaired(f"folder:{tmp_path}", image_size=8, batch_size=1)
    assert str(tmp_path / "trainB") in str(info.value)
    os.makedirs(tmp_path / "trainB")
    with pytest.raises(ValueError, match=r"Domain B \('.*trainB'\): Expected image files"):
        load_unpaired(f"folder:{tmp_path}", image_size=8, batch_size=1)
    with pytest.raises(FileNotFoundError, match="no 'testA' subfolder"):
        load_unpaired(f"folder:{tmp_path}", image_size=8, batch_size=1, split="test")


def test_shapes_domains_a_is_darker_than_b():
    dataset = load_unpaired("shapes:domains=ab", image_size=32, batch_size=8, num_examples=16,
                            seed=4)
    assert dataset.cardinality() == 2
    a, b = next(iter(dataset))
    assert a.shape == b.shape == (8, 32, 32, 3) and a.dtype == "float32"
    assert -1.0 <= min(a.numpy().min(), b.numpy().min())
    assert max(a.numpy().max(), b.numpy().max()) <= 1.0
    # Most pixels are background: A's dark gradients, B's light textures.
    a_medians = np.median(a.numpy().mean(axis=-1), axis=(1, 2))
    b_medians = np.median(b.numpy().mean(axis=-1), axis=(1, 2))
    assert a_medians.max() < b_medians.min()
    assert not np.allclose(a, b)


def test_shapes_domains_errors():
    with pytest.raises(ValueError, match="Received: domains='abc'"):
        load_unpaired("shapes:domains=abc", image_size=16, batch_size=2)
    with pytest.raises(ValueError, match=r"Unknown shapes options \['pairs'\]"):
        load_unpaired("shapes:pairs=edges", image_size=16, batch_size=2)
    with pytest.raises(ValueError, match="Received: jitter='yes'"):
        load_unpaired("shapes", image_size=16, batch_size=2, jitter="yes")


@pytest.fixture(scope="module")
def horse2zebra_dir(tmp_path_factory):
    """The real `cycle_gan/horse2zebra` TFDS builder, prepared from local files (no network)."""
    root = tmp_path_factory.mktemp("cycle_gan")
    extracted = root / "extracted" / "horse2zebra"
    make_domains(str(extracted), (3, 5))
    make_domains(str(extracted), (2, 1), split="test")
    patch = pytest.MonkeyPatch()
    patch.setattr(tfds.download.DownloadManager, "download_and_extract",
                  lambda self, url: str(root / "extracted"))
    try:
        tfds.builder("cycle_gan/horse2zebra", data_dir=str(root / "data")).download_and_prepare()
    finally:
        patch.undo()
    return str(root / "data")


def test_tfds_cycle_gan_splits(horse2zebra_dir):
    dataset = load_unpaired("tfds:cycle_gan/horse2zebra", image_size=8, batch_size=1,
                            data_dir=horse2zebra_dir)
    assert dataset.cardinality() == 5
    a_values, b_values = grays_of(dataset)
    assert set(a_values) == {0, 30, 60} and sorted(b_values) == [90, 120, 150, 180, 210]
    a_values, b_values = grays_of(load_unpaired("tfds:cycle_gan/horse2zebra:test", image_size=8,
                                                batch_size=1, data_dir=horse2zebra_dir))
    assert sorted(a_values) == [0, 30] and set(b_values) == {60}
    with pytest.raises(ValueError, match="has no split 'validA'"):
        load_unpaired("tfds:cycle_gan/horse2zebra", image_size=8, batch_size=1, split="valid",
                      data_dir=horse2zebra_dir)
