"""The projection discriminator's output head (Miyato & Koyama, 2018)."""

import keras
from keras import ops

from kerasgan.layers.spectral_norm import SpectralNormalization


@keras.saving.register_keras_serializable(package="kerasgan")
class ProjectionHead(keras.layers.Layer):
    """`psi(phi) + <embed(y), phi>`: an unconditional logit plus the class projection.

    Called on `[features, labels]` with pooled features `phi` [batch, d] and
    integer labels [batch]; returns float32 logits [batch, 1].

    Args:
        num_classes: the number of classes of the embedding.
        spectral_norm: spectral normalization on the linear map and the
            embedding (as in the paper and in SAGAN/BigGAN).
        kernel_initializer: initializer of the linear map and the embedding.

    Examples:

    >>> head = ProjectionHead(num_classes=10)
    >>> logits = head([keras.random.normal((4, 32)), keras.ops.array([0, 1, 2, 3])])
    >>> tuple(logits.shape)
    (4, 1)
    """

    def __init__(self, num_classes, spectral_norm=True, kernel_initializer="glorot_uniform",
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"`num_classes` must be a positive integer. "
                             f"Received: num_classes={num_classes!r}")
        self.num_classes = num_classes
        self.spectral_norm = spectral_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        features_shape, _ = input_shape
        dim = int(features_shape[-1])
        self.linear = keras.layers.Dense(1, kernel_initializer=self.kernel_initializer,
                                         dtype=self.dtype_policy, name="linear")
        # The embedding is a [num_classes, d] kernel applied to one-hot labels, so
        # spectral normalization can wrap it like any dense kernel.
        self.embedding = keras.layers.Dense(dim, use_bias=False, name="embedding",
                                            kernel_initializer=self.kernel_initializer,
                                            dtype=self.dtype_policy)
        if self.spectral_norm:
            self.linear = SpectralNormalization(self.linear, name="linear_sn",
                                                             dtype=self.dtype_policy)
            self.embedding = SpectralNormalization(
                self.embedding, name="embedding_sn", dtype=self.dtype_policy)
        self.linear.build(features_shape)
        self.embedding.build((None, self.num_classes))

    def call(self, inputs, training=False):
        features, labels = inputs
        one_hot = ops.one_hot(ops.reshape(ops.cast(labels, "int32"), (-1,)), self.num_classes,
                              dtype=features.dtype)
        embedded = self.embedding(one_hot, training=training)
        projection = ops.sum(embedded * features, axis=-1, keepdims=True)
        logits = self.linear(features, training=training) + projection
        return ops.cast(logits, "float32")

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "spectral_norm": self.spectral_norm,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        })
        return config
