"""The DCGAN generator (Radford et al., 2016), as in pytorch/examples' dcgan."""

import keras

from kerasgan.layers import norms
from kerasgan.models.dcgan._validation import check_image_args, widths
from kerasgan.models.network import Network

UPSAMPLING = ("transpose", "nearest", "bilinear")


@keras.saving.register_keras_serializable(package="kerasgan")
class DCGANGenerator(Network):
    """DCGAN generator: a 4x4 projection of `z`, then 2x upsampling blocks to the image.

    The official 64x64 configuration (`latent_dim=100, base_filters=64,
    channels=3`) is pytorch/examples' dcgan layer for layer:
    ConvT(100->512, 4, 1, 0) -> BN -> ReLU, then ConvT(4, 2, 1) -> BN -> ReLU with
    widths 256, 128, 64, then ConvT(64->3, 4, 2, 1) -> tanh; no conv bias (batch
    norm follows, and the official output layer has none either); kernels
    N(0, 0.02), batch-norm scale N(1, 0.02), offset 0; 3,576,704 parameters.
    Other sizes add or remove 2x blocks, doubling the width per block towards
    the 4x4 stage (`base_filters * image_size / 8` there).

    With `upsampling="nearest"` or `"bilinear"` every strided transposed
    convolution becomes `UpSampling2D(2)` + a 3x3 convolution (the
    checkerboard-free alternative); the 4x4 projection is unchanged.

    Args:
        latent_dim: size of the input `z`.
        image_size: output resolution, a power of two in [32, 256].
        channels: 1 or 3.
        base_filters: width of the last block (`ngf`).
        max_filters: optional cap on every width.
        upsampling: `"transpose"`, `"nearest"` or `"bilinear"`.
        batch_norm: batch norm after every layer but the output. Without it,
            convolutions carry a bias.
        synchronized_batch_norm: synchronize batch statistics across replicas
            (use under a multi-replica `tf.distribute` strategy).
        kernel_initializer_stddev: standard deviation of the N(0, s) kernel init.
        output_activation: activation of the output layer (`"tanh"`), computed
            in float32 under any dtype policy.

    Examples:

    >>> import numpy as np
    >>> generator = DCGANGenerator(latent_dim=8, image_size=32, base_filters=4)
    >>> generator(np.zeros((2, 8), "float32")).shape
    TensorShape([2, 32, 32, 3])
    """

    def __init__(
        self,
        latent_dim=100,
        image_size=64,
        channels=3,
        base_filters=64,
        max_filters=None,
        upsampling="transpose",
        batch_norm=True,
        synchronized_batch_norm=False,
        kernel_initializer_stddev=0.02,
        output_activation="tanh",
        name="dcgan_generator",
        **kwargs,
    ):
        check_image_args(image_size, channels)
        if upsampling not in UPSAMPLING:
            raise ValueError(
                f"`upsampling` must be one of {UPSAMPLING}. Received: upsampling={upsampling!r}"
            )
        if latent_dim < 1:
            raise ValueError(f"`latent_dim` must be >= 1. Received: latent_dim={latent_dim}")
        stage_widths = widths(image_size, base_filters, max_filters)
        init = lambda: norms.kernel_initializer(kernel_initializer_stddev)
        use_bias = not batch_norm

        def normalize(x, name):
            if not batch_norm:
                return x
            return norms.batch_norm(name, synchronized_batch_norm,
                                    gamma_stddev=kernel_initializer_stddev)(x)

        def upsample(x, filters, use_bias, name):
            if upsampling == "transpose":
                return keras.layers.Conv2DTranspose(
                    filters, 4, strides=2, padding="same", use_bias=use_bias,
                    kernel_initializer=init(), name=name,
                )(x)
            x = keras.layers.UpSampling2D(2, interpolation=upsampling, name=f"{name}_up")(x)
            return keras.layers.Conv2D(
                filters, 3, padding="same", use_bias=use_bias, kernel_initializer=init(),
                name=name,
            )(x)

        z = keras.Input((latent_dim,), name="z")
        x = keras.layers.Reshape((1, 1, latent_dim), name="z_to_map")(z)
        x = keras.layers.Conv2DTranspose(
            stage_widths[0], 4, strides=1, padding="valid", use_bias=use_bias,
            kernel_initializer=init(), name="project",
        )(x)
        x = normalize(x, "project_bn")
        x = keras.layers.ReLU(name="project_relu")(x)
        for i, filters in enumerate(stage_widths[1:], start=1):
            x = upsample(x, filters, use_bias, f"block{i}_conv")
            x = normalize(x, f"block{i}_bn")
            x = keras.layers.ReLU(name=f"block{i}_relu")(x)
        x = upsample(x, channels, False, "to_image")
        images = keras.layers.Activation(output_activation, dtype="float32", name="images")(x)
        super().__init__(inputs=z, outputs=images, name=name, **kwargs)

        self.latent_dim = latent_dim
        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.max_filters = max_filters
        self.upsampling = upsampling
        self.batch_norm = batch_norm
        self.synchronized_batch_norm = synchronized_batch_norm
        self.kernel_initializer_stddev = kernel_initializer_stddev
        self.output_activation = output_activation
