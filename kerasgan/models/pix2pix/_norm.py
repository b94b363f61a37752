"""Normalization and initialization shared by the pix2pix and CycleGAN networks.

As the official pytorch-CycleGAN-and-pix2pix `get_norm_layer` / `init_weights`:
`"batch"` is batch norm with a learned scale and shift (scale N(1, 0.02)),
`"instance"` is instance norm without any affine parameters, and a
convolution followed by a norm carries a bias exactly when that norm is
instance norm. Kernels are N(0, 0.02), biases 0.
"""

import keras

NORMS = ("batch", "instance", "none")


def check_norm(norm):
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")


def conv_bias(norm):
    """Whether a convolution followed by `norm` has a bias (the official `use_bias`)."""
    return norm != "batch"


def kernel_init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def norm_layer(norm, name, synchronized=False):
    """The normalization layer of `norm`, or None for `"none"`."""
    if norm == "batch":
        return keras.layers.BatchNormalization(
            momentum=0.9, epsilon=1e-5, synchronized=synchronized,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02), name=name)
    if norm == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False,
                                               scale=False, name=name)
    return None


def apply_norm(x, norm, name, synchronized=False):
    layer = norm_layer(norm, name, synchronized)
    return x if layer is None else layer(x)
