"""The SAGAN generator (Zhang et al., 2019), as in brain-research/self-attention-gan."""

import keras

from kerasgan.layers import ConditionalBatchNormalization, SelfAttention, sn_conv, sn_dense
from kerasgan.models.network import Network
from kerasgan.models.sagan._blocks import check_size


@keras.saving.register_keras_serializable(package="kerasgan")
class SAGANGenerator(Network):
    """SAGAN generator: residual up-blocks with class-conditional batch norm and self-attention.

    The official 128x128 configuration (`generator_test` with `gf_dim=64`,
    `z_dim=128`, 1,000 classes) is reproduced layer for layer: a spectrally
    normalized linear map of z to 4x4x(16 gf), five up-blocks [CBN -> ReLU ->
    2x nearest upsampling -> SN conv3x3 -> CBN -> ReLU -> SN conv3x3, plus a
    shortcut of upsampling -> SN conv1x1] to widths 16, 8, 4, 2, 1 x gf,
    self-attention after the block that reaches 32x32, then batch norm ->
    ReLU -> SN conv3x3 to RGB -> tanh. Convolutions and the linear map carry
    biases (as the official `snconv2d` / `snlinear` do); conditional batch
    norm has one scale and shift per class.

    Other sizes use log2(size / 4) blocks with widths doubling towards the
    4x4 stage (capped at 16 gf).

    Args:
        num_classes: the number of classes.
        latent_dim: size of z (128).
        image_size: 32, 64, 128 or 256.
        channels: output channels.
        base_filters: `gf_dim` (64).
        attention_resolution: the feature size after which self-attention is
            applied (32; `None` for none).
        synchronized_batch_norm: synchronize batch statistics across replicas.
        batch_norm_momentum: the moving statistics' momentum (the official
            0.9999 suits ImageNet-length runs; a run of a few thousand steps
            needs a lower one, e.g. 0.99, or its inference-mode statistics
            are still far from the data's).

    Examples:

    >>> import numpy as np
    >>> g = SAGANGenerator(num_classes=6, latent_dim=8, image_size=32, base_filters=8)
    >>> g([np.zeros((2, 8), "float32"), np.array([0, 5])]).shape
    TensorShape([2, 32, 32, 3])
    """

    def __init__(self, num_classes, latent_dim=128, image_size=128, channels=3, base_filters=64,
                 attention_resolution=32, synchronized_batch_norm=False,
                 batch_norm_momentum=0.9999, name="sagan_generator", **kwargs):
        check_size(image_size)
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an integer >= 2. "
                             f"Received: num_classes={num_classes!r}")
        num_blocks = image_size.bit_length() - 3  # 4x4 -> image_size
        widths = [base_filters * min(16, 2 ** (num_blocks - 1 - i)) for i in range(num_blocks)]
        z = keras.Input((latent_dim,), name="z")
        labels = keras.Input((), dtype="int32", name="labels")
        x = sn_dense(base_filters * 16 * 4 * 4, "project")(z)
        x = keras.layers.Reshape((4, 4, base_filters * 16), name="to_map")(x)

        def cbn(name):
            return ConditionalBatchNormalization(num_classes, momentum=batch_norm_momentum,
                                                 epsilon=1e-5,
                                                 synchronized=synchronized_batch_norm, name=name)

        size = 4
        for i, filters in enumerate(widths, start=1):
            shortcut = keras.layers.UpSampling2D(2, name=f"block{i}_shortcut_up")(x)
            shortcut = sn_conv(filters, 1, f"block{i}_shortcut_conv")(shortcut)
            h = cbn(f"block{i}_cbn0")([x, labels])
            h = keras.layers.ReLU(name=f"block{i}_relu0")(h)
            h = keras.layers.UpSampling2D(2, name=f"block{i}_up")(h)
            h = sn_conv(filters, 3, f"block{i}_conv1")(h)
            h = cbn(f"block{i}_cbn1")([h, labels])
            h = keras.layers.ReLU(name=f"block{i}_relu1")(h)
            h = sn_conv(filters, 3, f"block{i}_conv2")(h)
            x = keras.layers.Add(name=f"block{i}_add")([shortcut, h])
            size *= 2
            if size == attention_resolution:
                x = SelfAttention(name="attention")(x)
        x = keras.layers.BatchNormalization(momentum=batch_norm_momentum, epsilon=1e-5,
                                            synchronized=synchronized_batch_norm,
                                            name="final_bn")(x)
        x = keras.layers.ReLU(name="final_relu")(x)
        x = sn_conv(channels, 3, "to_image")(x)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        super().__init__(inputs=[z, labels], outputs=images, name=name, **kwargs)
        self.num_classes = num_classes
        self.latent_dim = latent_dim
        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.attention_resolution = attention_resolution
        self.synchronized_batch_norm = synchronized_batch_norm
        self.batch_norm_momentum = batch_norm_momentum
