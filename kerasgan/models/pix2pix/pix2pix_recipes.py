"""The pix2pix recipe: U-Net generator, PatchGAN on pairs, GAN + 100 L1, Adam(2e-4, 0.5)."""

import math

import tensorflow as tf

from kerasgan.models.pix2pix.patchgan_discriminator import (
    PatchGANDiscriminator,
    PixelDiscriminator,
)
from kerasgan.models.pix2pix.pix2pix_gan import Pix2Pix
from kerasgan.models.pix2pix.unet_generator import UNetGenerator
from kerasgan.models.translation import translation_optimizers

DISCRIMINATORS = ("patch", "pixel")


def build_pix2pix(image_size=256, input_channels=3, output_channels=3, base_filters=64,
                  num_downs=None, discriminator="patch", d_layers=3, norm="batch",
                  use_dropout=True, dropout_at_inference=False,
                  batch_statistics_at_inference=False, l1_weight=100.0,
                  gan_mode="vanilla", seed=0, synchronized_batch_norm=None,
                  constant_steps=None, decay_steps=None, compile=True, compile_args=None):
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
    gan = Pix2Pix(generator, critic, l1_weight=l1_weight, gan_mode=gan_mode, seed=seed)
    if compile:
        optimizers = translation_optimizers(constant_steps=constant_steps,
                                            decay_steps=decay_steps)
        gan.compile(**{**optimizers, **(compile_args or {})})
    return gan
