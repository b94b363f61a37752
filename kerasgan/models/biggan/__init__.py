"""BigGAN (Brock, Donahue, Simonyan, 2019): the class-conditional large-scale GAN."""

from kerasgan.layers import LatentChunks
from kerasgan.models.biggan.biggan_discriminator import BigGANDiscriminator
from kerasgan.models.biggan.biggan_generator import BigGANGenerator
from kerasgan.models.biggan.biggan_recipes import BIGGAN_COMPILE, build_biggan

__all__ = ["BIGGAN_COMPILE", "BigGANDiscriminator", "BigGANGenerator", "LatentChunks",
           "build_biggan"]
