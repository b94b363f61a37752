"""The conditional GAN recipe: CGAN networks with the DCGAN training set-up."""

import tensorflow as tf

from kerasgan.models.conditional.cgan_discriminator import CGANDiscriminator
from kerasgan.models.conditional.cgan_generator import CGANGenerator
from kerasgan.models.gan import GAN
from kerasgan.models.registry import Argument, Recipe, image_arguments, register_recipe

_CGAN_COMPILE = {
    "loss": "non_saturating",
    "g_optimizer": {"class_name": "Adam",
                    "config": {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}},
    "d_optimizer": {"class_name": "Adam",
                    "config": {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}},
    "d_steps": 1,
}


def build_cgan(num_classes, image_size=32, channels=3, latent_dim=100, embedding_dim=50,
               base_filters=64, fake_labels="uniform", ema_decay=None, seed=0,
               synchronized_batch_norm=None, compile=True, compile_args=None):
    """A conditional GAN (Mirza & Osindero) on the DCGAN networks, compiled like `dcgan`.

    Args:
        num_classes: the number of classes of the data's labels.
        image_size, channels, latent_dim, base_filters: the networks' sizes.
        embedding_dim: size of the generator's label embedding.
        fake_labels: `"uniform"` or `"data"` (see `GAN`).
        ema_decay, seed: as in `GAN`.
        synchronized_batch_norm: default: synchronized when built under a
            strategy with more than one replica.
        compile: compile with the non-saturating loss and Adam 2e-4, beta 0.5.
        compile_args: overrides of `compile`'s arguments.

    Examples:

    >>> gan = build_cgan(num_classes=6, image_size=32, base_filters=8, latent_dim=16)
    >>> gan.generate(6, labels=[0, 1, 2, 3, 4, 5]).shape
    (6, 32, 32, 3)
    """
    if synchronized_batch_norm is None:
        synchronized_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    generator = CGANGenerator(
        num_classes, embedding_dim=embedding_dim, latent_dim=latent_dim, image_size=image_size,
        channels=channels, base_filters=base_filters,
        synchronized_batch_norm=synchronized_batch_norm,
    )
    discriminator = CGANDiscriminator(
        num_classes, image_size=image_size, channels=channels, base_filters=base_filters,
        synchronized_batch_norm=synchronized_batch_norm,
    )
    gan = GAN(generator, discriminator, num_classes=num_classes, fake_labels=fake_labels,
              ema_decay=ema_decay, seed=seed)
    if compile:
        gan.compile(**{**_CGAN_COMPILE, **(compile_args or {})})
    return gan


register_recipe(Recipe(
    name="cgan", family="conditional",
    description="Conditional GAN (Mirza & Osindero, 2014) on DCGAN networks; labeled data.",
    task="class-conditional",
    builder=lambda **kwargs: build_cgan(compile=False, **kwargs),
    arguments=image_arguments(image_size=64) + (
        Argument("fake_labels", str, None, "labels of generated batches: uniform draws or "
                 "the real batch's", choices=("uniform", "data")),),
    compile=_CGAN_COMPILE,
))
