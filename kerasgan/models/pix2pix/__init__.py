"""Pix2Pix (Isola et al., 2017): U-Net generator, PatchGAN on (input, output) pairs, GAN + L1."""

from kerasgan.layers import TestTimeDropout
from kerasgan.models.pix2pix.patchgan_discriminator import (
    PatchGANDiscriminator,
    PixelDiscriminator,
)
from kerasgan.models.pix2pix.pix2pix_gan import Pix2Pix
from kerasgan.models.pix2pix.pix2pix_recipes import build_pix2pix
from kerasgan.models.pix2pix.unet_generator import UNetGenerator

__all__ = ["PatchGANDiscriminator", "PixelDiscriminator", "Pix2Pix", "TestTimeDropout",
           "UNetGenerator", "build_pix2pix"]
