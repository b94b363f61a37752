"""TFDS by name, on a real dataset built locally by a builder defined here (no download)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasgan.data import describe, load


class KerasganTestDigits(tfds.core.GeneratorBasedBuilder):
    """20x20 grayscale images whose brightness encodes the label, two splits."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(20, 20, 1)),
                "label": tfds.features.ClassLabel(names=["dark", "mid", "light"]),
            }),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples(12), "test": self._generate_examples(6)}

    def _generate_examples(self, count):
        for i in range(count):
            label = i % 3
            image = np.full((20, 20, 1), (0, 128, 255)[label], np.uint8)
            yield i, {"image": image, "label": label}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tfds")
    KerasganTestDigits(data_dir=str(directory)).download_and_prepare()
    return str(directory)


def test_loads_resizes_and_converts_channels(data_dir):
    dataset = load("tfds:kerasgan_test_digits", image_size=16, batch_size=4, labels=True,
                   shuffle=False, data_dir=data_dir)
    batches = list(dataset)
    assert len(batches) == 3  # 12 train examples in batches of 4
    images, labels = batches[0]
    assert images.shape == (4, 16, 16, 3) and images.dtype == "float32"
    expected = np.array([-1.0, 128 / 127.5 - 1.0, 1.0])[labels.numpy()]
    np.testing.assert_allclose(images.numpy().mean(axis=(1, 2, 3)), expected, atol=0.01)


def test_split_and_grayscale(data_dir):
    dataset = load("tfds:kerasgan_test_digits:test", image_size=10, batch_size=6, channels=1,
                   shuffle=True, seed=3, data_dir=data_dir)
    images = next(iter(dataset))
    assert images.shape == (6, 10, 10, 1)


def test_environment_variable_gives_the_data_dir(data_dir, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", data_dir)
    assert next(iter(load("tfds:kerasgan_test_digits", image_size=8, batch_size=2))).shape == (
        2, 8, 8, 3)
    assert describe("tfds:kerasgan_test_digits")["class_names"] == ("dark", "mid", "light")


def test_unprepared_and_unknown_datasets_and_splits(data_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="is not prepared in data_dir") as info:
        load("tfds:kerasgan_test_digits", image_size=8, batch_size=2, data_dir=str(tmp_path))
    assert "tfds build kerasgan_test_digits" in str(info.value)
    with pytest.raises(ValueError, match="Unknown TFDS dataset"):
        load("tfds:no_such_dataset_xyz", image_size=8, batch_size=2, data_dir=data_dir)
    with pytest.raises(ValueError, match="has no split 'validation'"):
        load("tfds:kerasgan_test_digits:validation", image_size=8, batch_size=2,
             data_dir=data_dir)


def test_record_reader_reads_any_record_of_several_files_by_index(tmp_path):
    import collections

    import tensorflow as tf

    from kerasgan.data.tfds import _RecordReader

    Instruction = collections.namedtuple("Instruction",
                                         "filename skip take examples_in_shard")
    records = {}
    for shard in range(3):
        path = str(tmp_path / f"data.tfrecord-0000{shard}")
        records[path] = [f"shard {shard} record {i} ".encode() * (i + 1) for i in range(4)]
        with tf.io.TFRecordWriter(path) as writer:
            for record in records[path]:
                writer.write(record)
    paths = sorted(records)
    # Records 1-3 of the first file, all of the second, 0-1 of the third (a sliced split).
    reader = _RecordReader("sliced", [Instruction(paths[0], 1, 3, 4),
                                      Instruction(paths[1], 0, 4, 4),
                                      Instruction(paths[2], 0, 2, 4)])
    expected = records[paths[0]][1:] + records[paths[1]] + records[paths[2]][:2]
    assert reader.count == len(expected) == 9
    for index in (8, 0, 4, 3, 7, 1, 2, 6, 5):  # any order
        assert reader(index) == expected[index]
    (tmp_path / "bad.tfrecord").write_bytes(b"\xff" * 40)
    bad = _RecordReader("bad", [Instruction(str(tmp_path / "bad.tfrecord"), 0, 1, 1)])
    with pytest.raises(ValueError, match="bad.tfrecord' is not an uncompressed TFRecord file"):
        bad(0)
