"""Normalization and initialization shared by the pix2pix and CycleGAN networks.

As the official pytorch-CycleGAN-and-pix2pix `get_norm_layer` / `init_weights`:
`"batch"` is batch norm with a learned scale and shift (scale N(1, 0.02)),
`"instance"` is instance norm without any affine parameters, and a
convolution followed by a norm carries a bias exactly when that norm is
instance norm. Kernels are N(0, 0.02), biases 0.
"""

import keras
from keras import ops

NORMS = ("batch", "instance", "none")


def check_norm(norm):
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")


def conv_bias(norm):
    """Whether a convolution followed by `norm` has a bias (the official `use_bias`)."""
    return norm != "batch"


def kernel_init():
    return keras.initializers.RandomNormal(0.0, 0.02)


@keras.saving.register_keras_serializable(package="kerasgan")
class TestTimeBatchNormalization(keras.layers.BatchNormalization):
    """Batch norm that also normalizes with the batch's own statistics at inference.

    The pix2pix paper runs the generator at test time "in exactly the same
    manner as during the training phase": batch norm uses the test batch's
    statistics. Training behaves as `BatchNormalization`; at inference the
    batch's mean and variance are used and the moving averages are left as
    they are.
    """

    def call(self, inputs, training=None, mask=None):
        if training:
            return super().call(inputs, training=True, mask=mask)
        x = ops.cast(inputs, "float32")
        mean, variance = ops.moments(x, axes=[0, 1, 2], keepdims=True)
        x = (x - mean) * ops.rsqrt(variance + self.epsilon)
        x = x * ops.cast(self.gamma, "float32") + ops.cast(self.beta, "float32")
        return ops.cast(x, self.compute_dtype)


def norm_layer(norm, name, synchronized=False, batch_statistics_at_inference=False):
    """The normalization layer of `norm`, or None for `"none"`."""
    if norm == "batch":
        cls = (TestTimeBatchNormalization if batch_statistics_at_inference
               else keras.layers.BatchNormalization)
        return cls(
            momentum=0.9, epsilon=1e-5, synchronized=synchronized,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02), name=name)
    if norm == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False,
                                               scale=False, name=name)
    return None


def apply_norm(x, norm, name, synchronized=False, batch_statistics_at_inference=False):
    layer = norm_layer(norm, name, synchronized, batch_statistics_at_inference)
    return x if layer is None else layer(x)
