"""The BigGAN generator (Brock et al., 2019), as in the authors' BigGAN-PyTorch."""

import keras

from kerasgan.layers import (
    ConditionalBatchNormalization,
    LatentChunks,
    OffDiagonalOrthogonal,
    SelfAttention,
    sn_conv,
    sn_dense,
)
from kerasgan.models.biggan._blocks import G_WIDTHS, check_classes, check_size
from kerasgan.models.network import Network


@keras.saving.register_keras_serializable(package="kerasgan")
class BigGANGenerator(Network):
    """BigGAN generator: residual up-blocks, shared class embedding, hierarchical z (skip-z).

    The official 128x128 configuration of BigGAN-PyTorch (`G_ch=96`,
    `dim_z=120`, `shared_dim=128`, `hier=True`, attention at 64, 1,000
    classes) is reproduced layer for layer: z is split into one chunk per
    up-block plus one (6 chunks of 20); the first chunk goes through a
    spectrally normalized linear map to 4x4x(16 ch); each up-block is
    [CBN -> ReLU -> 2x nearest upsampling -> SN conv3x3 -> CBN -> ReLU -> SN
    conv3x3] plus a shortcut [upsampling -> SN conv1x1], where both
    conditional batch norms take their gain (1 + linear) and bias (linear)
    from the block's condition: the shared class embedding (128) joined with
    the block's z chunk, through spectrally normalized linear maps without
    bias. Self-attention follows the block that reaches 64x64. Then batch
    norm (with its own gain and bias) -> ReLU -> SN conv3x3 to RGB -> tanh.
    Weights are orthogonally initialized (`G_init='ortho'`); the embedding is
    an ordinary (not spectrally normalized) table. Widths follow the official
    tables for 32, 64, 128 and 256 pixels.

    BigGAN's orthogonal regularization (`orthogonal_reg`, beta = 1e-4 in the
    paper) is attached to the kernels of the convolutions and of the first
    linear map as a Keras regularizer, so it enters the generator's loss. The
    official code also regularizes the conditional batch norms' linear maps;
    here they are left out (the layer has no regularizer hook).

    Args:
        num_classes: the number of classes.
        image_size: 32, 64, 128 or 256.
        latent_dim: size of z (120); divisible by the number of blocks + 1
            when `hierarchical`.
        base_filters: `G_ch` (96).
        shared_dim: size of the shared class embedding (128).
        channels: output channels.
        attention_resolution: the feature size after which self-attention is
            applied (64; `None` for none).
        hierarchical: split z across the blocks (skip-z); otherwise the whole
            z goes to the linear map and every block.
        orthogonal_reg: the orthogonal regularization's beta (0: none).
        synchronized_batch_norm: synchronize batch statistics across replicas.
        kernel_initializer: the weights' initializer (`"orthogonal"`, the
            official `G_init='ortho'`).

    Examples:

    >>> import numpy as np
    >>> g = BigGANGenerator(num_classes=6, image_size=32, latent_dim=16, base_filters=4,
    ...                     shared_dim=8, attention_resolution=16)
    >>> g([np.zeros((2, 16), "float32"), np.array([0, 5])]).shape
    TensorShape([2, 32, 32, 3])
    """

    def __init__(self, num_classes, image_size=128, latent_dim=120, base_filters=96,
                 shared_dim=128, channels=3, attention_resolution=64, hierarchical=True,
                 orthogonal_reg=0.0, synchronized_batch_norm=False,
                 kernel_initializer="orthogonal", name="biggan_generator", **kwargs):
        check_size(image_size)
        check_classes(num_classes)
        multipliers = G_WIDTHS[image_size]
        num_blocks = len(multipliers) - 1
        if hierarchical and latent_dim % (num_blocks + 1):
            raise ValueError(
                f"With hierarchical=True, `latent_dim` must be divisible by the number of "
                f"blocks + 1 ({num_blocks + 1} at {image_size}px). Received: "
                f"latent_dim={latent_dim}")
        regularizer = OffDiagonalOrthogonal(orthogonal_reg) if orthogonal_reg else None
        z = keras.Input((latent_dim,), name="z")
        labels = keras.Input((), dtype="int32", name="labels")
        shared = keras.layers.Embedding(num_classes, shared_dim, name="shared",
                                        embeddings_initializer=kernel_initializer)(labels)
        if hierarchical:
            chunks = LatentChunks(num_blocks + 1, name="z_chunks")(z)
            first, block_z = chunks[0], chunks[1:]
        else:
            first, block_z = z, [z] * num_blocks
        bottom = base_filters * multipliers[0]
        x = sn_dense(bottom * 4 * 4, "linear", kernel_initializer=kernel_initializer,
                     kernel_regularizer=regularizer)(first)
        x = keras.layers.Reshape((4, 4, bottom), name="to_map")(x)

        def conv(filters, kernel_size, name):
            return sn_conv(filters, kernel_size, name, kernel_initializer=kernel_initializer,
                           kernel_regularizer=regularizer)

        def cbn(name):
            return ConditionalBatchNormalization(
                None, momentum=0.9, epsilon=1e-5, synchronized=synchronized_batch_norm,
                spectral_norm=True, kernel_initializer=kernel_initializer, name=name)

        size = 4
        for i, multiplier in enumerate(multipliers[1:], start=1):
            filters = base_filters * multiplier
            condition = keras.layers.Concatenate(name=f"block{i}_condition")(
                [shared, block_z[i - 1]])
            h = cbn(f"block{i}_cbn1")([x, condition])
            h = keras.layers.ReLU(name=f"block{i}_relu1")(h)
            h = keras.layers.UpSampling2D(2, name=f"block{i}_up")(h)
            h = conv(filters, 3, f"block{i}_conv1")(h)
            h = cbn(f"block{i}_cbn2")([h, condition])
            h = keras.layers.ReLU(name=f"block{i}_relu2")(h)
            h = conv(filters, 3, f"block{i}_conv2")(h)
            shortcut = keras.layers.UpSampling2D(2, name=f"block{i}_shortcut_up")(x)
            shortcut = conv(filters, 1, f"block{i}_shortcut_conv")(shortcut)
            x = keras.layers.Add(name=f"block{i}_add")([h, shortcut])
            size *= 2
            if size == attention_resolution:
                x = SelfAttention(kernel_initializer=kernel_initializer, name="attention")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5,
                                            synchronized=synchronized_batch_norm,
                                            name="final_bn")(x)
        x = keras.layers.ReLU(name="final_relu")(x)
        x = conv(channels, 3, "to_image")(x)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        super().__init__(inputs=[z, labels], outputs=images, name=name, **kwargs)
        self.num_classes = num_classes
        self.image_size = image_size
        self.latent_dim = latent_dim
        self.base_filters = base_filters
        self.shared_dim = shared_dim
        self.channels = channels
        self.attention_resolution = attention_resolution
        self.hierarchical = hierarchical
        self.orthogonal_reg = orthogonal_reg
        self.synchronized_batch_norm = synchronized_batch_norm
        self.kernel_initializer = kernel_initializer
