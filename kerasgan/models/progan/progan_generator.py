"""The Progressive GAN generator (Karras et al., 2018), as the official `G_paper`."""

import math

import keras

from kerasgan.layers import (
    ChannelBias,
    EqualizedConv2D,
    EqualizedDense,
    LevelOfDetail,
    LodBlend,
    PixelNormalization,
)
from kerasgan.models.progressive import (
    ProgressiveNetwork,
    check_architecture,
    check_positive_int,
    feature_maps,
)


@keras.saving.register_keras_serializable(package="kerasgan")
class ProGANGenerator(ProgressiveNetwork):
    """ProGAN generator: grows from 4x4 to `resolution`, fading each stage in by `lod`.

    Layer by layer as tkarras/progressive_growing_of_gans `networks.G_paper`
    (equalized learning rate, pixelwise normalization, leaky ReLU 0.2, no
    labels): z (pixel-normalized) -> dense to `nf(1) x 4 x 4` with gain
    `sqrt(2) / 4` and one bias per channel -> conv3x3 at 4x4; then per
    stage from 8x8 up, 2x nearest upscaling -> conv3x3 -> conv3x3 to
    `nf(log2(size) - 1)` maps, each conv followed by its bias, the leaky ReLU
    and pixel normalization. Every resolution has its own ToRGB (a linear
    1x1 conv, gain 1). `nf(stage) = min(int(fmap_base / 2**(stage *
    fmap_decay)), fmap_max)`.

    The output is always `resolution` x `resolution` (the official "linear"
    structure): the 4x4 image is upscaled (nearest) stage by stage and at each
    stage blended with that stage's ToRGB by `lerp_clip(new, upscaled, lod -
    offset)`, so `lod = 0` is the full network, `lod = k` the network up to
    `resolution / 2**k` with its image upscaled, and fractional values fade
    the next stage in. `lod` is a non-trainable variable (`set_lod`), saved
    with the weights; an exported generator computes at the stored value.
    The official default fused upscale-conv (`fused_scale`, a transposed
    conv with a `[k, k, out, in]` kernel) computes exactly upscaling followed
    by a conv3x3 whose kernel is that one flipped spatially with its last two
    axes swapped: same function, same parameter count, and official
    `Conv0_up` weights load after that flip. The dense layer's units are
    ordered as the official `[channels, 4, 4]` reshape, so its weights load
    unpermuted (as do all other convs).

    Args:
        resolution: output size, a power of 2 (at least 4).
        channels: output channels.
        fmap_base: overall multiplier of the feature maps (8192).
        fmap_decay: log2 reduction of the feature maps per doubling (1.0).
        fmap_max: maximum feature maps of any layer (512).
        latent_dim: size of z; `None` is the official `nf(0)`.
        normalize_latents: pixel-normalize z first.
        use_pixelnorm: pixel-normalize after every conv and the dense layer.
        pixelnorm_epsilon: the normalization's epsilon (the official float16
            configuration uses 1e-4).

    Examples:

    >>> import numpy as np
    >>> g = ProGANGenerator(resolution=16, fmap_base=64, fmap_max=16)
    >>> g.latent_dim, g.max_lod
    (16, 2)
    >>> g.set_lod(1.5)  # the 8x8 stage half faded in over the upscaled 4x4 image
    >>> g(np.zeros((2, 16), "float32")).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(self, resolution=1024, channels=3, fmap_base=8192, fmap_decay=1.0,
                 fmap_max=512, latent_dim=None, normalize_latents=True, use_pixelnorm=True,
                 pixelnorm_epsilon=1e-8, name="progan_generator", **kwargs):
        resolution_log2 = check_architecture(resolution, fmap_base, fmap_decay, fmap_max)
        check_positive_int("channels", channels)

        def nf(stage):
            return feature_maps(stage, fmap_base, fmap_decay, fmap_max)

        if latent_dim is None:
            latent_dim = nf(0)
        check_positive_int("latent_dim", latent_dim)
        max_lod = resolution_log2 - 2

        def post(x, prefix):
            x = keras.layers.LeakyReLU(0.2, name=f"{prefix}_lrelu")(x)
            if use_pixelnorm:
                x = PixelNormalization(pixelnorm_epsilon, name=f"{prefix}_pixelnorm")(x)
            return x

        def to_rgb(x, size):
            return EqualizedConv2D(channels, 1, gain=1.0, name=f"{size}x{size}_torgb")(x)

        z = keras.Input((latent_dim,), name="z")
        lod = LevelOfDetail(max_lod, name="lod")(z)
        x = z
        if normalize_latents:
            x = PixelNormalization(pixelnorm_epsilon, name="latent_pixelnorm")(x)
        x = EqualizedDense(nf(1) * 16, gain=math.sqrt(2.0) / 4, use_bias=False,
                           name="4x4_dense")(x)
        x = keras.layers.Reshape((nf(1), 4, 4), name="4x4_reshape")(x)
        x = keras.layers.Permute((2, 3, 1), name="4x4_to_nhwc")(x)
        x = post(ChannelBias(name="4x4_dense_bias")(x), "4x4_dense")
        x = post(EqualizedConv2D(nf(1), 3, name="4x4_conv")(x), "4x4_conv")
        images = to_rgb(x, 4)
        for res in range(3, resolution_log2 + 1):
            size = 2**res
            x = keras.layers.UpSampling2D(2, name=f"{size}x{size}_upscale")(x)
            for i in range(2):
                prefix = f"{size}x{size}_conv{i}"
                x = post(EqualizedConv2D(nf(res - 1), 3, name=prefix)(x), prefix)
            upscaled = keras.layers.UpSampling2D(2, name=f"{size}x{size}_rgb_upscale")(images)
            images = LodBlend(resolution_log2 - res, name=f"{size}x{size}_grow")(
                [to_rgb(x, size), upscaled, lod])
        images = keras.layers.Activation("linear", dtype="float32", name="images")(images)
        super().__init__(inputs=z, outputs=images, name=name, **kwargs)
        self.resolution = resolution
        self.channels = channels
        self.fmap_base = fmap_base
        self.fmap_decay = fmap_decay
        self.fmap_max = fmap_max
        self.latent_dim = latent_dim
        self.normalize_latents = normalize_latents
        self.use_pixelnorm = use_pixelnorm
        self.pixelnorm_epsilon = pixelnorm_epsilon
