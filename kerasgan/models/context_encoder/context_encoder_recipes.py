"""The Context Encoder recipe: the official center-region training of `train.lua`."""

import tensorflow as tf

from kerasgan.models.context_encoder.context_encoder_discriminator import (
    ContextEncoderDiscriminator,
)
from kerasgan.models.context_encoder.context_encoder_gan import ContextEncoder
from kerasgan.models.context_encoder.context_encoder_generator import ContextEncoderGenerator
from kerasgan.models.registry import Argument, Recipe, image_arguments, register_recipe


def _adam(learning_rate):
    return {"class_name": "Adam", "config": {"learning_rate": learning_rate, "beta_1": 0.5}}


# With 0 < wtl2 < 1 the official code trains G at 10x the base learning rate of 2e-4.
CONTEXT_ENCODER_COMPILE = {"g_optimizer": _adam(2e-3), "d_optimizer": _adam(2e-4)}


def build_context_encoder(image_size=128, hole_size=None, channels=3, base_filters=64,
                          bottleneck="conv", bottleneck_dim=4000, overlap=4, seed=0,
                          synchronized_batch_norm=None, ema_decay=None, compile=True,
                          compile_args=None):
    """A Context Encoder: the official Paris StreetView center configuration by default.

    The discriminator is the official one: a DCGAN discriminator on the
    `hole_size` center (Conv 4x4 stride 2 stages, BN but on the first,
    LeakyReLU(0.2), a 4x4 logit).

    Examples:

    >>> gan = build_context_encoder(image_size=32, base_filters=4, bottleneck_dim=16)
    >>> gan.generator.output.shape, gan.discriminator.input.shape
    ((None, 16, 16, 3), (None, 16, 16, 3))
    """
    if synchronized_batch_norm is None:
        synchronized_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    generator = ContextEncoderGenerator(
        image_size=image_size, hole_size=hole_size, channels=channels, base_filters=base_filters,
        bottleneck=bottleneck, bottleneck_dim=bottleneck_dim,
        synchronized_batch_norm=synchronized_batch_norm)
    discriminator = ContextEncoderDiscriminator(
        image_size=generator.hole_size, channels=channels, base_filters=base_filters,
        synchronized_batch_norm=synchronized_batch_norm)
    gan = ContextEncoder(generator, discriminator, overlap=overlap, seed=seed, ema_decay=ema_decay)
    if compile:
        gan.compile(**{**CONTEXT_ENCODER_COMPILE, **(compile_args or {})})
    return gan


register_recipe(Recipe(
    name="context_encoder", family="context_encoder",
    description="Context Encoder (Pathak et al., 2016): center inpainting, L2 + 0.001 GAN; any "
                "images.",
    task="inpainting",
    builder=lambda image_size=64, **kwargs: build_context_encoder(
        image_size=image_size, compile=False, **kwargs),
    arguments=image_arguments(image_size=64, base_filters=64, latent_dim=False) + (
        Argument("bottleneck_dim", int, None, "channels of the bottleneck (4000)"),
    ),
    compile={"loss": "non_saturating", "d_steps": 1, **CONTEXT_ENCODER_COMPILE},
))
