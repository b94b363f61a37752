"""The Context Encoder generator (Pathak et al., 2016): masked image -> the missing center."""

import math

import keras

from kerasgan.layers import ChannelWiseDense
from kerasgan.layers.norms import batch_norm, held_zero_bias, kernel_initializer
from kerasgan.models.network import Network

BOTTLENECKS = ("conv", "channel_wise")


@keras.saving.register_keras_serializable(package="kerasgan")
class ContextEncoderGenerator(Network):
    """Encoder-decoder that predicts the `hole_size` center of an `image_size` image.

    The official center-region configuration (`image_size=128`,
    `hole_size=64`, `base_filters=64`, `bottleneck="conv"`,
    `bottleneck_dim=4000`) is the official `train.lua` (inpaintCenter) layer
    for layer. Encoder: Conv(4, 2, 1) 3->64 -> LeakyReLU(0.2), then
    Conv(4, 2, 1) -> BN -> LeakyReLU(0.2) with widths 64, 128, 256, 512 down
    to 4x4, then Conv(512->4000, 4) to a 1x1 bottleneck. Decoder: BN ->
    LeakyReLU(0.2) -> ConvTranspose(4000->512, 4) to 4x4, then
    ConvTranspose(4, 2, 1) -> BN -> ReLU with widths 256, 128, 64, then
    ConvTranspose(64->3, 4, 2, 1) -> tanh at 64x64. Kernels N(0, 0.02),
    batch-norm scales N(1, 0.02).

    The official convolutions keep their biases, but `weights_init` fills
    them with 0 and both training closures zero them again before every
    forward pass, so they never take part. Here every convolution has its
    bias too, initialized to 0 and held at 0 after each optimizer update
    (`kerasgan.layers.HeldAtZero`): the network computes what the official
    one computes and has its parameter count, 71,130,531 (71,124,544
    weights, batch-norm scales and shifts plus 5,987 zero biases).

    `bottleneck="channel_wise"` is the paper's channel-wise fully connected
    bottleneck (section 3.1): the 4x4 encoder maps go through
    `ChannelWiseDense` and a 1x1 convolution (to 8 * base_filters channels,
    BN, ReLU) instead of the 4x4 convolution to `bottleneck_dim`.

    Smaller sizes keep the structure: stride-2 stages down to 4x4 and up to
    `hole_size`, widths `base_filters * 2^k` capped at 8x.

    Args:
        image_size: side of the square input (a power of two, 16-512).
        hole_size: side of the predicted center (a power of two, 8 to
            image_size / 2; default image_size / 2).
        channels: image channels.
        base_filters: width of the first encoder and last decoder stage
            (the official nef = ngf = 64).
        bottleneck: `"conv"` or `"channel_wise"`.
        bottleneck_dim: channels of the conv bottleneck (official 4000).
        synchronized_batch_norm: synchronize batch statistics across replicas.

    Examples:

    >>> import numpy as np
    >>> g = ContextEncoderGenerator(image_size=32, base_filters=4, bottleneck_dim=16)
    >>> g(np.zeros((2, 32, 32, 3), "float32")).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(self, image_size=128, hole_size=None, channels=3, base_filters=64,
                 bottleneck="conv", bottleneck_dim=4000, synchronized_batch_norm=False,
                 name="context_encoder_generator", **kwargs):
        hole_size = image_size // 2 if hole_size is None else hole_size
        _check_sizes(image_size, hole_size)
        if bottleneck not in BOTTLENECKS:
            raise ValueError(f"`bottleneck` must be one of {BOTTLENECKS}. "
                             f"Received: bottleneck={bottleneck!r}")
        for key, value in (("base_filters", base_filters), ("bottleneck_dim", bottleneck_dim),
                           ("channels", channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"`{key}` must be a positive integer. Received: {key}={value!r}")
        downs = int(math.log2(image_size // 4))
        ups = int(math.log2(hole_size // 4))
        relu = lambda name: keras.layers.LeakyReLU(0.2, name=name)

        image = keras.Input((image_size, image_size, channels), name="image")
        x = image
        for i in range(downs):
            width = base_filters * min(8, 2 ** max(0, i - 1))
            x = keras.layers.Conv2D(width, 4, strides=2, padding="same", **held_zero_bias(),
                                    kernel_initializer=kernel_initializer(),
                                    name=f"encoder{i}_conv")(x)
            if i:
                x = batch_norm(f"encoder{i}_bn", synchronized_batch_norm)(x)
            x = relu(f"encoder{i}_lrelu")(x)
        first_width = base_filters * min(8, 2 ** (ups - 1))
        if bottleneck == "conv":
            x = keras.layers.Conv2D(bottleneck_dim, 4, padding="valid", **held_zero_bias(),
                                    kernel_initializer=kernel_initializer(),
                                    name="bottleneck_conv")(x)
            x = batch_norm("bottleneck_bn", synchronized_batch_norm)(x)
            x = relu("bottleneck_lrelu")(x)
            x = keras.layers.Conv2DTranspose(first_width, 4, padding="valid",
                                             **held_zero_bias(),
                                             kernel_initializer=kernel_initializer(),
                                             name="decoder0_conv")(x)
        else:
            x = ChannelWiseDense(kernel_initializer=kernel_initializer(),
                                 name="bottleneck_channel_wise")(x)
            x = keras.layers.Conv2D(first_width, 1, **held_zero_bias(),
                                    kernel_initializer=kernel_initializer(),
                                    name="decoder0_conv")(x)
        x = batch_norm("decoder0_bn", synchronized_batch_norm)(x)
        x = keras.layers.ReLU(name="decoder0_relu")(x)
        for j in range(1, ups):
            width = base_filters * min(8, 2 ** (ups - 1 - j))
            x = keras.layers.Conv2DTranspose(width, 4, strides=2, padding="same",
                                             **held_zero_bias(),
                                             kernel_initializer=kernel_initializer(),
                                             name=f"decoder{j}_conv")(x)
            x = batch_norm(f"decoder{j}_bn", synchronized_batch_norm)(x)
            x = keras.layers.ReLU(name=f"decoder{j}_relu")(x)
        x = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                         **held_zero_bias(),
                                         kernel_initializer=kernel_initializer(),
                                         name="output_conv")(x)
        center = keras.layers.Activation("tanh", dtype="float32", name="center")(x)
        super().__init__(inputs=image, outputs=center, name=name, **kwargs)
        self.image_size = image_size
        self.hole_size = hole_size
        self.channels = channels
        self.base_filters = base_filters
        self.bottleneck = bottleneck
        self.bottleneck_dim = bottleneck_dim
        self.synchronized_batch_norm = synchronized_batch_norm


def _power_of_two(value):
    return isinstance(value, int) and value > 0 and value & (value - 1) == 0


def _check_sizes(image_size, hole_size):
    if not _power_of_two(image_size) or not 16 <= image_size <= 512:
        raise ValueError("`image_size` must be a power of two in [16, 512]. "
                         f"Received: image_size={image_size!r}")
    if not _power_of_two(hole_size) or not 8 <= hole_size <= image_size // 2:
        raise ValueError(f"`hole_size` must be a power of two in [8, {image_size // 2}]. "
                         f"Received: hole_size={hole_size!r}")
