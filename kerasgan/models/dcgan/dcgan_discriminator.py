"""The DCGAN discriminator (Radford et al., 2016), as in pytorch/examples' dcgan."""

import keras

from kerasgan.layers import norms
from kerasgan.models.dcgan._validation import check_image_args, widths
from kerasgan.models.network import Network

NORMALIZATIONS = ("batch", "layer", "none")


@keras.saving.register_keras_serializable(package="kerasgan")
class DCGANDiscriminator(Network):
    """DCGAN discriminator: strided 4x4 convolutions down to 4x4, then a 4x4 logit.

    The official 64x64 configuration (`base_filters=64, channels=3`) is
    pytorch/examples' dcgan layer for layer: Conv(3->64, 4, 2, 1) -> LeakyReLU(0.2)
    (no normalization on the first layer), then Conv(4, 2, 1) -> BN ->
    LeakyReLU(0.2) with widths 128, 256, 512, then Conv(512->1, 4, 1, 0); no conv
    bias; kernels N(0, 0.02), batch-norm scale N(1, 0.02); 2,765,568
    parameters. The output is the raw logit (pytorch's sigmoid belongs to the
    loss here), shape `(batch, 1)`, in float32 under any dtype policy — which is
    also the linear critic output WGAN needs.

    `normalization="layer"` (LayerNormalization over each sample's feature map,
    the replacement WGAN-GP suggests) or `"none"` (WGAN-GP's critic) drop batch
    norm; the convolutions that batch norm followed then carry a bias. The
    first and the last layer are never normalized.

    Args:
        image_size: input resolution, a power of two in [32, 256].
        channels: input channels: 1 or 3 for images, more for stacked inputs
            (an image with a label map, an image pair).
        base_filters: width of the first layer (`ndf`).
        max_filters: optional cap on every width.
        normalization: `"batch"`, `"layer"` or `"none"`.
        synchronized_batch_norm: synchronize batch statistics across replicas.
        kernel_initializer_stddev: standard deviation of the N(0, s) kernel init.
        leaky_relu_slope: negative slope of the LeakyReLUs.

    Examples:

    >>> import numpy as np
    >>> critic = DCGANDiscriminator(image_size=32, base_filters=4, normalization="none")
    >>> critic(np.zeros((2, 32, 32, 3), "float32")).shape
    TensorShape([2, 1])
    """

    # Subclasses for Torch reference code that keeps every convolution's bias but zeroes it
    # before each update (the Context Encoder) set this: each convolution then has a bias
    # held at 0, whatever `normalization` is.
    _held_zero_biases = False

    def __init__(
        self,
        image_size=64,
        channels=3,
        base_filters=64,
        max_filters=None,
        normalization="batch",
        synchronized_batch_norm=False,
        kernel_initializer_stddev=0.02,
        leaky_relu_slope=0.2,
        name="dcgan_discriminator",
        **kwargs,
    ):
        check_image_args(image_size, channels, any_channels=True)
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"`normalization` must be one of {NORMALIZATIONS}. "
                f"Received: normalization={normalization!r}"
            )
        stage_widths = list(reversed(widths(image_size, base_filters, max_filters)))
        init = lambda: norms.kernel_initializer(kernel_initializer_stddev)
        held_zero = type(self)._held_zero_biases
        bias = lambda use_bias: norms.held_zero_bias() if held_zero else {"use_bias": use_bias}

        images = keras.Input((image_size, image_size, channels), name="images")
        x = keras.layers.Conv2D(
            stage_widths[0], 4, strides=2, padding="same", **bias(False),
            kernel_initializer=init(), name="block0_conv",
        )(images)
        x = keras.layers.LeakyReLU(leaky_relu_slope, name="block0_lrelu")(x)
        for i, filters in enumerate(stage_widths[1:], start=1):
            x = keras.layers.Conv2D(
                filters, 4, strides=2, padding="same", **bias(normalization != "batch"),
                kernel_initializer=init(), name=f"block{i}_conv",
            )(x)
            if normalization == "batch":
                x = norms.batch_norm(f"block{i}_bn", synchronized_batch_norm,
                                     gamma_stddev=kernel_initializer_stddev)(x)
            elif normalization == "layer":
                x = keras.layers.LayerNormalization(
                    axis=(-3, -2, -1), epsilon=1e-5, name=f"block{i}_ln")(x)
            x = keras.layers.LeakyReLU(leaky_relu_slope, name=f"block{i}_lrelu")(x)
        x = keras.layers.Conv2D(
            1, 4, strides=1, padding="valid", **bias(False), kernel_initializer=init(),
            name="logit_conv",
        )(x)
        x = keras.layers.Flatten(name="flatten")(x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        super().__init__(inputs=images, outputs=logits, name=name, **kwargs)

        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.max_filters = max_filters
        self.normalization = normalization
        self.synchronized_batch_norm = synchronized_batch_norm
        self.kernel_initializer_stddev = kernel_initializer_stddev
        self.leaky_relu_slope = leaky_relu_slope
