"""The CycleGAN ResNet generator (Zhu et al., 2017; Johnson et al.'s transformation network)."""

import keras

from kerasgan.layers import GlobalBatchDropout, ReflectionPadding2D
from kerasgan.layers.norms import apply_norm, check_norm, conv_bias, kernel_initializer
from kerasgan.models.network import Network

PRESETS = {"resnet_9blocks": 9, "resnet_6blocks": 6}


@keras.saving.register_keras_serializable(package="kerasgan")
class ResNetGenerator(Network):
    """Two stride-2 downsamplings, `num_blocks` residual blocks, two upsamplings.

    As the official `ResnetGenerator` (padding_type="reflect"):
    ReflectionPad(3) -> Conv 7x7 to `base_filters` -> norm -> ReLU; two
    Conv(3, 2, 1) -> norm -> ReLU doubling the width; `num_blocks` residual
    blocks x + [ReflectionPad(1) -> Conv 3x3 -> norm -> ReLU (-> Dropout(0.5),
    a split-independent `GlobalBatchDropout`) -> ReflectionPad(1) -> Conv 3x3
    -> norm] at `4 * base_filters`; two
    ConvTranspose(3, 2, padding=1, output_padding=1) -> norm -> ReLU halving
    the width; ReflectionPad(3) -> Conv 7x7 (with bias) -> tanh. Convolutions
    followed by batch norm have no bias. The stride-2 layers reproduce
    PyTorch's pixel alignment (zero padding 1 on both sides going down; the
    transposed convolution's first row and column cropped going up).

    `resnet_9blocks` (CycleGAN at 256x256) and `resnet_6blocks` (128x128) with
    `base_filters=64` and instance norm are the official configurations
    (`resnet_9blocks`: 11,378,179 trainable parameters for RGB).

    Args:
        image_size: side of the square input, a multiple of 4 (at least 8).
        input_channels, output_channels: image channels on each side.
        num_blocks: residual blocks (9 or 6 officially).
        base_filters: width of the first layer (`ngf`).
        norm: `"instance"` (CycleGAN, affine-free), `"batch"` or `"none"`.
        use_dropout: Dropout(0.5) inside the residual blocks (off in CycleGAN).
        synchronized_batch_norm: synchronize batch statistics across replicas.

    Examples:

    >>> import numpy as np
    >>> g = ResNetGenerator(image_size=16, num_blocks=1, base_filters=4)
    >>> g(np.zeros((2, 16, 16, 3), "float32")).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(self, image_size=256, input_channels=3, output_channels=3, num_blocks=9,
                 base_filters=64, norm="instance", use_dropout=False,
                 synchronized_batch_norm=False, name="resnet_generator", **kwargs):
        check_norm(norm)
        for key, value in (("input_channels", input_channels),
                           ("output_channels", output_channels), ("base_filters", base_filters)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"`{key}` must be a positive integer. Received: {key}={value!r}")
        if not isinstance(num_blocks, int) or num_blocks < 0:
            raise ValueError(f"`num_blocks` must be an integer >= 0. Received: {num_blocks!r}")
        if not isinstance(image_size, int) or image_size < 8 or image_size % 4:
            raise ValueError("`image_size` must be a multiple of 4, at least 8. "
                             f"Received: image_size={image_size!r}")
        bias = conv_bias(norm)
        sync = synchronized_batch_norm

        def conv(x, filters, kernel, name, strides=1, use_bias=bias):
            return keras.layers.Conv2D(filters, kernel, strides=strides, padding="valid",
                                       use_bias=use_bias, kernel_initializer=kernel_initializer(),
                                       name=name)(x)

        image = keras.Input((image_size, image_size, input_channels), name="image")
        x = ReflectionPadding2D(3, name="stem_pad")(image)
        x = conv(x, base_filters, 7, "stem_conv")
        x = apply_norm(x, norm, "stem_norm", sync)
        x = keras.layers.ReLU(name="stem_relu")(x)
        for i in range(2):
            x = keras.layers.ZeroPadding2D(1, name=f"down{i}_pad")(x)
            x = conv(x, base_filters * 2 ** (i + 1), 3, f"down{i}_conv", strides=2)
            x = apply_norm(x, norm, f"down{i}_norm", sync)
            x = keras.layers.ReLU(name=f"down{i}_relu")(x)
        width = base_filters * 4
        for b in range(num_blocks):
            y = ReflectionPadding2D(1, name=f"block{b}_pad1")(x)
            y = conv(y, width, 3, f"block{b}_conv1")
            y = apply_norm(y, norm, f"block{b}_norm1", sync)
            y = keras.layers.ReLU(name=f"block{b}_relu")(y)
            if use_dropout:
                y = GlobalBatchDropout(0.5, name=f"block{b}_dropout")(y)
            y = ReflectionPadding2D(1, name=f"block{b}_pad2")(y)
            y = conv(y, width, 3, f"block{b}_conv2")
            y = apply_norm(y, norm, f"block{b}_norm2", sync)
            x = keras.layers.Add(name=f"block{b}_add")([x, y])
        for i in range(2):
            x = keras.layers.Conv2DTranspose(width // 2 ** (i + 1), 3, strides=2,
                                             padding="valid", use_bias=bias,
                                             kernel_initializer=kernel_initializer(),
                                             name=f"up{i}_conv")(x)
            x = keras.layers.Cropping2D(((1, 0), (1, 0)), name=f"up{i}_crop")(x)
            x = apply_norm(x, norm, f"up{i}_norm", sync)
            x = keras.layers.ReLU(name=f"up{i}_relu")(x)
        x = ReflectionPadding2D(3, name="head_pad")(x)
        x = conv(x, output_channels, 7, "head_conv", use_bias=True)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        super().__init__(inputs=image, outputs=images, name=name, **kwargs)
        self.image_size = image_size
        self.input_channels = input_channels
        self.output_channels = output_channels
        self.num_blocks = num_blocks
        self.base_filters = base_filters
        self.norm = norm
        self.use_dropout = use_dropout
        self.synchronized_batch_norm = synchronized_batch_norm

    @classmethod
    def preset(cls, name, **kwargs):
        """`ResNetGenerator.preset("resnet_9blocks")`: the official generator of that name."""
        if name not in PRESETS:
            raise ValueError(f"Unknown ResNet generator {name!r}; expected one of "
                             f"{sorted(PRESETS)}.")
        return cls(num_blocks=PRESETS[name], **kwargs)
