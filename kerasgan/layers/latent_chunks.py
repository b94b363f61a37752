"""BigGAN's hierarchical latent: z split into equal chunks."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class LatentChunks(keras.layers.Layer):
    """Splits z [batch, d] into `num_chunks` equal chunks [batch, d / num_chunks].

    BigGAN's skip-z (Brock et al., 2019, section 3): the first chunk feeds the
    generator's linear map, each of the others one up-block's conditional
    batch norms. `d` must be divisible by `num_chunks`.

    Args:
        num_chunks: the number of chunks.

    Examples:

    >>> import numpy as np
    >>> first, second = LatentChunks(2)(np.arange(4, dtype="float32").reshape(1, 4))
    >>> np.asarray(first).tolist(), np.asarray(second).tolist()
    ([[0.0, 1.0]], [[2.0, 3.0]])
    """

    def __init__(self, num_chunks, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_chunks, int) or num_chunks < 1:
            raise ValueError(f"`num_chunks` must be a positive integer. "
                             f"Received: num_chunks={num_chunks!r}")
        self.num_chunks = num_chunks

    def build(self, input_shape):
        size = input_shape[-1]
        if size is not None and size % self.num_chunks:
            raise ValueError(f"A latent of size {size} does not split into {self.num_chunks} "
                             f"equal chunks. Received: input_shape={input_shape}")

    def call(self, z):
        return ops.split(z, self.num_chunks, axis=-1)

    def compute_output_shape(self, input_shape):
        size = None if input_shape[-1] is None else input_shape[-1] // self.num_chunks
        return [(input_shape[0], size)] * self.num_chunks

    def get_config(self):
        return {**super().get_config(), "num_chunks": self.num_chunks}
