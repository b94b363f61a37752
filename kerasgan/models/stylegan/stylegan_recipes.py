"""The `stylegan` recipe: the official StyleGAN training, grown inside one `fit`.

Defaults are the official `train.py` (8 GPUs) and `training_loop.py`: Adam
beta = (0, 0.99), epsilon 1e-8, learning rate 0.001 with {128: 0.0015,
256: 0.002, 512: 0.003, 1024: 0.003}, the non-saturating logistic loss with
R1 gamma = 10, one discriminator step, style mixing with probability 0.9,
`w_avg` tracked with beta 0.995, an EMA generator with a half-life of 10k
images, growth from 8 px with 600k images per stabilization and per fade-in,
minibatch repeats 4, optimizer reset at each new level of detail and the
global batch sizes {4: 512, 8: 256, 16: 128, 32: 64, 64: 32} (the run's
`--batch-size` elsewhere: the official `minibatch_base` is 32). The official
networks are 1024 px with `fmap_base` 8192; a small run passes smaller sizes.
"""

from kerasgan.models.growth import growth_arguments, growth_schedule
from kerasgan.models.progressive import network_arguments
from kerasgan.models.registry import Argument, Recipe, register_recipe
from kerasgan.models.stylegan.stylegan_discriminator import StyleGANDiscriminator
from kerasgan.models.stylegan.stylegan_gan import (
    _OFFICIAL_ADAM,
    OFFICIAL_BATCH_BASE,
    OFFICIAL_BATCH_SIZES,
    OFFICIAL_EMA_HALF_LIFE_KIMG,
    OFFICIAL_INITIAL_RESOLUTION,
    OFFICIAL_LEARNING_RATES,
    StyleGAN,
)
from kerasgan.models.stylegan.stylegan_generator import StyleGANGenerator


def _table(values):
    return ",".join(f"{key}:{value:g}" for key, value in sorted(values.items()))


BATCH_SIZES = _table(OFFICIAL_BATCH_SIZES)
LEARNING_RATES = _table(OFFICIAL_LEARNING_RATES)
STYLEGAN_COMPILE = {"loss": "non_saturating", "g_optimizer": _OFFICIAL_ADAM,
                    "d_optimizer": _OFFICIAL_ADAM, "d_steps": 1, "r1_weight": 10.0,
                    "reuse_fake_batch": False}


def build_stylegan(image_size=1024, channels=3, fmap_base=8192, fmap_max=512, latent_dim=512,
                   dlatent_dim=512, mapping_layers=8, mapping_fmaps=512, mbstd_group_size=4,
                   style_mixing_prob=0.9, initial_resolution=OFFICIAL_INITIAL_RESOLUTION,
                   stabilize_kimg=600.0, fade_kimg=600.0, batch_sizes=BATCH_SIZES,
                   learning_rates=LEARNING_RATES, minibatch_repeats=4, truncation_psi=0.7,
                   truncation_cutoff=8, ema_half_life_kimg=OFFICIAL_EMA_HALF_LIFE_KIMG,
                   ema_decay=None, batch_size=OFFICIAL_BATCH_BASE, seed=0):
    """The StyleGAN training model with the official networks and schedule, uncompiled.

    `ema_decay` (the common option), when given, replaces the half-life with a
    fixed decay per step.

    Examples:

    >>> gan = build_stylegan(image_size=16, fmap_base=64, fmap_max=16, latent_dim=8,
    ...                      dlatent_dim=8, mapping_layers=2, mapping_fmaps=8,
    ...                      stabilize_kimg=0.064, fade_kimg=0.064, batch_sizes="8:16,16:8",
    ...                      minibatch_repeats=1, batch_size=8)
    >>> gan.batch_segments(64)
    ((0, 16), (5, 8))
    """
    if not ema_half_life_kimg > 0:
        raise ValueError("`ema_half_life_kimg` must be positive. "
                         f"Received: ema_half_life_kimg={ema_half_life_kimg!r}")
    generator = StyleGANGenerator(
        resolution=image_size, channels=channels, latent_dim=latent_dim,
        dlatent_dim=dlatent_dim, mapping_layers=mapping_layers, mapping_fmaps=mapping_fmaps,
        fmap_base=fmap_base, fmap_max=fmap_max, truncation_psi=truncation_psi,
        truncation_cutoff=truncation_cutoff)
    discriminator = StyleGANDiscriminator(resolution=image_size, channels=channels,
                                          fmap_base=fmap_base, fmap_max=fmap_max,
                                          mbstd_group_size=mbstd_group_size)
    schedule = growth_schedule(image_size, batch_size, initial_resolution, stabilize_kimg,
                               fade_kimg, batch_sizes, learning_rates, minibatch_repeats)
    ema = ({"ema_decay": ema_decay} if ema_decay is not None
           else {"ema_half_life_images": ema_half_life_kimg * 1000.0})
    return StyleGAN(generator, discriminator, schedule=schedule,
                    style_mixing_prob=style_mixing_prob, seed=seed, **ema)


register_recipe(Recipe(
    name="stylegan", family="stylegan",
    description="StyleGAN (Karras et al., 2019): mapping network, AdaIN styles, noise, style "
                "mixing, logistic loss + R1, grown in fit.",
    task="unconditional", builder=build_stylegan, takes_batch_size=True,
    arguments=network_arguments() + (
        Argument("latent_dim", int, 512, "size of z"),
        Argument("dlatent_dim", int, 512, "size of w"),
        Argument("mapping_layers", int, 8, "dense layers of the mapping network"),
        Argument("mapping_fmaps", int, 512, "hidden units of the mapping network"),
        Argument("style_mixing_prob", float, 0.9, "probability of mixing two latents' styles "
                 "in training (0: off)"),
        Argument("truncation_psi", float, 0.7, "truncation of samples and exports (1: off)"),
        Argument("truncation_cutoff", int, 8, "W+ rows truncated"),
        Argument("ema_half_life_kimg", float, OFFICIAL_EMA_HALF_LIFE_KIMG,
                 "half-life of the generator's moving average in thousands of images"),
    ) + growth_arguments(OFFICIAL_INITIAL_RESOLUTION, BATCH_SIZES, LEARNING_RATES, "FFHQ"),
    compile=STYLEGAN_COMPILE,
))
