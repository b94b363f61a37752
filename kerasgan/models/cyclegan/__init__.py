"""CycleGAN (Zhu et al., 2017): unpaired translation with cycle consistency."""

from kerasgan.models.cyclegan.cyclegan_gan import CycleGAN
from kerasgan.models.cyclegan.cyclegan_recipes import build_cyclegan
from kerasgan.models.cyclegan.image_pool import ImagePool
from kerasgan.models.cyclegan.resnet_generator import ResNetGenerator

__all__ = ["CycleGAN", "ImagePool", "ResNetGenerator", "build_cyclegan"]
