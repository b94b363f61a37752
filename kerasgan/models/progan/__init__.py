"""Progressive GAN (Karras et al., 2018): equalized learning rate, pixel norm, fade-in growing."""

from kerasgan.models.progan.progan_discriminator import ProGANDiscriminator
from kerasgan.models.progan.progan_gan import ProGAN
from kerasgan.models.progan.progan_generator import ProGANGenerator
from kerasgan.models.progan.progan_recipes import build_progan

__all__ = ["ProGAN", "ProGANDiscriminator", "ProGANGenerator", "build_progan"]
