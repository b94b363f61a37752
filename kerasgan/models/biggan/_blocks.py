"""Shared pieces of the BigGAN networks: the official width tables, SN layers, z chunks."""

import keras
from keras import ops

from kerasgan.layers.spectral_norm import SpectralNormalization

# BigGAN-PyTorch's architecture tables (BigGAN.py `G_arch` / `D_arch`), as multiples of
# the base width `ch`. Generator: the 4x4 input width, then each up-block's output width.
G_WIDTHS = {32: (4, 4, 4, 4), 64: (16, 16, 8, 4, 2), 128: (16, 16, 8, 4, 2, 1),
            256: (16, 16, 8, 8, 4, 2, 1)}
# Discriminator: each block's output width and whether it halves the resolution.
D_WIDTHS = {32: ((4, True), (4, True), (4, False), (4, False)),
            64: ((1, True), (2, True), (4, True), (8, True), (16, False)),
            128: ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)),
            256: ((1, True), (2, True), (4, True), (8, True), (8, True), (16, True),
                  (16, False))}
SIZES = tuple(sorted(G_WIDTHS))


def check_size(image_size):
    if image_size not in SIZES:
        raise ValueError(f"`image_size` must be one of {list(SIZES)}. "
                         f"Received: image_size={image_size}")


def check_classes(num_classes):
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"`num_classes` must be an integer >= 2. "
                         f"Received: num_classes={num_classes!r}")


def sn_conv(filters, kernel_size, name, regularizer=None, initializer="orthogonal"):
    """A spectrally normalized convolution with a bias (`SNConv2d`)."""
    return SpectralNormalization(
        keras.layers.Conv2D(filters, kernel_size, padding="same",
                            kernel_initializer=initializer, kernel_regularizer=regularizer,
                            name=name),
        name=f"{name}_sn",
    )


def sn_dense(units, name, regularizer=None, initializer="orthogonal"):
    return SpectralNormalization(
        keras.layers.Dense(units, kernel_initializer=initializer,
                           kernel_regularizer=regularizer, name=name),
        name=f"{name}_sn",
    )


@keras.saving.register_keras_serializable(package="kerasgan")
class LatentChunks(keras.layers.Layer):
    """Splits z [batch, d] into `num_chunks` equal chunks (BigGAN's hierarchical latent)."""

    def __init__(self, num_chunks, **kwargs):
        super().__init__(**kwargs)
        self.num_chunks = num_chunks

    def call(self, z):
        return ops.split(z, self.num_chunks, axis=-1)

    def compute_output_shape(self, input_shape):
        size = None if input_shape[-1] is None else input_shape[-1] // self.num_chunks
        return [(input_shape[0], size)] * self.num_chunks

    def get_config(self):
        return {**super().get_config(), "num_chunks": self.num_chunks}
