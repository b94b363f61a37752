"""Every pipeline's order and augmentation are functions of (seed, pass, index): exact resume.

Real files in a temporary folder and real TFDS datasets (TFRecord and
array_record) built locally; every loader is checked the same way.
"""

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from kerasgan.data import (
    batches_per_pass,
    load,
    load_inpainting,
    load_paired,
    load_unpaired,
)


class KerasganOrderDigits(tfds.core.GeneratorBasedBuilder):
    """12 images of 12x12, each a different gray: an image names its example."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(12, 12, 3)),
                "label": tfds.features.ClassLabel(num_classes=3),
            }),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples(12)}

    def _generate_examples(self, count):
        for i in range(count):
            yield i, {"image": np.full((12, 12, 3), 20 * i, np.uint8), "label": i % 3}


def write(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("order")
    rng = np.random.default_rng(0)
    for i in range(12):  # three classes of four images, each its own colour
        color = (20 * i, 255 - 20 * i, (37 * i) % 256)
        write(str(root / "classes" / "abc"[i % 3] / f"{i}.png"),
              np.full((16, 16, 3), color, np.uint8))
    for i in range(8):  # A|B pairs of noise: the jitter shows
        write(str(root / "pairs" / f"{i}.png"), rng.integers(0, 256, (16, 32, 3), np.uint8))
    for domain, count in (("A", 3), ("B", 5)):  # unequal domains: A cycles
        for i in range(count):
            write(str(root / "unpaired" / f"train{domain}" / f"{i}.png"),
                  rng.integers(0, 256, (16, 16, 3), np.uint8))
    tfds_dirs = {}
    for file_format in ("tfrecord", "array_record"):
        tfds_dirs[file_format] = str(root / file_format)
        KerasganOrderDigits(data_dir=tfds_dirs[file_format],
                            file_format=file_format).download_and_prepare()
    return {"root": root, "tfds": tfds_dirs}


def _tfds(file_format):
    def make(files, augment, **kwargs):
        return load("tfds:kerasgan_order_digits", image_size=8, batch_size=4, labels=True,
                    data_dir=files["tfds"][file_format], **kwargs)
    return make


# name: (make(files, augment, seed=, start_batch=), which output names the example, whether
# the seed also changes the data itself)
PIPELINES = {
    "shapes": (lambda files, augment, **kw: load(
        "shapes", image_size=16, batch_size=4, num_examples=12, labels=True, **kw), 0, True),
    "folder": (lambda files, augment, **kw: load(
        f"folder:{files['root'] / 'classes'}", image_size=8, batch_size=4, labels=True, **kw),
        0, False),
    "tfds_tfrecord": (_tfds("tfrecord"), 0, False),
    "tfds_array_record": (_tfds("array_record"), 0, False),
    "paired_shapes": (lambda files, augment, **kw: load_paired(
        "shapes:pairs=segmentation", image_size=16, batch_size=4, num_examples=12,
        jitter=augment, **kw), 1, True),
    "paired_folder": (lambda files, augment, **kw: load_paired(
        f"folder:{files['root'] / 'pairs'}", image_size=16, batch_size=2, jitter=augment,
        **kw), 1, False),
    "unpaired_shapes": (lambda files, augment, **kw: load_unpaired(
        "shapes", image_size=16, batch_size=4, num_examples=8, jitter=augment, **kw), 0, True),
    "unpaired_folder": (lambda files, augment, **kw: load_unpaired(
        f"folder:{files['root'] / 'unpaired'}", image_size=8, batch_size=1, jitter=augment,
        **kw), 1, False),
    "inpainting": (lambda files, augment, **kw: load_inpainting(
        "shapes", image_size=16, batch_size=4, num_examples=12,
        mask="random" if augment else "center", overlap=2, **kw), 1, True),
}


def make(name, files, augment=True, seed=3, start_batch=0):
    return PIPELINES[name][0](files, augment, seed=seed, start_batch=start_batch)


def arrays(batches):
    return [tuple(np.asarray(t) for t in (b if isinstance(b, tuple) else (b,)))
            for b in batches]


def take(dataset, count):
    return arrays(dataset.take(count))


def assert_same(first, second):
    assert len(first) == len(second)
    for one, other in zip(first, second):
        assert len(one) == len(other)
        for x, y in zip(one, other):
            np.testing.assert_array_equal(x, y)


def example_keys(name, batches):
    """One bytes key per example, from the output that names it."""
    component = PIPELINES[name][1]
    return [example.tobytes() for batch in batches for example in batch[component]]


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_fresh_loads_with_one_seed_give_the_same_passes(name, files):
    stream = make(name, files)
    per_pass = batches_per_pass(stream)
    assert per_pass >= 2 and stream.cardinality() == tf.data.INFINITE_CARDINALITY
    first = take(stream, 2 * per_pass)
    assert_same(first, take(make(name, files), 2 * per_pass))
    # Every output has the static global batch size, as batch(drop_remainder=True) gives.
    assert {spec.shape[0] for spec in tf.nest.flatten(stream.element_spec)} == {
        len(first[0][0])}
    # One-pass mode: the e-th iteration of a dataset is pass e of the stream.
    once = make(name, files, start_batch=None)
    assert once.cardinality() == per_pass and batches_per_pass(once) == per_pass
    assert_same(arrays(once) + arrays(once), first)
    # Both modes shard by data: N workers see what one process sees.
    for dataset in (stream, once):
        assert (dataset.options().experimental_distribute.auto_shard_policy
                == tf.data.experimental.AutoShardPolicy.DATA)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_each_pass_and_each_seed_is_a_new_permutation_of_the_examples(name, files):
    stream = make(name, files, augment=False)
    per_pass = batches_per_pass(stream)
    batches = take(stream, 2 * per_pass)
    first, second = example_keys(name, batches[:per_pass]), example_keys(name, batches[per_pass:])
    assert len(set(first)) == len(first)  # every example once in a pass
    assert sorted(first) == sorted(second)  # the same examples ...
    assert first != second  # ... in another order
    other = example_keys(name, take(make(name, files, augment=False, seed=4), per_pass))
    assert other != first
    if not PIPELINES[name][2]:  # the seed orders the data but does not change it
        assert sorted(other) == sorted(first)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_start_batch_is_the_tail_of_the_stream_across_a_pass_boundary(name, files):
    per_pass = batches_per_pass(make(name, files))
    skipped, count = per_pass - 1, per_pass + 2  # the last batch of pass 0 to pass 2
    whole = take(make(name, files), skipped + count)
    resumed = take(make(name, files, start_batch=skipped), count)
    assert_same(whole[skipped:], resumed)
    # The passes differ: in order and, with augmentation, in the crops, flips and masks.
    assert not all(np.array_equal(x, y) for x, y in zip(whole[0], whole[per_pass]))


def test_unshuffled_passes_keep_the_index_order(files):
    dataset = load(f"folder:{files['root'] / 'classes'}", image_size=8, batch_size=4,
                   labels=True, shuffle=False, start_batch=2)
    labels = [b[1] for b in take(dataset, 3)]  # files in sorted order: classes a, b, c
    np.testing.assert_array_equal(np.concatenate(labels), [2] * 4 + [0] * 4 + [1] * 4)


def test_unpaired_smaller_domain_cycles_through_all_its_images(files):
    dataset = make("unpaired_folder", files, augment=False)
    for batches in (take(dataset, 5), take(make("unpaired_folder", files, augment=False,
                                                start_batch=5), 5)):
        a_keys = [b[0].tobytes() for b in batches]
        assert len(set(a_keys[:3])) == 3  # the first cycle of A holds its 3 images
        assert len(set(a_keys)) == 3


def test_start_batch_skips_before_decoding(files, monkeypatch):
    from kerasgan.data import folder

    calls = []
    original = folder.load_array
    monkeypatch.setattr(folder, "load_array", lambda *args: calls.append(1) or original(*args))
    spec = f"folder:{files['root'] / 'classes'}"
    far = load(spec, image_size=8, batch_size=4, labels=True, start_batch=100_000)
    batch = take(far, 1)
    assert len(calls) < 100  # the batches read and prefetched, not 100,000 of them
    before = load(spec, image_size=8, batch_size=4, labels=True, start_batch=99_999)
    assert_same(batch, take(before, 2)[1:])


@pytest.mark.parametrize("bad", [-1, 2.0, True, "3"])
@pytest.mark.parametrize("name", ["shapes", "paired_shapes", "unpaired_shapes", "inpainting"])
def test_start_batch_is_validated(name, bad, files):
    with pytest.raises(ValueError, match=f"Received: start_batch={bad!r}"):
        make(name, files, start_batch=bad)


def test_batches_per_pass_reads_the_loader_attribute():
    dataset = load("shapes", image_size=16, batch_size=4, num_examples=10)
    assert batches_per_pass(dataset) == dataset.batches_per_pass == 2  # 10 // 4
    with pytest.raises(ValueError, match="Received: _MapDataset with batches_per_pass=None"):
        batches_per_pass(dataset.map(lambda images: images))
    with pytest.raises(ValueError, match="loader"):
        batches_per_pass([1, 2])


@pytest.mark.parametrize("name", ["shapes", "folder", "paired_folder"])
def test_two_workers_each_read_their_half_of_every_global_batch(name, files):
    """What MultiWorkerMirroredStrategy does on each of 2 workers of 1 replica
    (tensorflow/python/distribute/input_lib.py: rebatch, then auto-shard)."""
    from tensorflow.python.data.experimental.ops import distribute as tf_distribute
    from tensorflow.python.distribute import input_ops

    dataset = make(name, files, start_batch=3)
    global_batches = take(dataset, 3)
    size = len(global_batches[0][0])
    halves = []
    for worker in range(2):
        sizes = tf_distribute.batch_sizes_for_worker(size, 2, 1, worker)
        worker_dataset = input_ops.auto_shard_dataset(
            make(name, files, start_batch=3).rebatch(sizes), 2, worker, 2)
        halves.append(take(worker_dataset, 3))
    for whole, first, second in zip(global_batches, *halves):
        for x, y, z in zip(whole, first, second):
            assert len(y) == len(z) == size // 2
            np.testing.assert_array_equal(x, np.concatenate([y, z]))


def test_mirrored_replicas_split_the_global_batch():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")][:2]
    if len(devices) < 2:
        pytest.skip("needs the two logical CPU devices of tests/conftest.py")
    strategy = tf.distribute.MirroredStrategy(devices)
    stream = load("shapes", image_size=16, batch_size=4, num_examples=12, labels=True,
                  start_batch=4)
    expected = take(stream, 2)
    distributed = iter(strategy.experimental_distribute_dataset(stream))
    for images, labels in expected:
        replica_images, replica_labels = next(distributed)
        np.testing.assert_array_equal(
            np.concatenate(strategy.experimental_local_results(replica_images)), images)
        np.testing.assert_array_equal(
            np.concatenate(strategy.experimental_local_results(replica_labels)), labels)


RESUMED = """
import hashlib, sys
import numpy as np
import keras
from kerasgan.data import load_inpainting, load_paired
keras.utils.set_random_seed(int(sys.argv[1]))  # global seeds must not matter
digest = hashlib.sha256()
for dataset in (
    load_paired("shapes", image_size=16, batch_size=4, num_examples=12, jitter=True, seed=3,
                start_batch=2),
    load_inpainting("shapes", image_size=16, batch_size=4, num_examples=12, mask="random",
                    seed=3, start_batch=2),
):
    for batch in dataset.take(3):
        for tensor in batch:
            digest.update(np.ascontiguousarray(tensor.numpy()).tobytes())
