"""The BigGAN discriminator (Brock et al., 2019), as in the authors' BigGAN-PyTorch."""

import keras

from kerasgan.layers import GlobalSumPooling2D, ProjectionHead, SelfAttention, sn_conv
from kerasgan.models.biggan._blocks import D_WIDTHS, check_classes, check_size
from kerasgan.models.network import Network


@keras.saving.register_keras_serializable(package="kerasgan")
class BigGANDiscriminator(Network):
    """BigGAN discriminator: residual down-blocks and a projection head.

    The official 128x128 configuration of BigGAN-PyTorch (`D_ch=96`,
    attention at 64, 1,000 classes) layer for layer: six blocks of widths
    1, 2, 4, 8, 16, 16 x ch, the first five halving the resolution by 2x2
    average pooling. Each block is [ReLU (not in the first block) -> SN
    conv3x3 -> ReLU -> SN conv3x3 -> pool] plus a shortcut SN conv1x1 where
    the width or resolution changes (pool first in the first block, after
    the convolution in the others). Self-attention follows the block that
    reaches 64x64. Then ReLU -> global sum pooling -> the projection head:
    an SN linear map to one logit plus the inner product of the features with
    a spectrally normalized class embedding. Convolutions and the linear map
    carry biases; weights are orthogonally initialized.

    Args:
        num_classes: the number of classes.
        image_size: 32, 64, 128 or 256.
        base_filters: `D_ch` (96).
        channels: input channels.
        attention_resolution: the feature size after which self-attention is
            applied (64; `None` for none).
        kernel_initializer: the weights' initializer (`"orthogonal"`, the
            official `D_init='ortho'`).

    Examples:

    >>> import numpy as np
    >>> d = BigGANDiscriminator(num_classes=6, image_size=32, base_filters=4,
    ...                         attention_resolution=16)
    >>> d([np.zeros((2, 32, 32, 3), "float32"), np.array([0, 5])]).shape
    TensorShape([2, 1])
    """

    def __init__(self, num_classes, image_size=128, base_filters=96, channels=3,
                 attention_resolution=64, kernel_initializer="orthogonal",
                 name="biggan_discriminator", **kwargs):
        check_size(image_size)
        check_classes(num_classes)
        images = keras.Input((image_size, image_size, channels), name="images")
        labels = keras.Input((), dtype="int32", name="labels")
        x = images
        size = image_size
        for i, (multiplier, down) in enumerate(D_WIDTHS[image_size], start=1):
            filters = base_filters * multiplier
            first = i == 1
            h = x if first else keras.layers.ReLU(name=f"block{i}_relu1")(x)
            h = sn_conv(filters, 3, f"block{i}_conv1", kernel_initializer=kernel_initializer)(h)
            h = keras.layers.ReLU(name=f"block{i}_relu2")(h)
            h = sn_conv(filters, 3, f"block{i}_conv2", kernel_initializer=kernel_initializer)(h)
            shortcut = x
            if down:
                h = keras.layers.AveragePooling2D(2, name=f"block{i}_pool")(h)
            if first and down:
                shortcut = keras.layers.AveragePooling2D(2, name=f"block{i}_shortcut_pool")(
                    shortcut)
            if down or x.shape[-1] != filters:
                shortcut = sn_conv(filters, 1, f"block{i}_shortcut_conv",
                                   kernel_initializer=kernel_initializer)(shortcut)
            if down and not first:
                shortcut = keras.layers.AveragePooling2D(2, name=f"block{i}_shortcut_pool")(
                    shortcut)
            x = keras.layers.Add(name=f"block{i}_add")([h, shortcut])
            if down:
                size //= 2
                if size == attention_resolution:
                    x = SelfAttention(kernel_initializer=kernel_initializer, name="attention")(x)
        x = keras.layers.ReLU(name="final_relu")(x)
        features = GlobalSumPooling2D(name="sum_pool")(x)
        logits = ProjectionHead(num_classes, kernel_initializer=kernel_initializer,
                                name="projection")([features, labels])
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
        super().__init__(inputs=[images, labels], outputs=logits, name=name, **kwargs)
        self.num_classes = num_classes
        self.image_size = image_size
        self.base_filters = base_filters
        self.channels = channels
        self.attention_resolution = attention_resolution
        self.kernel_initializer = kernel_initializer
