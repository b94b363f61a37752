"""PatchGAN and PixelGAN discriminators (Isola et al., 2017), as the official code."""

import keras

from kerasgan.layers.norms import apply_norm, check_norm, conv_bias, kernel_initializer
from kerasgan.models.network import Network


def _conv(filters, kernel, strides, bias, name, pad=1):
    """PyTorch's Conv2d(kernel, stride, padding=pad): explicit zero padding, then valid."""
    def apply(x):
        if pad:
            x = keras.layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        return keras.layers.Conv2D(filters, kernel, strides=strides, padding="valid",
                                   use_bias=bias, kernel_initializer=kernel_initializer(),
                                   name=name)(x)
    return apply


def _check(image_size, input_channels, base_filters):
    for key, value in (("image_size", image_size), ("input_channels", input_channels),
                       ("base_filters", base_filters)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"`{key}` must be a positive integer. Received: {key}={value!r}")


@keras.saving.register_keras_serializable(package="kerasgan")
class PatchGANDiscriminator(Network):
    """PatchGAN: a map of logits, each judging one `receptive_field()`-pixel patch.

    As the official `NLayerDiscriminator`: Conv(4, 2, 1) to `base_filters`
    (with bias) -> LeakyReLU(0.2); `num_layers - 1` more Conv(4, 2, 1) ->
    norm -> LeakyReLU(0.2) with widths `base_filters * min(2^n, 8)`; one
    Conv(4, 1, 1) -> norm -> LeakyReLU(0.2) at `base_filters * min(2^num_layers, 8)`;
    a Conv(4, 1, 1) to one logit per patch (with bias). Convolutions followed
    by batch norm have no bias. The default (`num_layers=3`) is the 70x70
    PatchGAN: a 256x256 input gives a 30x30 map; with 6 input channels
    (pix2pix's input + output pair) and batch norm it has 2,768,705 trainable
    parameters, with 3 channels and instance norm (CycleGAN) 2,764,737.

    The output is raw logits `(batch, h, w, 1)` in float32 under any policy.

    Args:
        image_size: side of the square input.
        input_channels: 6 for pix2pix on RGB pairs, 3 for CycleGAN.
        base_filters: width of the first layer (`ndf`).
        num_layers: stride-2 layers (3: 70x70 patches, 1: 16x16, 2: 34x34).
        norm: `"batch"`, `"instance"` (affine-free) or `"none"`.
        synchronized_batch_norm: synchronize batch statistics across replicas.

    Examples:

    >>> import numpy as np
    >>> d = PatchGANDiscriminator(image_size=32, input_channels=6, base_filters=4)
    >>> d(np.zeros((2, 32, 32, 6), "float32")).shape, d.receptive_field()
    (TensorShape([2, 2, 2, 1]), 70)
    """

    def __init__(self, image_size=256, input_channels=6, base_filters=64, num_layers=3,
                 norm="batch", synchronized_batch_norm=False, name="patchgan_discriminator",
                 **kwargs):
        check_norm(norm)
        _check(image_size, input_channels, base_filters)
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"`num_layers` must be a positive integer. Received: {num_layers!r}")
        if _output_size(image_size, num_layers) < 1:
            raise ValueError(f"A {num_layers}-layer PatchGAN needs inputs of at least "
                             f"{_min_size(num_layers)} pixels. Received: image_size={image_size}")
        bias = conv_bias(norm)
        images = keras.Input((image_size, image_size, input_channels), name="images")
        x = _conv(base_filters, 4, 2, True, "block0_conv")(images)
        x = keras.layers.LeakyReLU(0.2, name="block0_lrelu")(x)
        for n in range(1, num_layers + 1):
            strides = 2 if n < num_layers else 1
            x = _conv(base_filters * min(2 ** n, 8), 4, strides, bias, f"block{n}_conv")(x)
            x = apply_norm(x, norm, f"block{n}_norm", synchronized_batch_norm)
            x = keras.layers.LeakyReLU(0.2, name=f"block{n}_lrelu")(x)
        x = _conv(1, 4, 1, True, "logits_conv")(x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        super().__init__(inputs=images, outputs=logits, name=name, **kwargs)
        self.image_size = image_size
        self.input_channels = input_channels
        self.base_filters = base_filters
        self.num_layers = num_layers
        self.norm = norm
        self.synchronized_batch_norm = synchronized_batch_norm

    def receptive_field(self):
        """Side of the input patch each output logit sees (70 for 3 layers)."""
        strides = [2] * self.num_layers + [1, 1]
        field, jump = 1, 1
        for stride in strides:
            field += 3 * jump
            jump *= stride
        return field



def _output_size(size, num_layers):
    for _ in range(num_layers):
        size = (size + 2 - 4) // 2 + 1
    return size - 2


def _min_size(num_layers):
    size = 1
    while _output_size(size, num_layers) < 1:
        size += 1
    return size


@keras.saving.register_keras_serializable(package="kerasgan")
class PixelDiscriminator(Network):
    """PixelGAN (1x1 PatchGAN): one logit per pixel, judging colour statistics only.

    As the official `PixelDiscriminator`: Conv 1x1 to `base_filters` (bias) ->
    LeakyReLU(0.2) -> Conv 1x1 to `2 * base_filters` -> norm ->
    LeakyReLU(0.2) -> Conv 1x1 to 1 (the two last without bias under batch
    norm). Output `(batch, h, w, 1)` float32 logits.

    Examples:

    >>> import numpy as np
    >>> d = PixelDiscriminator(image_size=16, input_channels=6, base_filters=4)
    >>> d(np.zeros((1, 16, 16, 6), "float32")).shape
    TensorShape([1, 16, 16, 1])
    """

    def __init__(self, image_size=256, input_channels=6, base_filters=64, norm="batch",
                 synchronized_batch_norm=False, name="pixel_discriminator", **kwargs):
        check_norm(norm)
        _check(image_size, input_channels, base_filters)
        bias = conv_bias(norm)
        images = keras.Input((image_size, image_size, input_channels), name="images")
        x = _conv(base_filters, 1, 1, True, "block0_conv", pad=0)(images)
        x = keras.layers.LeakyReLU(0.2, name="block0_lrelu")(x)
        x = _conv(2 * base_filters, 1, 1, bias, "block1_conv", pad=0)(x)
        x = apply_norm(x, norm, "block1_norm", synchronized_batch_norm)
        x = keras.layers.LeakyReLU(0.2, name="block1_lrelu")(x)
        x = _conv(1, 1, 1, bias, "logits_conv", pad=0)(x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        super().__init__(inputs=images, outputs=logits, name=name, **kwargs)
        self.image_size = image_size
        self.input_channels = input_channels
        self.base_filters = base_filters
        self.norm = norm
        self.synchronized_batch_norm = synchronized_batch_norm

    def receptive_field(self):
        return 1

