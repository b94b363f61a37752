"""The BigGAN recipe: hinge loss, 2 D steps, Adam beta = (0, 0.999), G 5e-5 / D 2e-4, G EMA."""

import tensorflow as tf

from kerasgan.models.biggan.biggan_discriminator import BigGANDiscriminator
from kerasgan.models.biggan.biggan_generator import BigGANGenerator
from kerasgan.models.gan import GAN
from kerasgan.models.registry import Argument, Recipe, image_arguments, register_recipe


def _adam(learning_rate):
    return {"class_name": "Adam",
            "config": {"learning_rate": learning_rate, "beta_1": 0.0, "beta_2": 0.999,
                       "epsilon": 1e-6}}


BIGGAN_COMPILE = {"loss": "hinge", "g_optimizer": _adam(5e-5), "d_optimizer": _adam(2e-4),
                  "d_steps": 2}


def build_biggan(num_classes=1000, image_size=128, latent_dim=120, base_filters=96,
                 shared_dim=128, channels=3, attention_resolution=64, hierarchical=True,
                 orthogonal_reg=1e-4, ema_decay=0.9999, ema_start_step=20_000, seed=0,
                 synchronized_batch_norm=None, compile=True, compile_args=None):
    """BigGAN: the official ImageNet 128x128 configuration by default, compiled as in the paper.

    The paper's 128x128 training setup: hinge loss, two discriminator steps
    per generator step, Adam with beta = (0, 0.999) and epsilon 1e-6, learning
    rates 5e-5 (G) and 2e-4 (D), orthogonal regularization beta = 1e-4 on
    G, and an exponential moving average of G's weights (decay 0.9999)
    started after 20,000 generator steps (BigGAN-PyTorch's `ema_start`).
    Sample with the truncation trick through `generate(..., truncation=T)`.

    Examples:

    >>> gan = build_biggan(num_classes=6, image_size=32, base_filters=4, latent_dim=16,
    ...                    shared_dim=8, attention_resolution=16)
    >>> gan.generate(6, truncation=0.5).shape
    (6, 32, 32, 3)
    """
    if synchronized_batch_norm is None:
        synchronized_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    generator = BigGANGenerator(
        num_classes, image_size=image_size, latent_dim=latent_dim, base_filters=base_filters,
        shared_dim=shared_dim, channels=channels, attention_resolution=attention_resolution,
        hierarchical=hierarchical, orthogonal_reg=orthogonal_reg,
        synchronized_batch_norm=synchronized_batch_norm,
    )
    discriminator = BigGANDiscriminator(
        num_classes, image_size=image_size, base_filters=base_filters, channels=channels,
        attention_resolution=attention_resolution,
    )
    gan = GAN(generator, discriminator, num_classes=num_classes, ema_decay=ema_decay,
              ema_start_step=ema_start_step, seed=seed)
    if compile:
        gan.compile(**{**BIGGAN_COMPILE, **(compile_args or {})})
    return gan


def _recipe_builder(image_size=64, attention_resolution=None, **kwargs):
    # The official 128x128 model attends at 64x64: half the image side.
    return build_biggan(image_size=image_size,
                        attention_resolution=attention_resolution or image_size // 2,
                        compile=False, **kwargs)


register_recipe(Recipe(
    name="biggan", family="biggan",
    description="BigGAN (Brock et al., 2019): skip-z, shared embedding, hinge loss, 2 D steps, "
                "G EMA.",
    task="class-conditional", builder=_recipe_builder,
    arguments=image_arguments(image_size=64) + (
        Argument("attention_resolution", int, None,
                 "feature-map side of the self-attention (default: half the image)"),
    ),
    compile=BIGGAN_COMPILE,
))
