"""The `progan` recipe: the official Progressive GAN training, grown inside one `fit`.

Defaults are the official `config.py` (preset-v2-1gpu): Adam beta = (0, 0.99),
epsilon 1e-8, learning rate 0.001 (0.0015 at 1024 px), WGAN-GP lambda = 10
with epsilon_drift = 0.001, one critic step, G_smoothing = 0.999, 600k images
per stabilization and per fade-in, minibatch repeats 4 and the per-resolution
global batch sizes {4: 128, 8: 128, 16: 128, 32: 64, 64: 32, 128: 16,
256: 8, 512: 4} (the run's `--batch-size` where the table has no entry: the
official `minibatch_base` is 4). The official networks are 1024 px with
`fmap_base` 8192; a small run passes smaller `--fmap-base` / `--fmap-max`.
"""

from kerasgan.models.growth import growth_arguments, growth_schedule
from kerasgan.models.progan.progan_discriminator import ProGANDiscriminator
from kerasgan.models.progan.progan_gan import _OFFICIAL_ADAM, ProGAN
from kerasgan.models.progan.progan_generator import ProGANGenerator
from kerasgan.models.progressive import network_arguments
from kerasgan.models.registry import Argument, Recipe, register_recipe

OFFICIAL_BATCH_SIZES = "4:128,8:128,16:128,32:64,64:32,128:16,256:8,512:4"
OFFICIAL_LEARNING_RATES = "1024:0.0015"
PROGAN_COMPILE = {"loss": "wasserstein", "g_optimizer": _OFFICIAL_ADAM,
                  "d_optimizer": _OFFICIAL_ADAM, "d_steps": 1, "gradient_penalty_weight": 10.0,
                  "drift_weight": 0.001, "reuse_fake_batch": False}


def build_progan(image_size=1024, channels=3, fmap_base=8192, fmap_max=512, latent_dim=None,
                 mbstd_group_size=4, initial_resolution=4, stabilize_kimg=600.0,
                 fade_kimg=600.0, batch_sizes=OFFICIAL_BATCH_SIZES,
                 learning_rates=OFFICIAL_LEARNING_RATES, minibatch_repeats=4, batch_size=4,
                 ema_decay=0.999, seed=0):
    """The Progressive GAN training model with the official networks and schedule, uncompiled.

    Examples:

    >>> gan = build_progan(image_size=16, fmap_base=64, fmap_max=16, initial_resolution=4,
    ...                    stabilize_kimg=0.064, fade_kimg=0.064, batch_sizes="4:16,8:8",
    ...                    minibatch_repeats=1, batch_size=8)
    >>> gan.batch_segments(64)
    ((0, 16), (5, 8))
    """
    generator = ProGANGenerator(resolution=image_size, channels=channels, fmap_base=fmap_base,
                                fmap_max=fmap_max, latent_dim=latent_dim)
    discriminator = ProGANDiscriminator(resolution=image_size, channels=channels,
                                        fmap_base=fmap_base, fmap_max=fmap_max,
                                        mbstd_group_size=mbstd_group_size)
    schedule = growth_schedule(image_size, batch_size, initial_resolution, stabilize_kimg,
                               fade_kimg, batch_sizes, learning_rates, minibatch_repeats)
    return ProGAN(generator, discriminator, schedule=schedule, ema_decay=ema_decay, seed=seed)


register_recipe(Recipe(
    name="progan", family="progan",
    description="Progressive GAN (Karras et al., 2018): equalized lr, pixel norm, minibatch "
                "stddev, WGAN-GP + drift, grown in fit.",
    task="unconditional", builder=build_progan, takes_batch_size=True,
    arguments=network_arguments() + (
        Argument("latent_dim", int, None, "size of z (default: the official min(fmap_base/2, "
                 "fmap_max))"),
    ) + growth_arguments(4, OFFICIAL_BATCH_SIZES, OFFICIAL_LEARNING_RATES, "CelebA-HQ"),
    compile=PROGAN_COMPILE,
))
