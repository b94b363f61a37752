"""The example order shared by every pipeline: a stateless function of (seed, pass, position).

A pipeline over `count` examples with global batches of `batch_size` has
`batches_per_pass = count // batch_size` batches per pass and uses the first
`batches_per_pass * batch_size` positions of each pass, so a batch never
straddles two passes. Position `j` of pass `p` holds example
`index_shuffle(j, key(seed, p), count - 1)` (or `j` without shuffling): a
permutation keyed by `(seed, p)` computed per position, so any position of any
pass costs the same to reach, and nothing depends on how many times a process
iterated a dataset, on global seeds or on other examples. Random
augmentations are keyed the same way, by `(seed, pass, index)`.

Two streams of global batches of positions:

- `start_batch=None`: one pass, re-iterable (`fit` iterates it once per
  epoch). Iteration `e` of one dataset object in one process is pass `e`.
- `start_batch=k`: the endless sequence pass 0, pass 1, ... from global
  batch `k`: batch `b` is batch `b % batches_per_pass` of pass
  `b // batches_per_pass`. Skipping happens on the positions, before any
  example is decoded or rendered.
"""

import dataclasses
import threading

import numpy as np

# Salts keeping the keys of the order and of each augmentation apart.
ORDER, JITTER, JITTER_A, JITTER_B, MASK = 0x4F52, 0x4A54, 0x4A41, 0x4A42, 0x4D4B
MIRROR = 0x4D52
_INT64_LIMIT = 2**63
_INDEX_SHUFFLE_PAD = 498247692  # what tf.random.experimental.index_shuffle pads seeds with


