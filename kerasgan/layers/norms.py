"""Normalization and initialization as the PyTorch and Torch reference implementations set them.

pytorch/examples' `dcgan`, pytorch-CycleGAN-and-pix2pix (`get_norm_layer`,
`init_weights`) and the Context Encoder's `train.lua` (`weights_init`) share
one convention, written here once for every family that follows it:

- convolution kernels N(0, 0.02) (`kernel_initializer`);
- batch norm with a learned scale initialized N(1, 0.02) and shift 0,
  PyTorch's running-average momentum 0.1 (Keras `momentum=0.9`) and epsilon
  1e-5 (`batch_norm`);
- instance norm without any affine parameters, PyTorch's `InstanceNorm2d`
  default (`instance_norm`);
- in pytorch-CycleGAN-and-pix2pix a convolution followed by batch norm has no
  bias and one followed by instance norm has one (`conv_bias`);
- Torch code that keeps its convolution biases but zeroes them before every
  update has them held at zero (`held_zero_bias`).

Examples:

>>> import numpy as np
>>> x = np.random.RandomState(0).normal(3.0, 2.0, (2, 4, 4, 3)).astype("float32")
>>> y = np.asarray(apply_norm(x, "instance", "norm"))
>>> bool(np.allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)), conv_bias("instance")
(True, True)
"""

import keras

from kerasgan.layers.held_at_zero import HeldAtZero
from kerasgan.layers.test_time_batch_norm import TestTimeBatchNormalization

NORMS = ("batch", "instance", "none")


def check_norm(norm):
    """Raises unless `norm` is one of `NORMS`."""
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")


def conv_bias(norm):
    """Whether a convolution followed by `norm` has a bias (pix2pix / CycleGAN `use_bias`)."""
    return norm != "batch"


def kernel_initializer(stddev=0.02):
    """The N(0, stddev) kernel initializer (0.02 in every reference)."""
    return keras.initializers.RandomNormal(0.0, stddev)


def held_zero_bias():
    """Keyword arguments of a convolution whose bias exists but is held at zero."""
    return {"use_bias": True, "bias_initializer": "zeros", "bias_constraint": HeldAtZero()}


def batch_norm(name, synchronized=False, gamma_stddev=0.02, batch_statistics_at_inference=False):
    """PyTorch's `BatchNorm2d` as the references initialize it: scale N(1, gamma_stddev).

    Args:
        name: the layer's name.
        synchronized: synchronize the batch statistics across replicas.
        gamma_stddev: standard deviation of the scale's initialization.
        batch_statistics_at_inference: normalize with the batch's statistics
            at inference too (`TestTimeBatchNormalization`, the pix2pix
            paper's test mode).
    """
    cls = (TestTimeBatchNormalization if batch_statistics_at_inference
           else keras.layers.BatchNormalization)
    return cls(momentum=0.9, epsilon=1e-5, synchronized=synchronized,
               gamma_initializer=keras.initializers.RandomNormal(1.0, gamma_stddev), name=name)


def instance_norm(name):
    """PyTorch's `InstanceNorm2d` default: per-example, per-channel, no affine parameters."""
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False,
                                           name=name)


def norm_layer(norm, name, synchronized=False, batch_statistics_at_inference=False):
    """The layer of `norm` (`"batch"`, `"instance"`), or None for `"none"`."""
    check_norm(norm)
    if norm == "batch":
        return batch_norm(name, synchronized,
                          batch_statistics_at_inference=batch_statistics_at_inference)
    if norm == "instance":
        return instance_norm(name)
    return None


def apply_norm(x, norm, name, synchronized=False, batch_statistics_at_inference=False):
    """`x` through the layer of `norm` (unchanged for `"none"`)."""
    layer = norm_layer(norm, name, synchronized, batch_statistics_at_inference)
    return x if layer is None else layer(x)
