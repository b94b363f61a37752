"""Residual blocks of the SAGAN networks (official brain-research/self-attention-gan)."""

import keras

from kerasgan.layers.spectral_norm import SpectralNormalization

SIZES = (32, 64, 128, 256)


def check_size(image_size):
    if image_size not in SIZES:
        raise ValueError(f"`image_size` must be one of {list(SIZES)}. "
                         f"Received: image_size={image_size}")


def sn_conv(filters, kernel_size, name):
    """A spectrally normalized convolution with a bias (the official `snconv2d`)."""
    return SpectralNormalization(
        keras.layers.Conv2D(filters, kernel_size, padding="same",
                            kernel_initializer="glorot_uniform", name=name),
        name=f"{name}_sn",
    )


def sn_dense(units, name):
    return SpectralNormalization(
        keras.layers.Dense(units, kernel_initializer="glorot_uniform", name=name),
        name=f"{name}_sn",
    )