def check_seed(seed):
    """The seed as an int, or a `ValueError` quoting it."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not (
        0 <= seed < _INT64_LIMIT
    ):
        raise ValueError(f"`seed` must be an integer in [0, 2**63). Received: seed={seed!r}")
    return int(seed)


def check_start_batch(start_batch):
    """`None` or the start batch as an int, or a `ValueError` quoting it."""
    if start_batch is None:
        return None
    if not isinstance(start_batch, (int, np.integer)) or isinstance(start_batch, bool) or (
        start_batch < 0
    ):
        raise ValueError("`start_batch` must be None (one pass) or an integer >= 0 (the global "
                         f"batch the endless stream starts at). Received: start_batch="
                         f"{start_batch!r}")
    return int(start_batch)


def key(seed, salt, *values):
    """A stateless seed: `(seed, salt)` with each int64 value folded in, in order.

    Folding is `tf.random.experimental.stateless_fold_in` (Philox), written
    out so that the last value may be a vector: then the result holds one
    seed per element, `[n, 2]`, else `[2]`.
    """
    import tensorflow as tf

    result = tf.constant([seed, salt], tf.int64)
    for number, value in enumerate(values):
        value = tf.cast(value, tf.int64)
        if value.shape.rank != 0 and number < len(values) - 1:
            raise ValueError(f"Only the last value folded into a key may be a vector. "
                             f"Received: value {number} of shape {value.shape}")
        folded = tf.random.stateless_uniform([], seed=result, dtype=tf.int64, minval=None,
                                             maxval=None, alg="philox")
        result = tf.stack([tf.broadcast_to(folded, tf.shape(value)), value], axis=-1)
    return result


def permute(position, count, seed, shuffle, *values):
    """The example indices at `position` (int64 `[n]`) of the permutation of `range(count)`
    keyed by `(seed, *values)`; the last value may be a vector (one permutation per element).
    """
    import tensorflow as tf

    position = tf.cast(position, tf.int64)
    if not shuffle:
        return position
    seeds = key(seed, ORDER, *values)
    max_index = tf.fill(tf.shape(position), tf.constant(count - 1, tf.int64))
    if seeds.shape.rank == 1:
        return tf.random.experimental.index_shuffle(position, seeds, max_index)
    # One seed per element: the raw op, padded as `index_shuffle` pads a single seed (its
    # own padding of `[n, 2]` seeds pads the wrong axis in TF 2.21).
    seeds = tf.pad(seeds, [[0, 0], [1, 0]], constant_values=_INDEX_SHUFFLE_PAD)
    return tf.raw_ops.RandomIndexShuffle(index=position, seed=seeds, max_index=max_index,
                                         rounds=4)


class _PassCounter:
    """Counts the iterations of one dataset: the pass each new iteration reads."""

    def __init__(self):
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            current, self._next = self._next, self._next + 1
        return np.int64(current)


def positions(batches_per_pass, batch_size, start_batch):
    """A dataset of global batches: dicts `{"pass", "position"}`, int64 `[batch_size]` each.

    Args:
        batches_per_pass: global batches per pass.
        batch_size: the global batch size.
        start_batch: `None` (one pass; iteration `e` of this dataset is pass
            `e`) or the global batch the endless stream starts at.
    """
    import tensorflow as tf

    offsets = tf.range(batch_size, dtype=tf.int64)

    def at(pass_, batch):
        return {"pass": tf.fill([batch_size], pass_), "position": batch * batch_size + offsets}

    if start_batch is None:
        counter = _PassCounter()

        def next_pass(_):
            return tf.ensure_shape(tf.numpy_function(counter, [], tf.int64, stateful=True), [])

        def one_pass(pass_):
            return tf.data.Dataset.range(batches_per_pass).map(lambda batch: at(pass_, batch))

        return tf.data.Dataset.range(1).map(next_pass).flat_map(one_pass)
    if (start_batch + 1) * batch_size >= _INT64_LIMIT:
        raise ValueError(f"`start_batch` * `batch_size` must be below 2**63. Received: "
                         f"start_batch={start_batch}, batch_size={batch_size}")
    return tf.data.Dataset.counter(start_batch, dtype=tf.int64).map(
        lambda batch: at(batch // batches_per_pass, batch % batches_per_pass))


def with_indices(stream, count, seed, shuffle):
    """Adds `"index"`: the examples at the positions of each global batch (one domain).

    A global batch lies within one pass, so one permutation serves all of it.
    """
    def add(element):
        return {**element, "index": permute(element["position"], count, seed, shuffle,
                                            element["pass"][0])}

    return stream.map(add)


def assemble(batches, sources, batch_size, per_example=None):
    """Fetches the examples of each global batch and applies `per_example`.

    Args:
        batches: a dataset of dicts of int64 `[batch_size]` vectors.
        sources: `(Source, index_key, name)` triples: `element[name]` becomes
            the examples at `element[index_key]`.
        batch_size: the global batch size.
        per_example: optional function of one (unbatched) element dict.

    Returns:
        A dataset of batched elements. Grouped sources are fetched a batch at a
        time; per-example sources and `per_example` run on unbatched elements
        in parallel, batched again afterwards.
    """
    import tensorflow as tf

    def fetch_batch(source, index_key, name):
        def add(element):
            fetched = tf.nest.map_structure(  # the static batch size, as drop_remainder gives
                lambda t: tf.ensure_shape(t, [batch_size] + t.shape[1:]),
                source.fetch(element[index_key]))
            return {**element, name: fetched}
        return add

    for source, index_key, name in sources:
        if source.grouped:
            batches = batches.map(fetch_batch(source, index_key, name),
                                  num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    singles = [triple for triple in sources if not triple[0].grouped]
    if not singles and per_example is None:
        return batches

    def each(element):
        for source, index_key, name in singles:
            element = {**element, name: source.fetch(element[index_key])}
        return per_example(element) if per_example is not None else element

    return batches.unbatch().map(each, num_parallel_calls=tf.data.AUTOTUNE,
                                 deterministic=True).batch(batch_size, drop_remainder=True)


def finish(dataset, batches_per_pass, start_batch):
    """Cardinality, prefetch, the DATA auto-shard policy and `batches_per_pass` on a batched
    dataset."""
    import tensorflow as tf

    cardinality = (batches_per_pass if start_batch is None
                   else tf.data.INFINITE_CARDINALITY)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(cardinality))
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA)
    dataset = dataset.prefetch(tf.data.AUTOTUNE).with_options(options)
    dataset.batches_per_pass = int(batches_per_pass)
    return dataset


@dataclasses.dataclass(frozen=True)
class Source:
    """Random access to `count` examples by index.

    `fetch` maps an int64 index (a scalar; with `grouped=True` a vector: a
    whole global batch) to a structure of tensors (with a leading axis when
    grouped). Grouped sources render a batch per call (the shapes data).
    """

    count: int
    fetch: object
    grouped: bool = False


class Memo:
    """Wraps `render(indices) -> tuple of arrays` so each index renders once (when `enabled`).

    Values must depend only on the index: repeated, concurrent renders of one
    index store the same bytes.
    """

    def __init__(self, render, count, enabled):
        self._render = render
        self._count = count
        self._enabled = enabled
        self._lock = threading.Lock()
        self._done = np.zeros(count, bool)
        self._store = None

    def __call__(self, indices):
        indices = np.asarray(indices, np.int64)
        if not self._enabled:
            return self._render(indices)
        with self._lock:
            missing = np.unique(indices[~self._done[indices]])
        if missing.size:
            values = self._render(missing)
            with self._lock:
                if self._store is None:
                    self._store = tuple(np.empty((self._count,) + v.shape[1:], v.dtype)
                                        for v in values)
                for store, value in zip(self._store, values):
                    store[missing] = value
                self._done[missing] = True
        return tuple(store[indices] for store in self._store)
