"""The StyleGAN discriminator (Karras et al., 2019), as the official `D_basic`."""

import keras

from kerasgan.layers import (
    Blur2D,
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
from kerasgan.models.stylegan._layers import check_blur_filter


@keras.saving.register_keras_serializable(package="kerasgan")
class StyleGANDiscriminator(ProgressiveNetwork):
    """StyleGAN discriminator: shrinks `resolution` to 4x4, fading each stage in by `lod`.

    Layer by layer as NVlabs/stylegan `networks_stylegan.D_basic` (no labels;
    equalized learning rate, leaky ReLU 0.2 after every layer but the last,
    every layer with a bias): a FromRGB (1x1 conv to `nf(log2(size) - 1)`
    maps) per resolution; per stage from `resolution` down to 8x8, conv3x3 to
    `nf(log2(size) - 1)` -> blur -> conv3x3 to `nf(log2(size) - 2)` -> 2x2
    average pooling; at 4x4, minibatch standard deviation (`mbstd_num_features`
    channels over groups of `mbstd_group_size`) -> conv3x3 to `nf(1)` ->
    dense to `nf(0)` -> dense to 1 (gain 1, linear).

    The input is always `resolution` x `resolution` (the official "linear"
    structure, as `ProGANDiscriminator`): after each stage the features are
    blended with the FromRGB of the average-pooled input by `lerp_clip(stage,
    from_rgb, lod - offset)`; `lod` is a non-trainable variable (`set_lod`).
    The official `fused_scale='auto'` fuses the conv and the pooling of the
    stages of 128 px and more into one stride-2 conv whose 4x4 kernel is built
    from the same `[3, 3, in, out]` weight; it computes exactly the conv
    followed by the pooling (tested in `tests/layers/test_style_layers.py`),
    so official weights load unchanged. The 4x4 features are flattened in
    the official `[channels, 4, 4]` order.

    Args:
        resolution: input size, a power of 2 (at least 4).
        channels: input channels.
        fmap_base: overall multiplier of the feature maps (8192).
        fmap_decay: log2 reduction of the feature maps per doubling (1.0).
        fmap_max: maximum feature maps of any layer (512).
        mbstd_group_size: group size of the minibatch standard deviation
            (4); 0 or 1 disables it.
        mbstd_num_features: its appended channels (1).
        blur_filter: the 1D taps of the blur before each downscaling conv
            (`[1, 2, 1]`), or `None` for no blur.

    Examples:

    >>> import numpy as np
    >>> d = StyleGANDiscriminator(resolution=16, fmap_base=64, fmap_max=16)
    >>> d.max_lod, d(np.zeros((4, 16, 16, 3), "float32")).shape
    (2, TensorShape([4, 1]))
    """

    def __init__(self, resolution=1024, channels=3, fmap_base=8192, fmap_decay=1.0,
                 fmap_max=512, mbstd_group_size=4, mbstd_num_features=1,
                 blur_filter=(1, 2, 1), name="stylegan_discriminator", **kwargs):
        resolution_log2 = check_architecture(resolution, fmap_base, fmap_decay, fmap_max)
        check_positive_int("channels", channels)
        check_non_negative_int("mbstd_group_size", mbstd_group_size)
        check_positive_int("mbstd_num_features", mbstd_num_features)
        blur_filter = check_blur_filter(blur_filter)

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
            prefix = f"{size}x{size}_conv1_down"
            if blur_filter is not None:
                x = Blur2D(blur_filter, name=f"{prefix}_blur")(x)
            x = EqualizedConv2D(nf(res - 2), 3, name=prefix)(x)
            x = lrelu(keras.layers.AveragePooling2D(2, name=f"{prefix}_downscale")(x), prefix)
            downscaled = keras.layers.AveragePooling2D(
                2, name=f"{size}x{size}_rgb_downscale")(downscaled)
            x = LodBlend(resolution_log2 - res, name=f"{size}x{size}_grow")(
                [x, from_rgb(downscaled, res - 1), lod])
        if mbstd_group_size > 1:
            x = MinibatchStdDev(mbstd_group_size, mbstd_num_features, name="4x4_mbstd")(x)
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
        self.mbstd_num_features = mbstd_num_features
        self.blur_filter = blur_filter
