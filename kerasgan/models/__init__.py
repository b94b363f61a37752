"""GAN models: the adversarial base class and the architecture families."""

from kerasgan.models import conditional, dcgan
from kerasgan.models.conditional import CGANDiscriminator, CGANGenerator
from kerasgan.models.dcgan import DCGANDiscriminator, DCGANGenerator
from kerasgan.models.gan import GAN

__all__ = ["GAN", "CGANDiscriminator", "CGANGenerator", "DCGANGenerator",
           "DCGANDiscriminator", "conditional", "dcgan"]
