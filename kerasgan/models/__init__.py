"""GAN models: the adversarial base class and the architecture families."""

from kerasgan.models import (
    biggan,
    conditional,
    context_encoder,
    cyclegan,
    dcgan,
    pix2pix,
    progan,
    sagan,
    stylegan,
)
from kerasgan.models.biggan import BigGANDiscriminator, BigGANGenerator
from kerasgan.models.conditional import CGANDiscriminator, CGANGenerator
from kerasgan.models.context_encoder import (
    ContextEncoder,
    ContextEncoderDiscriminator,
    ContextEncoderGenerator,
)
from kerasgan.models.cyclegan import CycleGAN, ImagePool, ResNetGenerator
from kerasgan.models.dcgan import DCGANDiscriminator, DCGANGenerator
from kerasgan.models.gan import GAN
from kerasgan.models.pix2pix import (
    PatchGANDiscriminator,
    Pix2Pix,
    PixelDiscriminator,
    UNetGenerator,
)
from kerasgan.models.progan import ProGANDiscriminator, ProGANGenerator
from kerasgan.models.sagan import SAGANDiscriminator, SAGANGenerator
from kerasgan.models.stylegan import (
    StyleGANDiscriminator,
    StyleGANGenerator,
    StyleGANMapping,
    StyleGANSynthesis,
)
from kerasgan.models.translation import LinearDecay, TranslationGAN

__all__ = ["GAN", "BigGANDiscriminator", "BigGANGenerator", "CGANDiscriminator",
           "CGANGenerator", "ContextEncoder", "ContextEncoderDiscriminator",
           "ContextEncoderGenerator", "CycleGAN", "DCGANGenerator", "DCGANDiscriminator",
           "ImagePool", "LinearDecay", "PatchGANDiscriminator", "Pix2Pix", "PixelDiscriminator",
           "ProGANDiscriminator", "ProGANGenerator", "ResNetGenerator", "SAGANDiscriminator",
           "SAGANGenerator", "StyleGANDiscriminator", "StyleGANGenerator", "StyleGANMapping",
           "StyleGANSynthesis", "TranslationGAN",
           "UNetGenerator", "biggan", "conditional", "context_encoder", "cyclegan", "dcgan",
           "pix2pix", "progan", "sagan", "stylegan"]