print(digest.hexdigest())
"""


def test_a_new_process_resumes_exactly_whatever_the_global_seed():
    import hashlib
    import subprocess
    import sys

    # The new process sets global seeds (this one does not) and resumes at batch 2.
    digest = hashlib.sha256()
    for dataset in (
        load_paired("shapes", image_size=16, batch_size=4, num_examples=12, jitter=True,
                    seed=3, start_batch=0),
        load_inpainting("shapes", image_size=16, batch_size=4, num_examples=12,
                        mask="random", seed=3, start_batch=0),
    ):
        for batch in take(dataset, 5)[2:]:
            for tensor in batch:
                digest.update(np.ascontiguousarray(tensor).tobytes())
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    environment = {**os.environ, "PYTHONPATH": root, "TF_CPP_MIN_LOG_LEVEL": "3",
                   "KERAS_BACKEND": "tensorflow"}
    result = subprocess.run([sys.executable, "-c", RESUMED, "1"], capture_output=True,
                            text=True, env=environment, timeout=300, check=True)
    assert result.stdout.strip().splitlines()[-1] == digest.hexdigest()


def test_keys_and_permutations_of_a_vector_match_those_of_each_element():
    from kerasgan.data import _order

    folded = tf.random.experimental.stateless_fold_in(
        tf.random.experimental.stateless_fold_in(tf.constant([5, 7], tf.int64),
                                                 tf.constant(2, tf.int64), alg="philox"),
        tf.constant(9, tf.int64), alg="philox")
    np.testing.assert_array_equal(_order.key(5, 7, 2, 9), folded)
    cycles = tf.constant([0, 1, 2, 1], tf.int64)
    np.testing.assert_array_equal(
        _order.key(5, 7, 2, cycles), np.stack([_order.key(5, 7, 2, c) for c in cycles]))
    positions = tf.constant([3, 0, 3, 5], tf.int64)
    each = [_order.permute(p[None], 10, 5, True, 2, c)[0] for p, c in zip(positions, cycles)]
    np.testing.assert_array_equal(_order.permute(positions, 10, 5, True, 2, cycles), each)
    one = _order.permute(tf.range(10, dtype=tf.int64), 10, 5, True, 2, 0)
    assert sorted(one.numpy()) == list(range(10)) and list(one.numpy()) != list(range(10))
