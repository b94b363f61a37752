"""Latent-space tools: interpolation, vector arithmetic, truncation, style mixing, inversion."""

from kerasgan.latent.truncation import truncate_latents, truncate_w, truncated_normal

__all__ = ["truncate_latents", "truncate_w", "truncated_normal"]
