"""GAN models: the adversarial base class and the architecture families."""

from kerasgan.models import biggan, conditional, dcgan, sagan
from kerasgan.models.biggan import BigGANDiscriminator, BigGANGenerator
from kerasgan.models.conditional import CGANDiscriminator, CGANGenerator
from kerasgan.models.dcgan import DCGANDiscriminator, DCGANGenerator
from kerasgan.models.gan import GAN
from kerasgan.models.sagan import SAGANDiscriminator, SAGANGenerator

__all__ = ["GAN", "BigGANDiscriminator", "BigGANGenerator", "CGANDiscriminator",
           "CGANGenerator", "DCGANGenerator", "DCGANDiscriminator", "SAGANDiscriminator",
           "SAGANGenerator", "biggan", "conditional", "dcgan", "sagan"]
