"""The conditional GAN generator (Mirza & Osindero, 2014) on the DCGAN networks."""

import keras

from kerasgan.models.dcgan.dcgan_generator import DCGANGenerator
from kerasgan.models.network import Network


@keras.saving.register_keras_serializable(package="kerasgan")
class CGANGenerator(Network):
    """Conditional generator: a learned label embedding joined to `z`, then a DCGAN generator.

    Inputs `z` [batch, latent_dim] and `labels` [batch] (int32); the label's
    `embedding_dim`-vector is concatenated to `z` and the DCGAN generator
    (`dcgan` sub-model, built with `latent_dim + embedding_dim` inputs) maps
    the result to an image, as Mirza & Osindero join y to z at the generator's
    input.

    Args:
        num_classes: the number of classes.
        embedding_dim: size of the label embedding.
        latent_dim, image_size, channels, base_filters, max_filters, upsampling,
        batch_norm, synchronized_batch_norm, kernel_initializer_stddev: as in
            `DCGANGenerator`.

    Examples:

    >>> import numpy as np
    >>> g = CGANGenerator(num_classes=6, latent_dim=8, image_size=32, base_filters=4)
    >>> g([np.zeros((2, 8), "float32"), np.array([0, 5])]).shape
    TensorShape([2, 32, 32, 3])
    """

    def __init__(self, num_classes, embedding_dim=50, latent_dim=100, image_size=64, channels=3,
                 base_filters=64, max_filters=None, upsampling="transpose", batch_norm=True,
                 synchronized_batch_norm=False, kernel_initializer_stddev=0.02,
                 name="cgan_generator", **kwargs):
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an integer >= 2. "
                             f"Received: num_classes={num_classes!r}")
        if not isinstance(embedding_dim, int) or embedding_dim < 1:
            raise ValueError(f"`embedding_dim` must be a positive integer. "
                             f"Received: embedding_dim={embedding_dim!r}")
        body = DCGANGenerator(
            latent_dim=latent_dim + embedding_dim, image_size=image_size, channels=channels,
            base_filters=base_filters, max_filters=max_filters, upsampling=upsampling,
            batch_norm=batch_norm, synchronized_batch_norm=synchronized_batch_norm,
            kernel_initializer_stddev=kernel_initializer_stddev, name="dcgan",
        )
        z = keras.Input((latent_dim,), name="z")
        labels = keras.Input((), dtype="int32", name="labels")
        embedded = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(
            labels)
        joined = keras.layers.Concatenate(name="join")([z, embedded])
        images = body(joined)
        super().__init__(inputs=[z, labels], outputs=images, name=name, **kwargs)
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.latent_dim = latent_dim
        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.max_filters = max_filters
        self.upsampling = upsampling
        self.batch_norm = batch_norm
        self.synchronized_batch_norm = synchronized_batch_norm
        self.kernel_initializer_stddev = kernel_initializer_stddev
