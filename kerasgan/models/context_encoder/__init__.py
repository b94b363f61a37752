"""Context Encoder (Pathak et al., 2016): inpainting the center of an image."""

from kerasgan.models.context_encoder.context_encoder_discriminator import (
    ContextEncoderDiscriminator,
)
from kerasgan.models.context_encoder.context_encoder_gan import ContextEncoder
from kerasgan.models.context_encoder.context_encoder_generator import ContextEncoderGenerator
from kerasgan.models.context_encoder.context_encoder_recipes import build_context_encoder

__all__ = ["ContextEncoder", "ContextEncoderDiscriminator", "ContextEncoderGenerator",
           "build_context_encoder"]
