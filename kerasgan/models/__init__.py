"""GAN models: the adversarial base class and the architecture families."""

from kerasgan.models.gan import GAN

__all__ = ["GAN"]
