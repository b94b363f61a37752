"""The StyleGAN synthesis network (Karras et al., 2019), as the official `G_synthesis`."""

import keras

from kerasgan.layers import (
    Blur2D,
    ChannelBias,
    ConstantInput,
    EqualizedConv2D,
    LevelOfDetail,
    LodBlend,
    NoiseInjection,
    StyleModulation,
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
class StyleGANSynthesis(ProgressiveNetwork):
    """StyleGAN synthesis network: W+ latents `[batch, num_layers, dlatent_dim]` -> images.

    Layer by layer as NVlabs/stylegan `networks_stylegan.G_synthesis` (styles,
    a constant input, noise inputs, instance norm, leaky ReLU 0.2, equalized
    learning rate). `num_layers = 2 * log2(resolution) - 2`; layer `i` works at
    `2**(i // 2 + 2)` px with `nf(i // 2 + 1)` maps, `nf(stage) =
    min(int(fmap_base / 2**(stage * fmap_decay)), fmap_max)`:

    - 4x4: a learned constant `[4, 4, nf(1)]` (ones) -> epilogue 0 ->
      conv3x3 -> epilogue 1;
    - every stage from 8x8 up: 2x nearest upscaling -> conv3x3 -> blur ->
      epilogue, then conv3x3 -> epilogue;
    - the epilogue of layer `i`: `NoiseInjection` (per-channel strength, 0 at
      first) -> per-channel bias -> leaky ReLU -> `StyleModulation` on W+ row
      `i` (instance norm, then the style's scale and bias from an equalized
      dense layer of gain 1).

    The convs have no bias of their own (the epilogue's bias follows the
    noise). Every resolution has its own ToRGB (linear 1x1 conv, gain 1, with
    bias). The output is always `resolution` x `resolution` (the official
    "linear" structure, as `ProGANGenerator`): each stage's ToRGB is blended
    over the upscaled image of the stage below by `lerp_clip(new, upscaled,
    lod - offset)`; `lod` is a non-trainable variable (`set_lod`), so training
    can grow from 8x8 as the official schedule does (`lod_initial_resolution
    = 8`).

    The official `fused_scale='auto'` fuses the upscaling and the conv of the
    stages of 128 px and more into one transposed conv with a 4x4 kernel
    built from the same `[3, 3, in, out]` weight; that computes exactly
    upscaling followed by the 3x3 conv with the weight flipped spatially
    (tested in `tests/layers/test_style_layers.py`): the same function and
    parameters, so this network uses the separate form at every stage and
    official `Conv0_up` weights of those stages load after a spatial flip.

    At inference the noise of layer `i` is one fixed map drawn from seed
    `noise_seed * num_layers + i` (the official stored noise maps); in
    training it is drawn per example (see `NoiseInjection`).

    Args:
        resolution: output size, a power of 2 (at least 4).
        channels: output channels.
        dlatent_dim: size of w (512).
        fmap_base: overall multiplier of the feature maps (8192).
        fmap_decay: log2 reduction of the feature maps per doubling (1.0).
        fmap_max: maximum feature maps of any layer (512).
        blur_filter: the 1D taps of the blur after each upscaling conv
            (`[1, 2, 1]`), or `None` for no blur.
        noise_seed: a non-negative integer choosing the inference noise maps.

    Examples:

    >>> import numpy as np
    >>> s = StyleGANSynthesis(resolution=16, dlatent_dim=8, fmap_base=64, fmap_max=16)
    >>> s.num_layers, s.max_lod
    (6, 2)
    >>> s(np.zeros((2, 6, 8), "float32")).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(self, resolution=1024, channels=3, dlatent_dim=512, fmap_base=8192,
                 fmap_decay=1.0, fmap_max=512, blur_filter=(1, 2, 1), noise_seed=0,
                 name="stylegan_synthesis", **kwargs):
        resolution_log2 = check_architecture(resolution, fmap_base, fmap_decay, fmap_max)
        check_positive_int("channels", channels)
        check_positive_int("dlatent_dim", dlatent_dim)
        check_non_negative_int("noise_seed", noise_seed)
        blur_filter = check_blur_filter(blur_filter)

        def nf(stage):
            return feature_maps(stage, fmap_base, fmap_decay, fmap_max)

        num_layers = 2 * resolution_log2 - 2
        w_plus = keras.Input((num_layers, dlatent_dim), name="w_plus")
        lod = LevelOfDetail(resolution_log2 - 2, name="lod")(w_plus)

        def epilogue(x, layer_index, prefix):
            x = NoiseInjection(seed=noise_seed * num_layers + layer_index,
                               name=f"{prefix}_noise")(x)
            x = ChannelBias(name=f"{prefix}_bias")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"{prefix}_lrelu")(x)
            return StyleModulation(layer_index=layer_index, name=f"{prefix}_style")([x, w_plus])

        def to_rgb(x, size):
            return EqualizedConv2D(channels, 1, gain=1.0, name=f"{size}x{size}_torgb")(x)

        x = ConstantInput(nf(1), name="4x4_const")(w_plus)
        x = epilogue(x, 0, "4x4_const")
        x = EqualizedConv2D(nf(1), 3, use_bias=False, name="4x4_conv")(x)
        x = epilogue(x, 1, "4x4_conv")
        images = to_rgb(x, 4)
        for res in range(3, resolution_log2 + 1):
            size = 2**res
            prefix = f"{size}x{size}_conv0_up"
            x = keras.layers.UpSampling2D(2, name=f"{size}x{size}_upscale")(x)
            x = EqualizedConv2D(nf(res - 1), 3, use_bias=False, name=prefix)(x)
            if blur_filter is not None:
                x = Blur2D(blur_filter, name=f"{prefix}_blur")(x)
            x = epilogue(x, 2 * res - 4, prefix)
            prefix = f"{size}x{size}_conv1"
            x = EqualizedConv2D(nf(res - 1), 3, use_bias=False, name=prefix)(x)
            x = epilogue(x, 2 * res - 3, prefix)
            upscaled = keras.layers.UpSampling2D(2, name=f"{size}x{size}_rgb_upscale")(images)
            images = LodBlend(resolution_log2 - res, name=f"{size}x{size}_grow")(
                [to_rgb(x, size), upscaled, lod])
        images = keras.layers.Activation("linear", dtype="float32", name="images")(images)
        super().__init__(inputs=w_plus, outputs=images, name=name, **kwargs)
        self.resolution = resolution
        self.channels = channels
        self.dlatent_dim = dlatent_dim
        self.fmap_base = fmap_base
        self.fmap_decay = fmap_decay
        self.fmap_max = fmap_max
        self.blur_filter = blur_filter
        self.noise_seed = noise_seed

    @property
    def num_layers(self):
        """The W+ rows: `2 * log2(resolution) - 2` (two per resolution)."""
        return self.input_shape[1]
