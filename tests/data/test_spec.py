import numpy as np
import pytest

from kerasgan.data import describe, load, parse_spec


def test_parse_the_three_forms():
    assert parse_spec("shapes").kind == "shapes"
    spec = parse_spec("shapes:domain=b,num_shapes=1-2")
    assert dict(spec.options) == {"domain": "b", "num_shapes": (1, 2)}
    assert parse_spec("folder:/data/faces").target == "/data/faces"
    spec = parse_spec("tfds:cifar10:test")
    assert (spec.kind, spec.target, spec.split) == ("tfds", "cifar10", "test")
    assert parse_spec("tfds:mnist").split == "train"


@pytest.mark.parametrize("bad", ["", "pictures", "folder:", "tfds:", "shapes:domain"])
def test_malformed_specs_name_the_accepted_forms(bad):
    with pytest.raises(ValueError, match="Expected one of") as info:
        parse_spec(bad)
    assert f"Received: spec={bad!r}" in str(info.value)


def test_load_validates_its_arguments():
    with pytest.raises(ValueError, match="Received: image_size=8"):
        load("shapes", image_size=8, batch_size=4)
    with pytest.raises(ValueError, match="Received: channels=2"):
        load("shapes", image_size=16, batch_size=4, channels=2)
    with pytest.raises(ValueError, match="fewer than one batch of 64"):
        load("shapes", image_size=16, batch_size=64, num_examples=10)
    with pytest.raises(ValueError, match=r"Unknown shapes options \['colour'\]"):
        load("shapes", image_size=16, batch_size=4, colour="red")
    with pytest.raises(ValueError, match="Received: domain='c'"):
        load("shapes:domain=c", image_size=16, batch_size=4)


def test_describe_shapes():
    info = describe("shapes")
    assert info["num_classes"] == len(info["class_names"]) == 6


def test_mirror_flips_half_the_images_by_seed_pass_and_example():
    options = dict(image_size=16, batch_size=8, num_examples=16, seed=3)
    plain = np.concatenate([b.numpy() for b in load("shapes", start_batch=0, **options).take(4)])
    stream = load("shapes", start_batch=0, mirror=True, **options)
    mirrored = np.concatenate([b.numpy() for b in stream.take(4)])
    same = np.all(mirrored == plain, axis=(1, 2, 3))
    flipped = np.all(mirrored == plain[:, :, ::-1], axis=(1, 2, 3))
    assert np.all(same | flipped)
    assert 8 <= int(flipped.sum()) <= 24  # of 32, each flip a fair coin
    # The coins differ from pass to pass; a resumed stream flips the same images.
    assert not np.array_equal(flipped[:16], flipped[16:])
    resumed = np.concatenate([b.numpy() for b in load("shapes", start_batch=3, mirror=True,
                                                       **options).take(1)])
    np.testing.assert_array_equal(resumed, mirrored[24:])
