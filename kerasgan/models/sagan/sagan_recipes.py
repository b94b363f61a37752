"""The SAGAN recipe: hinge loss, TTUR (G 1e-4, D 4e-4), Adam beta = (0, 0.9), 1 D step."""

import tensorflow as tf

from kerasgan.models.gan import GAN
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

    >>> gan = build_sagan(num_classes=6, image_size=32, base_filters=4, latent_dim=16)
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
