"""The pix2pix U-Net generator (Isola et al., 2017), as in pytorch-CycleGAN-and-pix2pix."""

import keras

from kerasgan.layers import GlobalBatchDropout, TestTimeDropout
from kerasgan.layers.norms import apply_norm, check_norm, conv_bias, kernel_initializer
from kerasgan.models.network import Network

PRESETS = {"unet_256": (256, 8), "unet_128": (128, 7)}


@keras.saving.register_keras_serializable(package="kerasgan")
class UNetGenerator(Network):
    """U-Net: `num_downs` stride-2 stages down to the bottleneck and back, with skips.

    Level `i` (0 = outermost) halves the resolution with Conv(4, 2, 1) to
    `base_filters * min(2^i, 8)` channels; on the way up, level `i`'s
    ConvTranspose(4, 2, 1) takes the concatenation of level `i + 1`'s input
    and output (its skip) and restores level `i`'s input channels, so each
    decoder stage sees the encoder features of its own (mirrored)
    resolution. As the official `UnetSkipConnectionBlock`: down = LeakyReLU(0.2)
    -> Conv -> norm (the outermost level has only the Conv, the innermost no
    norm; every down Conv has a bias only without batch norm); up = ReLU ->
    ConvTranspose -> norm (-> Dropout(0.5), a `GlobalBatchDropout` whose mask
    does not depend on how a batch is split over replicas, on the
    `8 * base_filters` levels between level 3 and the innermost); the
    outermost up is ReLU -> ConvTranspose (with bias) -> tanh. Convolutions
    followed by batch norm have no bias. Kernels N(0, 0.02).

    `unet_256` (`image_size=256, num_downs=8`) and `unet_128` (`128, 7`),
    with `base_filters=64` and batch norm, are the official configurations
    (`unet_256`: 54,413,955 trainable parameters for RGB to RGB); smaller
    U-Nets keep the structure with fewer levels (at least 2).

    Inference: by default the generator runs as a usual Keras model at
    inference (`training=False`): batch norm uses its moving statistics and
    dropout is off, which is what an export contains. The paper runs the
    generator at test time as in training (section 3.1): dropout stays on as
    the only noise source and batch norm uses the test batch's statistics.
    Build with `dropout_at_inference=True` and
    `batch_statistics_at_inference=True` for that (the official test.py
    without `--eval`); the exported graph then does the same.

    Args:
        image_size: side of the square input, divisible by `2^num_downs`.
        input_channels, output_channels: image channels on each side.
        num_downs: number of stride-2 levels (8 brings 256 to 1x1).
        base_filters: width of the outermost level (`ngf`).
        norm: `"batch"` (pix2pix), `"instance"` (affine-free) or `"none"`.
        use_dropout: Dropout(0.5) on the inner `8 * base_filters` levels.
        dropout_at_inference: keep that dropout on at inference.
        batch_statistics_at_inference: batch norm uses the batch's statistics
            at inference too (moving averages are kept but not used).
        synchronized_batch_norm: synchronize batch statistics across replicas.

    Examples:

    >>> import numpy as np
    >>> g = UNetGenerator(image_size=16, num_downs=4, base_filters=4)
    >>> g(np.zeros((2, 16, 16, 3), "float32")).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(self, image_size=256, input_channels=3, output_channels=3, num_downs=8,
                 base_filters=64, norm="batch", use_dropout=True, dropout_at_inference=False,
                 batch_statistics_at_inference=False, synchronized_batch_norm=False,
                 name="unet_generator", **kwargs):
        check_norm(norm)
        for key, value in (("input_channels", input_channels),
                           ("output_channels", output_channels), ("base_filters", base_filters)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"`{key}` must be a positive integer. Received: {key}={value!r}")
        if not isinstance(num_downs, int) or num_downs < 2:
            raise ValueError(f"`num_downs` must be an integer >= 2. Received: {num_downs!r}")
        if not isinstance(image_size, int) or image_size < 2 ** num_downs or (
                image_size % 2 ** num_downs):
            raise ValueError(f"`image_size` must be a positive multiple of 2^num_downs = "
                             f"{2 ** num_downs}. Received: image_size={image_size!r}")
        bias = conv_bias(norm)
        widths = [base_filters * min(2 ** i, 8) for i in range(num_downs)]
        outer = [output_channels] + widths[:-1]
        innermost = num_downs - 1
        dropout_layer = TestTimeDropout if dropout_at_inference else GlobalBatchDropout
        paper_bn = bool(batch_statistics_at_inference)

        image = keras.Input((image_size, image_size, input_channels), name="image")
        skips = []
        x = image
        for i, width in enumerate(widths):
            skips.append(x)
            if i:
                x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
            x = keras.layers.Conv2D(width, 4, strides=2, padding="same",
                                    use_bias=bias, kernel_initializer=kernel_initializer(),
                                    name=f"down{i}_conv")(x)
            if 0 < i < innermost:
                x = apply_norm(x, norm, f"down{i}_norm", synchronized_batch_norm, paper_bn)
        for i in reversed(range(num_downs)):
            if i < innermost:
                x = keras.layers.Concatenate(name=f"skip{i + 1}")([skips[i + 1], x])
            x = keras.layers.ReLU(name=f"up{i}_relu")(x)
            x = keras.layers.Conv2DTranspose(outer[i], 4, strides=2, padding="same",
                                             use_bias=bias or i == 0,
                                             kernel_initializer=kernel_initializer(),
                                             name=f"up{i}_conv")(x)
            if i == 0:
                break
            x = apply_norm(x, norm, f"up{i}_norm", synchronized_batch_norm, paper_bn)
            if use_dropout and 4 <= i < innermost:
                x = dropout_layer(0.5, name=f"up{i}_dropout")(x)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        super().__init__(inputs=image, outputs=images, name=name, **kwargs)
        self.image_size = image_size
        self.input_channels = input_channels
        self.output_channels = output_channels
        self.num_downs = num_downs
        self.base_filters = base_filters
        self.norm = norm
        self.use_dropout = use_dropout
        self.dropout_at_inference = dropout_at_inference
        self.batch_statistics_at_inference = batch_statistics_at_inference
        self.synchronized_batch_norm = synchronized_batch_norm

    @classmethod
    def preset(cls, name, **kwargs):
        """`UNetGenerator.preset("unet_256")`: the official U-Net of that name."""
        if name not in PRESETS:
            raise ValueError(f"Unknown U-Net {name!r}; expected one of {sorted(PRESETS)}.")
        image_size, num_downs = PRESETS[name]
        return cls(image_size=image_size, num_downs=num_downs, **kwargs)
