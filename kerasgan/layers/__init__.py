"""Reusable layers, one per file."""

from kerasgan.layers.channel_wise_dense import ChannelWiseDense
from kerasgan.layers.conditional_batch_norm import ConditionalBatchNormalization
from kerasgan.layers.global_sum_pooling import GlobalSumPooling2D
from kerasgan.layers.orthogonal import OffDiagonalOrthogonal
from kerasgan.layers.projection import ProjectionHead
from kerasgan.layers.reflection_pad import ReflectionPadding2D
from kerasgan.layers.self_attention import SelfAttention
from kerasgan.layers.spectral_norm import SpectralNormalization

__all__ = [
    "ChannelWiseDense",
    "ConditionalBatchNormalization",
    "GlobalSumPooling2D",
    "OffDiagonalOrthogonal",
    "ProjectionHead",
    "ReflectionPadding2D",
    "SelfAttention",
    "SpectralNormalization",
]
