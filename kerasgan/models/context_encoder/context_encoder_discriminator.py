"""The Context Encoder discriminator (Pathak et al., 2016), as the official `train.lua`."""

import keras

from kerasgan.models.dcgan.dcgan_discriminator import DCGANDiscriminator


@keras.saving.register_keras_serializable(package="kerasgan")
class ContextEncoderDiscriminator(DCGANDiscriminator):
    """The adversarial discriminator on the predicted (or real) `image_size` center.

    The official center-region `netD` (`conditionAdv=0`, `ndf=64`, a 64x64
    center) layer for layer: Conv(4, 2, 1) 3->64 -> LeakyReLU(0.2), then
    Conv(4, 2, 1) -> BN -> LeakyReLU(0.2) with widths 128, 256, 512 down to
    4x4, then Conv(512->1, 4) to one logit (the official sigmoid belongs to
    the loss here; the output is float32 logits `(batch, 1)`). Kernels
    N(0, 0.02), batch-norm scales N(1, 0.02).

    That is the DCGAN discriminator but for the biases: every official
    convolution has one, filled with 0 by `weights_init` and zeroed again
    before every forward pass. Here each convolution has its bias too,
    initialized to 0 and held at 0 after each optimizer update
    (`kerasgan.layers.HeldAtZero`), so the parameter count is the official
    one: 2,766,529 (2,765,568 weights, batch-norm scales and shifts plus 961
    zero biases). Other sizes add or remove stride-2 stages (down to 4x4).

    Args:
        image_size: side of the judged center (the generator's `hole_size`),
            a power of two in [16, 256].
        channels: image channels.
        base_filters: width of the first layer (`ndf`).
        synchronized_batch_norm: synchronize batch statistics across replicas.

    Examples:

    >>> import numpy as np
    >>> d = ContextEncoderDiscriminator(image_size=16, base_filters=4)
    >>> d(np.zeros((2, 16, 16, 3), "float32")).shape
    TensorShape([2, 1])
    >>> sorted({float(abs(np.asarray(w)).max()) for w in d.weights if "bias" in w.path})
    [0.0]
    """

    _held_zero_biases = True

    def __init__(self, image_size=64, channels=3, base_filters=64, synchronized_batch_norm=False,
                 name="context_encoder_discriminator", **kwargs):
        super().__init__(image_size=image_size, channels=channels, base_filters=base_filters,
                         synchronized_batch_norm=synchronized_batch_norm, name=name, **kwargs)
