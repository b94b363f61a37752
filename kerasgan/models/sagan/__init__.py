"""SAGAN (Zhang et al., 2019): self-attention, conditional batch norm, projection discriminator."""

from kerasgan.models.sagan.sagan_discriminator import SAGANDiscriminator
from kerasgan.models.sagan.sagan_generator import SAGANGenerator
from kerasgan.models.sagan.sagan_recipes import build_sagan

__all__ = ["SAGANDiscriminator", "SAGANGenerator", "build_sagan"]
