"""The CycleGAN recipe: ResNet generators, 70x70 PatchGANs, LSGAN + cycle + identity."""

from kerasgan.models.cyclegan.cyclegan_gan import CycleGAN
from kerasgan.models.cyclegan.resnet_generator import ResNetGenerator
from kerasgan.models.pix2pix.patchgan_discriminator import PatchGANDiscriminator
from kerasgan.models.translation import translation_optimizers


def build_cyclegan(image_size=256, channels_a=3, channels_b=3, base_filters=64, num_blocks=9,
                   d_layers=3, norm="instance", use_dropout=False, cycle_weight=10.0,
                   identity_weight=0.5, pool_size=50, gan_mode="lsgan", seed=0,
                   constant_steps=None, decay_steps=None, compile=True, compile_args=None):
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
                   pool_size=pool_size, gan_mode=gan_mode, seed=seed)
    if compile:
        optimizers = translation_optimizers(constant_steps=constant_steps,
                                            decay_steps=decay_steps)
        gan.compile(**{**optimizers, **(compile_args or {})})
    return gan
