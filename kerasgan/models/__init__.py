"""GAN models: the adversarial base class and the architecture families."""

from kerasgan.models import dcgan
from kerasgan.models.dcgan import DCGANDiscriminator, DCGANGenerator
from kerasgan.models.gan import GAN

__all__ = ["GAN", "DCGANGenerator", "DCGANDiscriminator", "dcgan"]
