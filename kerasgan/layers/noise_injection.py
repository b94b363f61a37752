"""StyleGAN's per-pixel noise input with a learned per-channel strength (official `apply_noise`)."""

import keras
import tensorflow as tf
from keras import ops

from kerasgan.layers.global_batch_dropout import current_step_draws


def _stateless_normal(shape, seed):
    return tf.random.stateless_normal(shape, seed)


@keras.saving.register_keras_serializable(package="kerasgan")
class NoiseInjection(keras.layers.Layer):
    """Adds `strength * noise`: one noise map `[batch, h, w, 1]` scaled per channel.

    The strength is one weight per channel, initialized to zero (the official
    noise strength, the trainable `Noise/weight` of `apply_noise`), so a new
    layer is the identity. Where the noise comes from:

    - an explicit `noise` tensor (`[batch or 1, h, w, 1]`), when one is given;
    - in training inside a kerasgan training step (`step_draws`): drawn for the
      **global** batch from a stateless seed of the step, each replica keeping
      its rows, so one and N replicas give the same noise to the same example;
    - in training outside a step: ordinary random normal noise;
    - at inference: one fixed `[1, h, w, 1]` map drawn from `seed` and shared by
      the batch, as the official synthesis network's stored noise maps
      (`noise0`, `noise1`, ... used with `randomize_noise=False`): sampling and
      exported generators are deterministic, and an example's image does not
      depend on its batch. With a known `h, w` the map is drawn once when the
      layer is built and is a constant of inference graphs.

    The noise is drawn in float32 and added in the input's dtype. One weight
    per channel.

    Args:
        seed: a non-negative integer, this layer's inference noise seed (give
            each layer of a network its own).

    Examples:

    >>> import numpy as np
    >>> layer = NoiseInjection(seed=3)
    >>> x = np.zeros((2, 4, 4, 8), "float32")
    >>> float(np.abs(layer(x)).max()), layer.count_params()  # strength starts at 0
    (0.0, 8)
    >>> _ = layer.strength.assign(np.ones(8, "float32"))
    >>> y = np.asarray(layer(x))
    >>> bool(np.array_equal(y, np.asarray(layer(x)))), bool(np.array_equal(y[0], y[1]))
    (True, True)
    """

    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")
        self.seed = seed

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError("NoiseInjection needs [batch, h, w, c] inputs with known c. "
                             f"Received: input_shape={input_shape}")
        self.strength = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                        name="strength")
        self._fixed_noise = None
        height, width = input_shape[1], input_shape[2]
        if height is not None and width is not None:
            # Drawn once, eagerly, and used as a constant: inference graphs and exports
            # hold the map itself, not a random op.
            with tf.init_scope():
                self._fixed_noise = self._draw_fixed((1, height, width, 1)).numpy()

    def _draw_fixed(self, shape):
        return tf.random.stateless_normal(shape, tf.constant([self.seed, 0], tf.int64))

    def _noise(self, x, training):
        shape = tf.shape(x)
        if training:
            local_shape = tf.stack([shape[0], shape[1], shape[2], 1])
            draws = current_step_draws()
            if draws is not None:
                return draws.replica_rows(local_shape, _stateless_normal)
            return tf.random.normal(local_shape)
        if self._fixed_noise is not None:
            return self._fixed_noise
        return self._draw_fixed(tf.stack([1, shape[1], shape[2], 1]))

    def call(self, x, noise=None, training=None):
        noise = self._noise(x, training) if noise is None else noise
        return x + ops.cast(noise, x.dtype) * ops.cast(self.strength, x.dtype)

    def compute_output_spec(self, x, noise=None, training=None):
        return keras.KerasTensor(x.shape, dtype=x.dtype)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
