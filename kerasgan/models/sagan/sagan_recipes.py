"""The SAGAN recipe: hinge loss, TTUR (G 1e-4, D 4e-4), Adam beta = (0, 0.9), 1 D step."""

import tensorflow as tf

from kerasgan.models.gan import GAN
from kerasgan.models.registry import Argument, Recipe, image_arguments, register_recipe
from kerasgan.models.sagan.sagan_discriminator import SAGANDiscriminator
from kerasgan.models.sagan.sagan_generator import SAGANGenerator


def _adam(learning_rate):
    return {"class_name": "Adam",
            "config": {"learning_rate": learning_rate, "beta_1": 0.0, "beta_2": 0.9}}


SAGAN_COMPILE = {"loss": "hinge", "g_optimizer": _adam(1e-4), "d_optimizer": _adam(4e-4),
                 "d_steps": 1}


def build_sagan(num_classes=1000, image_size=128, latent_dim=128, base_filters=64,
                channels=3, attention_resolution=32, ema_decay=None, seed=0,
                synchronized_batch_norm=None, batch_norm_momentum=0.9999, compile=True,
                compile_args=None):
    """SAGAN: the official ImageNet 128x128 configuration by default, compiled as in the paper.

    The paper's optimizer (Adam, beta = (0, 0.9), G 1e-4, D 4e-4, hinge loss,
    one D step per G step); the official code keeps TF's default beta_2 of
    0.999 instead.

    Examples:

    >>> gan = build_sagan(num_classes=6, image_size=32, base_filters=8, latent_dim=16)
    >>> gan.generate(6).shape
    (6, 32, 32, 3)
    """
    if synchronized_batch_norm is None:
        synchronized_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    generator = SAGANGenerator(
        num_classes, latent_dim=latent_dim, image_size=image_size, channels=channels,
        base_filters=base_filters, attention_resolution=attention_resolution,
        synchronized_batch_norm=synchronized_batch_norm, batch_norm_momentum=batch_norm_momentum,
    )
    discriminator = SAGANDiscriminator(
        num_classes, image_size=image_size, channels=channels, base_filters=base_filters,
        attention_resolution=attention_resolution,
    )
    gan = GAN(generator, discriminator, num_classes=num_classes, ema_decay=ema_decay, seed=seed)
    if compile:
        gan.compile(**{**SAGAN_COMPILE, **(compile_args or {})})
    return gan


def _recipe_builder(image_size=64, attention_resolution=None, batch_norm_momentum=0.99,
                    **kwargs):
    # The official 128x128 model attends at 32x32: a quarter of the image side. Its
    # batch-norm momentum (0.9999) is for million-step runs: the recipe uses 0.99.
    return build_sagan(image_size=image_size,
                       attention_resolution=attention_resolution or image_size // 4,
                       batch_norm_momentum=batch_norm_momentum, compile=False, **kwargs)


register_recipe(Recipe(
    name="sagan", family="sagan",
    description="SAGAN (Zhang et al., 2019): self-attention, conditional BN, projection D, "
                "hinge loss, TTUR.",
    task="class-conditional", builder=_recipe_builder,
    arguments=image_arguments(image_size=64) + (
        Argument("attention_resolution", int, None,
                 "feature-map side of the self-attention (default: a quarter of the image)"),
        Argument("batch_norm_momentum", float, 0.99,
                 "batch-norm momentum (the official 0.9999 is for million-step runs)"),
    ),
    compile=SAGAN_COMPILE,
))
