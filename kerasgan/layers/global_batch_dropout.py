"""Dropout whose mask does not depend on how the global batch is split over replicas."""

import contextlib
import threading

import keras
import tensorflow as tf

_local = threading.local()  # MirroredStrategy traces each replica in its own thread


class _StepDraws:
    """The random source of one traced training step on one replica."""

    def __init__(self, seed, replica_id, num_replicas):
        self.seed = tf.cast(seed, tf.int64)
        self.replica_id = replica_id
        self.num_replicas = num_replicas
        self.calls = 0

    def next_seed(self):
        """A fresh stateless seed per dropout call, in trace order (the same on every
        replica: each runs the same code)."""
        self.calls += 1
        return tf.random.experimental.stateless_fold_in(self.seed, self.calls)

    def replica_rows(self, local_shape, sample):
        """Draws `sample(global_shape, seed)` for the global batch with a fresh seed and
        returns this replica's rows.

        `local_shape` is the replica's `[local_batch, ...]` shape (a tensor); the global
        batch is `local_batch * num_replicas` and replica `r` keeps rows
        `[r * local_batch, (r + 1) * local_batch)`, so the draw for the example at global
        position `i` does not depend on how the batch is split.
        """
        local_shape = tf.convert_to_tensor(local_shape, tf.int32)
        local = local_shape[0]
        rest = local_shape[1:]
        drawn = sample(tf.concat([[local * self.num_replicas], rest], axis=0), self.next_seed())
        start = tf.cast(self.replica_id, tf.int32) * local
        return tf.slice(drawn, tf.concat([[start], tf.zeros_like(rest)], axis=0), local_shape)


@contextlib.contextmanager
def step_draws(seed, replica_id, num_replicas):
    """Makes every `GlobalBatchDropout` (and `NoiseInjection`) called in training mode inside
    draw its mask (noise) for the global batch from `seed` (a `[2]` int64 stateless seed) and
    keep the rows of replica `replica_id` of `num_replicas` (equal shares, in replica order).

    The adversarial base enters it around each training step with the model's step seed.
    """
    stack = _local.__dict__.setdefault("stack", [])
    stack.append(_StepDraws(seed, replica_id, num_replicas))
    try:
        yield stack[-1]
    finally:
        stack.pop()


def current_step_draws():
    """The random source of the training step being traced on this thread (inside
    `step_draws`), or `None` outside a step.

    Layers whose training-time randomness must not depend on how the global batch is split
    (`GlobalBatchDropout`, `NoiseInjection`) draw through its `replica_rows`.
    """
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


@keras.saving.register_keras_serializable(package="kerasgan")
class GlobalBatchDropout(keras.layers.Dropout):
    """`keras.layers.Dropout` whose training mask is a function of the example, not the split.

    Inside a kerasgan training step (`step_draws`), the mask is drawn for the
    whole **global** batch from a stateless seed derived from the model's
    step seed (one per call), and each replica keeps its own rows: the
    example at global position `i` gets the same mask on one replica, on N
    replicas of one machine or on N workers, so distributed training gives
    the weights of single-process training. Outside a step (a plain call with
    `training=True`) it is ordinary Keras dropout. Inference: no dropout.
    Arguments as `keras.layers.Dropout`; no weights.

    Examples:

    >>> import numpy as np, tensorflow as tf
    >>> layer = GlobalBatchDropout(0.5)
    >>> x = np.ones((4, 3), "float32")
    >>> with step_draws(tf.constant([7, 0], tf.int64), 0, 1):
    ...     whole = layer(x, training=True).numpy()
    >>> with step_draws(tf.constant([7, 0], tf.int64), 1, 2):  # replica 1 of 2: rows 2, 3
    ...     share = layer(x[:2], training=True).numpy()
    >>> bool(np.array_equal(share, whole[2:])), sorted(set(whole.ravel().tolist()))
    (True, [0.0, 2.0])
    >>> float(layer(x, training=False).numpy().max())
    1.0
    """

    def call(self, inputs, training=False):
        draws = current_step_draws()
        if not training or self.rate == 0 or draws is None:
            return super().call(inputs, training=training)
        local = tf.shape(inputs)[0]
        shape = tf.shape(inputs)
        if self.noise_shape is not None:
            shape = tf.stack([shape[i] if dim is None else tf.constant(dim, tf.int32)
                              for i, dim in enumerate(self.noise_shape)])
            if self.noise_shape[0] is not None:  # one mask for every example
                keep = tf.random.stateless_uniform(shape, draws.next_seed()) >= self.rate
                return self._apply(inputs, keep)
        shape = tf.concat([[local], shape[1:]], axis=0)
        keep = draws.replica_rows(shape, tf.random.stateless_uniform) >= self.rate
        return self._apply(inputs, keep)

    def _apply(self, inputs, keep):
        scale = tf.cast(1.0 / (1.0 - self.rate), inputs.dtype)
        return tf.where(keep, inputs * scale, tf.zeros_like(inputs))
