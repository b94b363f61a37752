"""Latent-space tools: interpolation, vector arithmetic, truncation, style mixing, inversion."""

from kerasgan.latent.arithmetic import attribute_direction, latent_mean, vector_arithmetic
from kerasgan.latent.interpolation import interpolation_path, lerp, slerp
from kerasgan.latent.inversion import InversionResult, invert
from kerasgan.latent.style_mixing import (
    mix_styles,
    style_groups,
    style_mixing_grid,
    truncation_sweep,
)
from kerasgan.latent.truncation import truncate_latents, truncate_w, truncated_normal

__all__ = [
    "InversionResult", "attribute_direction", "interpolation_path", "invert", "latent_mean",
    "lerp", "mix_styles", "slerp", "style_groups", "style_mixing_grid", "truncate_latents",
    "truncate_w", "truncated_normal", "truncation_sweep", "vector_arithmetic",
]
