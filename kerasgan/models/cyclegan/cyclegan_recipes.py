"""The CycleGAN recipe: ResNet generators, 70x70 PatchGANs, LSGAN + cycle + identity."""

from kerasgan.models.cyclegan.cyclegan_gan import CycleGAN
from kerasgan.models.cyclegan.resnet_generator import ResNetGenerator
from kerasgan.models.pix2pix.patchgan_discriminator import PatchGANDiscriminator
from kerasgan.models.registry import Argument, Recipe, image_arguments, register_recipe
from kerasgan.models.translation import (
    linear_decay_schedule,
    patch_layers_for,
    translation_optimizers,
)


def build_cyclegan(image_size=256, channels_a=3, channels_b=3, base_filters=64, num_blocks=9,
                   d_layers=3, norm="instance", use_dropout=False, cycle_weight=10.0,
                   identity_weight=0.5, pool_size=50, gan_mode="lsgan", seed=0,
                   constant_steps=None, decay_steps=None, ema_decay=None, compile=True,
                   compile_args=None):
    """CycleGAN: the official horse2zebra configuration (`resnet_9blocks`, 70x70 PatchGANs).

    Two ResNet generators (A -> B, B -> A) and two 3-channel PatchGANs with
    affine-free instance norm, no dropout; least-squares GAN loss, cycle
    lambda 10, identity 0.5 * lambda, image pools of 50; Adam(2e-4,
    beta_1=0.5), constant for `constant_steps` then linearly to 0 over
    `decay_steps` when given (the official 100 + 100 epochs).

    Examples:

    >>> import numpy as np
    >>> gan = build_cyclegan(image_size=16, base_filters=4, num_blocks=1, d_layers=2)
    >>> gan.translate(np.zeros((2, 16, 16, 3), "float32"), direction="b_to_a").shape
    (2, 16, 16, 3)
    """
    def generator(channels_in, channels_out, name):
        return ResNetGenerator(image_size=image_size, input_channels=channels_in,
                               output_channels=channels_out, num_blocks=num_blocks,
                               base_filters=base_filters, norm=norm, use_dropout=use_dropout,
                               name=name)

    def discriminator(channels, name):
        return PatchGANDiscriminator(image_size=image_size, input_channels=channels,
                                     base_filters=base_filters, num_layers=d_layers, norm=norm,
                                     name=name)

    gan = CycleGAN(generator(channels_a, channels_b, "generator_ab"),
                   generator(channels_b, channels_a, "generator_ba"),
                   discriminator(channels_b, "discriminator_b"),
                   discriminator(channels_a, "discriminator_a"),
                   cycle_weight=cycle_weight, identity_weight=identity_weight,
                   pool_size=pool_size, gan_mode=gan_mode, seed=seed, ema_decay=ema_decay)
    if compile:
        optimizers = translation_optimizers(constant_steps=constant_steps,
                                            decay_steps=decay_steps)
        gan.compile(**{**optimizers, **(compile_args or {})})
    return gan


def _recipe_builder(image_size=64, channels=3, base_filters=64, d_layers=None,
                    num_blocks=None, **kwargs):
    # The official recipes: 9 residual blocks at 256x256, 6 below.
    return build_cyclegan(image_size=image_size, channels_a=channels, channels_b=channels,
                          base_filters=base_filters,
                          num_blocks=num_blocks or (9 if image_size >= 256 else 6),
                          d_layers=d_layers or patch_layers_for(image_size), compile=False,
                          **kwargs)


_OPTIMIZERS = {key: {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}
               for key in ("g_optimizer", "d_optimizer")}


register_recipe(Recipe(
    name="cyclegan", family="cyclegan",
    description="CycleGAN (Zhu et al., 2017): ResNet generators, PatchGANs, LSGAN, cycle + "
                "identity; unpaired data (shapes: domain A <-> B).",
    task="unpaired", builder=_recipe_builder,
    arguments=image_arguments(image_size=64, base_filters=64, latent_dim=False) + (
        Argument("d_layers", int, None, "PatchGAN depth (default: 3 from 24 px, fewer below)"),
        Argument("num_blocks", int, None, "residual blocks (default: 9 from 256 px, else 6)"),
        Argument("cycle_weight", float, None, "lambda of the cycle losses (10)"),
        Argument("identity_weight", float, None, "identity weight relative to lambda (0.5)"),
        Argument("pool_size", int, None, "past fakes kept per discriminator (50)"),
        Argument("jitter", bool, True, "random resize-crop-flip of the training images",
                 target="data"),
    ),
    compile={"loss": "least_squares", "d_steps": 1, **_OPTIMIZERS},
    schedule=linear_decay_schedule,
))
