"""Reusable layers, one per file, and the shared normalization helpers (`norms`)."""

from kerasgan.layers import norms
from kerasgan.layers.blur2d import Blur2D
from kerasgan.layers.channel_bias import ChannelBias
from kerasgan.layers.channel_wise_dense import ChannelWiseDense
from kerasgan.layers.conditional_batch_norm import ConditionalBatchNormalization
from kerasgan.layers.constant_input import ConstantInput
from kerasgan.layers.equalized_conv import EqualizedConv2D
from kerasgan.layers.equalized_dense import EqualizedDense
from kerasgan.layers.global_batch_dropout import GlobalBatchDropout
from kerasgan.layers.global_sum_pooling import GlobalSumPooling2D
from kerasgan.layers.held_at_zero import HeldAtZero
from kerasgan.layers.latent_chunks import LatentChunks
from kerasgan.layers.level_of_detail import LevelOfDetail
from kerasgan.layers.lod_blend import LodBlend
from kerasgan.layers.minibatch_stddev import MinibatchStdDev
from kerasgan.layers.noise_injection import NoiseInjection
from kerasgan.layers.orthogonal import OffDiagonalOrthogonal
from kerasgan.layers.paste_center import PasteCenter
from kerasgan.layers.pixel_norm import PixelNormalization
from kerasgan.layers.projection import ProjectionHead
from kerasgan.layers.reflection_pad import ReflectionPadding2D
from kerasgan.layers.self_attention import SelfAttention
from kerasgan.layers.spectral_norm import SpectralNormalization, sn_conv, sn_dense
from kerasgan.layers.style_modulation import StyleModulation
from kerasgan.layers.test_time_batch_norm import TestTimeBatchNormalization
from kerasgan.layers.test_time_dropout import TestTimeDropout
from kerasgan.layers.truncation_trick import TruncationTrick

__all__ = [
    "Blur2D",
    "ChannelBias",
    "ChannelWiseDense",
    "ConditionalBatchNormalization",
    "ConstantInput",
    "EqualizedConv2D",
    "EqualizedDense",
    "GlobalBatchDropout",
    "GlobalSumPooling2D",
    "HeldAtZero",
    "LatentChunks",
    "LevelOfDetail",
    "LodBlend",
    "MinibatchStdDev",
    "NoiseInjection",
    "OffDiagonalOrthogonal",
    "PasteCenter",
    "PixelNormalization",
    "ProjectionHead",
    "ReflectionPadding2D",
    "SelfAttention",
    "SpectralNormalization",
    "StyleModulation",
    "TestTimeBatchNormalization",
    "TestTimeDropout",
    "TruncationTrick",
    "norms",
    "sn_conv",
    "sn_dense",
]
