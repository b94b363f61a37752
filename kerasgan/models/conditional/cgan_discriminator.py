"""The conditional GAN discriminator (Mirza & Osindero, 2014) on the DCGAN networks."""

import keras

from kerasgan.models.dcgan.dcgan_discriminator import DCGANDiscriminator
from kerasgan.models.network import Network


@keras.saving.register_keras_serializable(package="kerasgan")
class CGANDiscriminator(Network):
    """Conditional discriminator: the label as an extra input plane, then a DCGAN discriminator.

    Inputs `images` and `labels` (int32); each label is embedded as a learned
    `image_size x image_size` plane that is stacked on the image's channels,
    so the DCGAN discriminator (`dcgan` sub-model, `channels + 1` input
    channels) sees y joined to x at its input, as in Mirza & Osindero.

    Args:
        num_classes: the number of classes.
        image_size, channels, base_filters, max_filters, normalization,
        synchronized_batch_norm, kernel_initializer_stddev, leaky_relu_slope:
            as in `DCGANDiscriminator`.

    Examples:

    >>> import numpy as np
    >>> d = CGANDiscriminator(num_classes=6, image_size=32, base_filters=4)
    >>> d([np.zeros((2, 32, 32, 3), "float32"), np.array([0, 5])]).shape
    TensorShape([2, 1])
    """

    def __init__(self, num_classes, image_size=64, channels=3, base_filters=64, max_filters=None,
                 normalization="batch", synchronized_batch_norm=False,
                 kernel_initializer_stddev=0.02, leaky_relu_slope=0.2,
                 name="cgan_discriminator", **kwargs):
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an integer >= 2. "
                             f"Received: num_classes={num_classes!r}")
        if channels not in (1, 3):
            raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels}")
        body = DCGANDiscriminator(
            image_size=image_size, channels=channels + 1, base_filters=base_filters,
            max_filters=max_filters, normalization=normalization,
            synchronized_batch_norm=synchronized_batch_norm,
            kernel_initializer_stddev=kernel_initializer_stddev,
            leaky_relu_slope=leaky_relu_slope, name="dcgan",
        )
        images = keras.Input((image_size, image_size, channels), name="images")
        labels = keras.Input((), dtype="int32", name="labels")
        plane = keras.layers.Embedding(num_classes, image_size * image_size,
                                       name="label_plane")(labels)
        plane = keras.layers.Reshape((image_size, image_size, 1), name="plane_to_map")(plane)
        joined = keras.layers.Concatenate(name="join")([images, plane])
        logits = body(joined)
        super().__init__(inputs=[images, labels], outputs=logits, name=name, **kwargs)
        self.num_classes = num_classes
        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.max_filters = max_filters
        self.normalization = normalization
        self.synchronized_batch_norm = synchronized_batch_norm
        self.kernel_initializer_stddev = kernel_initializer_stddev
        self.leaky_relu_slope = leaky_relu_slope
