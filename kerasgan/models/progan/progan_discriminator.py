"""The Progressive GAN discriminator (Karras et al., 2018), as the official `D_paper`."""

import keras

from kerasgan.layers import (
    EqualizedConv2D,
    EqualizedDense,
    LevelOfDetail,
    LodBlend,
    MinibatchStdDev,
)
from kerasgan.models.progressive import (
    ProgressiveNetwork,
    check_architecture,
    check_non_negative_int,
    check_positive_int,
    feature_maps,
)


@keras.saving.register_keras_serializable(package="kerasgan")
class ProGANDiscriminator(ProgressiveNetwork):
    """ProGAN discriminator: shrinks `resolution` to 4x4, fading each stage in by `lod`.

    Layer by layer as tkarras/progressive_growing_of_gans `networks.D_paper`
    (equalized learning rate, leaky ReLU 0.2 after every layer but the last,
    no labels): a FromRGB (1x1 conv to `nf(log2(size) - 1)` maps) per
    resolution; per stage from `resolution` down to 8x8, conv3x3 to
    `nf(log2(size) - 1)` -> conv3x3 to `nf(log2(size) - 2)` -> 2x2 average
    pooling; at 4x4, minibatch standard deviation (one extra channel over
    groups of `mbstd_group_size`) -> conv3x3 to `nf(1)` -> dense to `nf(0)` ->
    dense to 1 (gain 1, linear). Every layer has a bias.

    The input is always `resolution` x `resolution` (the official "linear"
    structure): after each stage's pooling the output is blended with the
    FromRGB of the average-pooled input by `lerp_clip(stage, from_rgb, lod -
    offset)`, mirroring `ProGANGenerator`. `lod` is a non-trainable variable
    (`set_lod`). The official default fused conv-downscale (`fused_scale`)
    computes exactly the conv followed by the pooling, with the same kernel. The 4x4 features
    are flattened in the official `[channels, 4, 4]` order, so official
    weights load unpermuted.

    Args:
        resolution: input size, a power of 2 (at least 4).
        channels: input channels.
        fmap_base: overall multiplier of the feature maps (8192).
        fmap_decay: log2 reduction of the feature maps per doubling (1.0).
        fmap_max: maximum feature maps of any layer (512).
        mbstd_group_size: group size of the minibatch standard deviation
            (4); 0 or 1 disables it. Batches must be multiples of
            `min(mbstd_group_size, batch)`.

    Examples:

    >>> import numpy as np
    >>> d = ProGANDiscriminator(resolution=16, fmap_base=64, fmap_max=16)
    >>> d(np.zeros((4, 16, 16, 3), "float32")).shape
    TensorShape([4, 1])
    """

    def __init__(self, resolution=1024, channels=3, fmap_base=8192, fmap_decay=1.0,
                 fmap_max=512, mbstd_group_size=4, name="progan_discriminator", **kwargs):
        resolution_log2 = check_architecture(resolution, fmap_base, fmap_decay, fmap_max)
        check_positive_int("channels", channels)
        check_non_negative_int("mbstd_group_size", mbstd_group_size)

        def nf(stage):
            return feature_maps(stage, fmap_base, fmap_decay, fmap_max)

        def lrelu(x, prefix):
            return keras.layers.LeakyReLU(0.2, name=f"{prefix}_lrelu")(x)

        def from_rgb(image, res):
            prefix = f"{2**res}x{2**res}_fromrgb"
            return lrelu(EqualizedConv2D(nf(res - 1), 1, name=prefix)(image), prefix)

        images = keras.Input((resolution, resolution, channels), name="images")
        lod = LevelOfDetail(resolution_log2 - 2, name="lod")(images)
        x = from_rgb(images, resolution_log2)
        downscaled = images
        for res in range(resolution_log2, 2, -1):
            size = 2**res
            prefix = f"{size}x{size}_conv0"
            x = lrelu(EqualizedConv2D(nf(res - 1), 3, name=prefix)(x), prefix)
            prefix = f"{size}x{size}_conv1"
            x = lrelu(EqualizedConv2D(nf(res - 2), 3, name=prefix)(x), prefix)
            x = keras.layers.AveragePooling2D(2, name=f"{size}x{size}_downscale")(x)
            downscaled = keras.layers.AveragePooling2D(
                2, name=f"{size}x{size}_rgb_downscale")(downscaled)
            x = LodBlend(resolution_log2 - res, name=f"{size}x{size}_grow")(
                [x, from_rgb(downscaled, res - 1), lod])
        if mbstd_group_size > 1:
            x = MinibatchStdDev(mbstd_group_size, name="4x4_mbstd")(x)
        x = lrelu(EqualizedConv2D(nf(1), 3, name="4x4_conv")(x), "4x4_conv")
        x = keras.layers.Permute((3, 1, 2), name="4x4_to_nchw")(x)
        x = keras.layers.Flatten(name="4x4_flatten")(x)
        x = lrelu(EqualizedDense(nf(0), name="4x4_dense0")(x), "4x4_dense0")
        x = EqualizedDense(1, gain=1.0, name="4x4_dense1")(x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        super().__init__(inputs=images, outputs=logits, name=name, **kwargs)
        self.resolution = resolution
        self.channels = channels
        self.fmap_base = fmap_base
        self.fmap_decay = fmap_decay
        self.fmap_max = fmap_max
        self.mbstd_group_size = mbstd_group_size
