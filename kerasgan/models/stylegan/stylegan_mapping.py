"""The StyleGAN mapping network (Karras et al., 2019), as the official `G_mapping`."""

import keras

from kerasgan.layers import EqualizedDense, PixelNormalization
from kerasgan.models.network import Network
from kerasgan.models.progressive import check_positive_int


@keras.saving.register_keras_serializable(package="kerasgan")
class StyleGANMapping(Network):
    """StyleGAN mapping network: z -> W+ latents `[batch, num_layers, dlatent_dim]`.

    Layer by layer as NVlabs/stylegan `networks_stylegan.G_mapping` (no
    labels): z is pixel-normalized, then `mapping_layers` equalized dense
    layers (`mapping_fmaps` units, the last `dlatent_dim`) each with its bias
    and a leaky ReLU 0.2 (gain `sqrt(2)`, learning-rate multiplier
    `lr_multiplier` on kernel and bias, 0.01 officially), and the result `w` is
    broadcast to every synthesis layer (the official `dlatent_broadcast`),
    the W+ layout that style mixing edits row by row.

    Args:
        latent_dim: size of z (512).
        dlatent_dim: size of w (512).
        num_layers: W+ rows, the synthesis network's `num_layers`
            (`2 * log2(resolution) - 2`: 18 at 1024 px).
        mapping_layers: dense layers (8).
        mapping_fmaps: units of the hidden dense layers (512).
        lr_multiplier: the mapping layers' learning-rate multiplier (0.01).
        normalize_latents: pixel-normalize z first.

    Examples:

    >>> import numpy as np
    >>> mapping = StyleGANMapping(latent_dim=8, dlatent_dim=6, num_layers=4, mapping_layers=2,
    ...                           mapping_fmaps=5)
    >>> w = np.asarray(mapping(np.ones((2, 8), "float32")))
    >>> w.shape, bool(np.array_equal(w[:, 0], w[:, 3]))
    ((2, 4, 6), True)
    >>> mapping.count_params()  # (8 * 5 + 5) + (5 * 6 + 6)
    81
    """

    def __init__(self, latent_dim=512, dlatent_dim=512, num_layers=18, mapping_layers=8,
                 mapping_fmaps=512, lr_multiplier=0.01, normalize_latents=True,
                 name="stylegan_mapping", **kwargs):
        for argument, value in (("latent_dim", latent_dim), ("dlatent_dim", dlatent_dim),
                                ("num_layers", num_layers), ("mapping_layers", mapping_layers),
                                ("mapping_fmaps", mapping_fmaps)):
            check_positive_int(argument, value)
        if (not isinstance(lr_multiplier, (int, float)) or isinstance(lr_multiplier, bool)
                or not lr_multiplier > 0):
            raise ValueError("`lr_multiplier` must be a positive number. "
                             f"Received: lr_multiplier={lr_multiplier!r}")
        z = keras.Input((latent_dim,), name="z")
        x = z
        if normalize_latents:
            x = PixelNormalization(name="latent_pixelnorm")(x)
        for i in range(mapping_layers):
            units = dlatent_dim if i == mapping_layers - 1 else mapping_fmaps
            x = EqualizedDense(units, lr_multiplier=lr_multiplier, name=f"dense{i}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"dense{i}_lrelu")(x)
        w = keras.layers.RepeatVector(num_layers, name="broadcast")(x)
        super().__init__(inputs=z, outputs=w, name=name, **kwargs)
        self.latent_dim = latent_dim
        self.dlatent_dim = dlatent_dim
        self.num_layers = num_layers
        self.mapping_layers = mapping_layers
        self.mapping_fmaps = mapping_fmaps
        self.lr_multiplier = lr_multiplier
        self.normalize_latents = normalize_latents
