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
