"""StyleGAN (Karras et al., 2019): a mapping network, a style-based synthesis network with
noise inputs, and the Progressive GAN-style discriminator, growing by `lod`; trained with
style mixing and a tracked `w_avg` (`StyleGAN`, recipe `stylegan`)."""

from kerasgan.models.stylegan.stylegan_discriminator import StyleGANDiscriminator
from kerasgan.models.stylegan.stylegan_gan import StyleGAN
from kerasgan.models.stylegan.stylegan_generator import StyleGANGenerator
from kerasgan.models.stylegan.stylegan_mapping import StyleGANMapping
from kerasgan.models.stylegan.stylegan_recipes import build_stylegan
from kerasgan.models.stylegan.stylegan_synthesis import StyleGANSynthesis

__all__ = ["StyleGAN", "StyleGANDiscriminator", "StyleGANGenerator", "StyleGANMapping",
           "StyleGANSynthesis", "build_stylegan"]
