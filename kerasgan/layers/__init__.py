"""Reusable layers, one per file, and the shared normalization helpers (`norms`)."""

from kerasgan.layers import norms
from kerasgan.layers.channel_bias import ChannelBias
from kerasgan.layers.channel_wise_dense import ChannelWiseDense
from kerasgan.layers.conditional_batch_norm import ConditionalBatchNormalization
from kerasgan.layers.equalized_conv import EqualizedConv2D
from kerasgan.layers.equalized_dense import EqualizedDense
from kerasgan.layers.global_batch_dropout import GlobalBatchDropout
from kerasgan.layers.global_sum_pooling import GlobalSumPooling2D
from kerasgan.layers.held_at_zero import HeldAtZero
from kerasgan.layers.latent_chunks import LatentChunks
from kerasgan.layers.level_of_detail import LevelOfDetail
from kerasgan.layers.lod_blend import LodBlend
from kerasgan.layers.minibatch_stddev import MinibatchStdDev
from kerasgan.layers.orthogonal import OffDiagonalOrthogonal
from kerasgan.layers.paste_center import PasteCenter
from kerasgan.layers.pixel_norm import PixelNormalization
from kerasgan.layers.projection import ProjectionHead
from kerasgan.layers.reflection_pad import ReflectionPadding2D
from kerasgan.layers.self_attention import SelfAttention
from kerasgan.layers.spectral_norm import SpectralNormalization, sn_conv, sn_dense
from kerasgan.layers.test_time_batch_norm import TestTimeBatchNormalization
from kerasgan.layers.test_time_dropout import TestTimeDropout

__all__ = [
    "ChannelBias",
    "ChannelWiseDense",
    "ConditionalBatchNormalization",
    "EqualizedConv2D",
    "EqualizedDense",
    "GlobalBatchDropout",
    "GlobalSumPooling2D",
    "HeldAtZero",
    "LatentChunks",
    "LevelOfDetail",
    "LodBlend",
    "MinibatchStdDev",
    "OffDiagonalOrthogonal",
    "PasteCenter",
    "PixelNormalization",
    "ProjectionHead",
    "ReflectionPadding2D",
    "SelfAttention",
    "SpectralNormalization",
    "TestTimeBatchNormalization",
    "TestTimeDropout",
    "norms",
    "sn_conv",
    "sn_dense",
]
