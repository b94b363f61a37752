"""DCGAN networks and the recipes trained on them (DCGAN, minimax, WGAN, WGAN-GP, LSGAN, hinge)."""

from kerasgan.models.dcgan.dcgan_discriminator import DCGANDiscriminator
from kerasgan.models.dcgan.dcgan_generator import DCGANGenerator
from kerasgan.models.dcgan.dcgan_recipes import (
    RECIPES,
    build_recipe,
    get_recipe,
    list_recipes,
)

__all__ = [
    "DCGANDiscriminator", "DCGANGenerator", "RECIPES", "build_recipe", "get_recipe",
    "list_recipes",
]
