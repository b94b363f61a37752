"""Class-conditional GANs: the conditional GAN of Mirza & Osindero on DCGAN networks."""

from kerasgan.models.conditional.cgan_discriminator import CGANDiscriminator
from kerasgan.models.conditional.cgan_generator import CGANGenerator
from kerasgan.models.conditional.cgan_recipes import build_cgan

__all__ = ["CGANDiscriminator", "CGANGenerator", "build_cgan"]
