"""Batch norm that normalizes with the batch's own statistics at inference (pix2pix's test mode)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class TestTimeBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` that uses batch statistics at inference too.

    The pix2pix paper applies the generator at test time "in exactly the same
    manner as during the training phase" (section 3.1): batch norm then
    normalizes with the statistics of the test batch. In training this layer
    is `BatchNormalization` (it also updates the moving averages); at
    inference it normalizes each channel by the batch's mean and variance
    (computed in float32), applies its learned scale and shift, and leaves
    the moving averages untouched. Arguments as `BatchNormalization`.

    Examples:

    >>> import numpy as np
    >>> layer = TestTimeBatchNormalization(center=False, scale=False)
    >>> x = np.arange(8, dtype="float32").reshape(2, 2, 2, 1)
    >>> out = np.asarray(layer(x, training=False))  # not the moving mean 0, variance 1
    >>> np.allclose(out, (x - x.mean()) / x.std(), atol=1e-3)  # epsilon 1e-3
    True
    """

    __test__ = False  # not a pytest test class, despite its name

    def call(self, inputs, training=None, mask=None):
        if training:
            return super().call(inputs, training=True, mask=mask)
        x = ops.cast(inputs, "float32")
        rank = len(x.shape)
        channel = self.axis % rank
        mean, variance = ops.moments(x, axes=[a for a in range(rank) if a != channel],
                                     keepdims=True)
        x = (x - mean) * ops.rsqrt(variance + self.epsilon)
        shape = [1] * rank
        shape[channel] = -1
        if self.scale:
            x = x * ops.reshape(ops.cast(self.gamma, "float32"), shape)
        if self.center:
            x = x + ops.reshape(ops.cast(self.beta, "float32"), shape)
        return ops.cast(x, self.compute_dtype)
