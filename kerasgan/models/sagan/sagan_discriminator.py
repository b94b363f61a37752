"""The SAGAN discriminator (Zhang et al., 2019), as in brain-research/self-attention-gan."""

import keras

from kerasgan.layers import GlobalSumPooling2D, ProjectionHead, SelfAttention, sn_conv
from kerasgan.models.network import Network
from kerasgan.models.sagan._blocks import check_size


@keras.saving.register_keras_serializable(package="kerasgan")
class SAGANDiscriminator(Network):
    """SAGAN discriminator: residual down-blocks, self-attention and a projection head.

    The official 128x128 configuration (`discriminator_test` with
    `df_dim=64`, 1,000 classes) layer for layer: an optimized first block
    [SN conv3x3 -> ReLU -> SN conv3x3 -> 2x2 average pool, shortcut: pool ->
    SN conv1x1] to gf, down-blocks [ReLU -> SN conv3x3 -> ReLU -> SN conv3x3
    -> pool, shortcut: SN conv1x1 -> pool] to 2, 4, 8, 16 x gf with
    self-attention after the block that reaches 32x32, a last block at 16 gf
    without downsampling (identity shortcut), ReLU, a sum over positions, and
    the projection head (SN linear + SN class embedding). Convolutions carry
    biases.

    Args:
        num_classes: the number of classes.
        image_size: 32, 64, 128 or 256.
        channels: input channels.
        base_filters: `df_dim` (64).
        attention_resolution: the feature size after which self-attention is
            applied (32; `None` for none).

    Examples:

    >>> import numpy as np
    >>> d = SAGANDiscriminator(num_classes=6, image_size=32, base_filters=2)
    >>> d([np.zeros((2, 32, 32, 3), "float32"), np.array([0, 5])]).shape
    TensorShape([2, 1])
    """

    def __init__(self, num_classes, image_size=128, channels=3, base_filters=64,
                 attention_resolution=32, name="sagan_discriminator", **kwargs):
        check_size(image_size)
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an integer >= 2. "
                             f"Received: num_classes={num_classes!r}")
        num_down = image_size.bit_length() - 3  # image_size -> 4x4
        widths = [base_filters * min(16, 2 ** i) for i in range(num_down)]
        images = keras.Input((image_size, image_size, channels), name="images")
        labels = keras.Input((), dtype="int32", name="labels")

        def pool(name):
            return keras.layers.AveragePooling2D(2, name=name)

        h = sn_conv(widths[0], 3, "block1_conv1")(images)
        h = keras.layers.ReLU(name="block1_relu1")(h)
        h = sn_conv(widths[0], 3, "block1_conv2")(h)
        h = pool("block1_pool")(h)
        shortcut = pool("block1_shortcut_pool")(images)
        shortcut = sn_conv(widths[0], 1, "block1_shortcut_conv")(shortcut)
        x = keras.layers.Add(name="block1_add")([h, shortcut])
        size = image_size // 2
        if size == attention_resolution:
            x = SelfAttention(name="attention")(x)
        blocks = [(w, True) for w in widths[1:]] + [(widths[-1], False)]
        for i, (filters, down) in enumerate(blocks, start=2):
            h = keras.layers.ReLU(name=f"block{i}_relu1")(x)
            h = sn_conv(filters, 3, f"block{i}_conv1")(h)
            h = keras.layers.ReLU(name=f"block{i}_relu2")(h)
            h = sn_conv(filters, 3, f"block{i}_conv2")(h)
            shortcut = x
            if down or x.shape[-1] != filters:
                shortcut = sn_conv(filters, 1, f"block{i}_shortcut_conv")(shortcut)
            if down:
                h = pool(f"block{i}_pool")(h)
                shortcut = pool(f"block{i}_shortcut_pool")(shortcut)
                size //= 2
            x = keras.layers.Add(name=f"block{i}_add")([shortcut, h])
            if down and size == attention_resolution:
                x = SelfAttention(name="attention")(x)
        x = keras.layers.ReLU(name="final_relu")(x)
        features = GlobalSumPooling2D(name="sum_pool")(x)
        logits = ProjectionHead(num_classes, name="projection")([features, labels])
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
        super().__init__(inputs=[images, labels], outputs=logits, name=name, **kwargs)
        self.num_classes = num_classes
        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.attention_resolution = attention_resolution
