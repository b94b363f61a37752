"""A per-channel bias on its own (the official `apply_bias` after a reshape)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ChannelBias(keras.layers.Layer):
    """A per-channel bias (initialized to zero), the official `apply_bias` on its own.

    The generator's first dense layer adds its bias after the reshape to
    `[4, 4, channels]`, so it has one bias per channel, not per unit.

    Examples:

    >>> layer = ChannelBias()
    >>> tuple(layer(keras.ops.ones((2, 4, 4, 8))).shape), layer.count_params()
    ((2, 4, 4, 8), 8)
    """

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, x):
        return x + ops.cast(self.bias, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape
