"""The StyleGAN generator (Karras et al., 2019), as the official `G_style` at inference."""

import keras
import numpy as np

from kerasgan.layers import TruncationTrick
from kerasgan.models.network import Network
from kerasgan.models.stylegan.stylegan_mapping import StyleGANMapping
from kerasgan.models.stylegan.stylegan_synthesis import StyleGANSynthesis


@keras.saving.register_keras_serializable(package="kerasgan")
class StyleGANGenerator(Network):
    """StyleGAN generator: z -> `StyleGANMapping` -> truncation in W -> `StyleGANSynthesis`.

    As NVlabs/stylegan `networks_stylegan.G_style`: the mapping network's W+
    latents go through the truncation trick (`TruncationTrick`: at inference,
    `w_avg + (w - w_avg) * truncation_psi` on the first `truncation_cutoff`
    rows; nothing in training) and the synthesis network draws the images.
    `w_avg` is a non-trainable variable (the official `dlatent_avg`) that the
    training loop tracks; `lod` is the synthesis network's.

    The two parts are attributes, `mapping` and `synthesis`, so a training
    step can map two batches of z and mix their W+ rows before synthesis
    (style mixing regularization); the generator itself keeps the one-input
    signature `z -> images`.

    Args:
        resolution: output size, a power of 2 (at least 4).
        channels: output channels.
        latent_dim: size of z (512).
        dlatent_dim: size of w (512).
        mapping_layers: dense layers of the mapping network (8).
        mapping_fmaps: their hidden units (512).
        mapping_lr_multiplier: their learning-rate multiplier (0.01).
        fmap_base: overall multiplier of the synthesis feature maps (8192).
        fmap_decay: log2 reduction of the feature maps per doubling (1.0).
        fmap_max: maximum feature maps of any synthesis layer (512).
        blur_filter: the synthesis blur's 1D taps (`[1, 2, 1]`), or `None`.
        noise_seed: chooses the synthesis network's inference noise maps.
        truncation_psi: the style strength multiplier at inference (0.7;
            1 disables truncation).
        truncation_cutoff: the W+ rows truncated (8), or `None` for all.

    Examples:

    >>> import numpy as np
    >>> g = StyleGANGenerator(resolution=16, latent_dim=8, dlatent_dim=8, mapping_layers=2,
    ...                       mapping_fmaps=8, fmap_base=64, fmap_max=16)
    >>> g.synthesis.num_layers, g.max_lod, tuple(g.w_avg.shape)
    (6, 2, (8,))
    >>> g(np.zeros((2, 8), "float32")).shape
    TensorShape([2, 16, 16, 3])
    """

    def __init__(self, resolution=1024, channels=3, latent_dim=512, dlatent_dim=512,
                 mapping_layers=8, mapping_fmaps=512, mapping_lr_multiplier=0.01,
                 fmap_base=8192, fmap_decay=1.0, fmap_max=512, blur_filter=(1, 2, 1),
                 noise_seed=0, truncation_psi=0.7, truncation_cutoff=8,
                 name="stylegan_generator", **kwargs):
        synthesis = StyleGANSynthesis(
            resolution=resolution, channels=channels, dlatent_dim=dlatent_dim,
            fmap_base=fmap_base, fmap_decay=fmap_decay, fmap_max=fmap_max,
            blur_filter=blur_filter, noise_seed=noise_seed, name="synthesis")
        mapping = StyleGANMapping(
            latent_dim=latent_dim, dlatent_dim=dlatent_dim, num_layers=synthesis.num_layers,
            mapping_layers=mapping_layers, mapping_fmaps=mapping_fmaps,
            lr_multiplier=mapping_lr_multiplier, name="mapping")
        truncation = TruncationTrick(truncation_psi, truncation_cutoff, name="truncation")
        z = keras.Input((latent_dim,), name="z")
        images = synthesis(truncation(mapping(z)))
        super().__init__(inputs=z, outputs=images, name=name, **kwargs)
        self.resolution = resolution
        self.channels = channels
        self.latent_dim = latent_dim
        self.dlatent_dim = dlatent_dim
        self.mapping_layers = mapping_layers
        self.mapping_fmaps = mapping_fmaps
        self.mapping_lr_multiplier = mapping_lr_multiplier
        self.fmap_base = fmap_base
        self.fmap_decay = fmap_decay
        self.fmap_max = fmap_max
        self.blur_filter = synthesis.blur_filter
        self.noise_seed = noise_seed
        self.truncation_psi = truncation_psi
        self.truncation_cutoff = truncation_cutoff
        self.mapping = mapping
        self.synthesis = synthesis

    def latent_spaces(self):
        return ("z", "w", "w+")

    def style_layers(self):
        return int(self.synthesis.num_layers)

    def map_latents(self, z, truncate=False):
        """z -> W+ (one row per synthesis layer); `truncate` applies the generator's
        truncation (psi, cutoff) as sampling does."""
        w_plus = self.mapping(z, training=False)
        if truncate:
            w_plus = self.get_layer("truncation")(w_plus, training=False)
        return w_plus

    def synthesize(self, w_plus, training=False):
        return self.synthesis(w_plus, training=training)

    def average_w(self):
        return self.w_avg

    def synthesis_network(self):
        return self.synthesis

    def truncate_w(self, w_plus, psi):
        """`w_avg + psi * (w - w_avg)` on the first `truncation_cutoff` W+ rows (all of them
        for `None`), the rows sampling truncates; the others are left as they are."""
        layers = self.style_layers()
        rows = layers if self.truncation_cutoff is None else min(self.truncation_cutoff, layers)
        center = keras.ops.cast(self.w_avg, "float32")
        w_plus = keras.ops.cast(w_plus, "float32")
        truncated = center + (w_plus - center) * float(psi)
        in_cutoff = np.arange(layers)[None, :, None] < rows
        return keras.ops.where(in_cutoff, truncated, w_plus)

    def serving_wrap(self):
        """The serving graph `(z, truncation_psi) -> images`: the truncation strength is an
        input (one per example; 1 turns it off) on the first `truncation_cutoff` rows."""
        return _psi_serving_model


    @property
    def w_avg(self):
        """The tracked average of w (`[dlatent_dim]`, non-trainable), the truncation's center."""
        return self.get_layer("truncation").w_avg

    @property
    def max_lod(self):
        """`log2(resolution) - 2`: the level of detail showing only the 4x4 stage."""
        return self.synthesis.max_lod

    @property
    def lod(self):
        """The current level of detail (0 = full resolution)."""
        return self.synthesis.lod

    def set_lod(self, value):
        """Sets the level of detail, a float in `[0, max_lod]`."""
        self.synthesis.set_lod(value)


def _psi_serving_model(generator):
    layers = generator.style_layers()
    rows = layers if generator.truncation_cutoff is None else min(
        generator.truncation_cutoff, layers)
    center = keras.ops.convert_to_numpy(generator.w_avg).astype("float32")
    in_cutoff = np.arange(layers)[None, :, None] < rows

    def truncate(args):
        w_plus, psi = args
        psi = keras.ops.reshape(keras.ops.cast(psi, "float32"), (-1, 1, 1))
        coefs = keras.ops.where(in_cutoff, psi, keras.ops.ones_like(psi))
        return center + (keras.ops.cast(w_plus, "float32") - center) * coefs

    z = keras.Input((generator.latent_dim,), name="z")
    psi = keras.Input((), name="truncation_psi")
    w_plus = keras.layers.Lambda(truncate, name="truncate_w")(
        [generator.mapping(z, training=False), psi])
    images = generator.synthesis(w_plus, training=False)
    return keras.Model([z, psi], images, name=f"{generator.name}_psi")
