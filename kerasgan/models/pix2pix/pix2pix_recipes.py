"""The pix2pix recipe: U-Net generator, PatchGAN on pairs, GAN + 100 L1, Adam(2e-4, 0.5)."""

import math

import tensorflow as tf

from kerasgan.models.pix2pix.patchgan_discriminator import (
    PatchGANDiscriminator,
    PixelDiscriminator,
)
from kerasgan.models.pix2pix.pix2pix_gan import Pix2Pix
from kerasgan.models.pix2pix.unet_generator import UNetGenerator
from kerasgan.models.registry import Argument, Recipe, image_arguments, register_recipe
from kerasgan.models.translation import (
    linear_decay_schedule,
    patch_layers_for,
    translation_optimizers,
)

DISCRIMINATORS = ("patch", "pixel")


def build_pix2pix(image_size=256, input_channels=3, output_channels=3, base_filters=64,
                  num_downs=None, discriminator="patch", d_layers=3, norm="batch",
                  use_dropout=True, dropout_at_inference=False,
                  batch_statistics_at_inference=False, l1_weight=100.0,
                  gan_mode="vanilla", seed=0, synchronized_batch_norm=None,
                  constant_steps=None, decay_steps=None, ema_decay=None, compile=True,
                  compile_args=None):
    """Pix2Pix: the official facades configuration (`unet_256`, 70x70 PatchGAN) by default.

    `num_downs` defaults to log2(image_size) (a 1x1 bottleneck: 8 at 256,
    7 at 128 — the official `unet_256` / `unet_128`). The optimizers are the
    official Adam(2e-4, beta_1=0.5) for both networks; with `decay_steps`
    the rate stays constant for `constant_steps` and falls linearly to 0 over
    `decay_steps` (`LinearDecay`; the official 100 + 100 epochs).

    Examples:

    >>> gan = build_pix2pix(image_size=16, base_filters=4, d_layers=2)
    >>> gan.generator.output.shape, gan.discriminator.output.shape
    ((None, 16, 16, 3), (None, 2, 2, 1))
    """
    if discriminator not in DISCRIMINATORS:
        raise ValueError(f"`discriminator` must be one of {DISCRIMINATORS}. "
                         f"Received: discriminator={discriminator!r}")
    if synchronized_batch_norm is None:
        synchronized_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    if num_downs is None:
        num_downs = int(math.log2(image_size)) if image_size > 1 else 0
    generator = UNetGenerator(
        image_size=image_size, input_channels=input_channels, output_channels=output_channels,
        num_downs=num_downs, base_filters=base_filters, norm=norm, use_dropout=use_dropout,
        dropout_at_inference=dropout_at_inference,
        batch_statistics_at_inference=batch_statistics_at_inference,
        synchronized_batch_norm=synchronized_batch_norm)
    pair_channels = input_channels + output_channels
    if discriminator == "patch":
        critic = PatchGANDiscriminator(
            image_size=image_size, input_channels=pair_channels, base_filters=base_filters,
            num_layers=d_layers, norm=norm, synchronized_batch_norm=synchronized_batch_norm)
    else:
        critic = PixelDiscriminator(
            image_size=image_size, input_channels=pair_channels, base_filters=base_filters,
            norm=norm, synchronized_batch_norm=synchronized_batch_norm)
    gan = Pix2Pix(generator, critic, l1_weight=l1_weight, gan_mode=gan_mode, seed=seed,
                  ema_decay=ema_decay)
    if compile:
        optimizers = translation_optimizers(constant_steps=constant_steps,
                                            decay_steps=decay_steps)
        gan.compile(**{**optimizers, **(compile_args or {})})
    return gan


def _recipe_builder(image_size=64, channels=3, base_filters=64, d_layers=None, **kwargs):
    return build_pix2pix(image_size=image_size, input_channels=channels,
                         output_channels=channels, base_filters=base_filters,
                         d_layers=d_layers or patch_layers_for(image_size), compile=False,
                         **kwargs)


_OPTIMIZERS = {key: {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}
               for key in ("g_optimizer", "d_optimizer")}


register_recipe(Recipe(
    name="pix2pix", family="pix2pix",
    description="Pix2Pix (Isola et al., 2017): U-Net, PatchGAN on pairs, GAN + 100 L1; paired "
                "data (shapes: edges -> image).",
    task="paired", builder=_recipe_builder,
    arguments=image_arguments(image_size=64, base_filters=64, latent_dim=False) + (
        Argument("d_layers", int, None, "PatchGAN depth (default: 3 from 24 px, fewer below)"),
        Argument("l1_weight", float, None, "lambda of the L1 term (100)"),
        Argument("jitter", bool, True, "random resize-crop-flip of the training pairs",
                 target="data"),
        Argument("direction", str, "AtoB", "AtoB translates each pair's A image (left half, "
                 "A/ folder, shapes map) into B; BtoA the reverse", choices=("AtoB", "BtoA"),
                 target="data"),
    ),
    compile={"loss": "non_saturating", "d_steps": 1, **_OPTIMIZERS},
    schedule=linear_decay_schedule,
))
