"""A learned constant image, the synthesis network's first input (StyleGAN's `const`)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ConstantInput(keras.layers.Layer):
    """Outputs one learned `[size, size, channels]` tensor for every example of the batch.

    The official StyleGAN synthesis network starts from a constant of shape
    `[1, nf(1), 4, 4]` initialized to ones and tiled over the batch. The
    layer's input only gives the batch size (StyleGAN passes it the W+
    latents). Weights: `size * size * channels`.

    Args:
        channels: feature maps of the constant.
        size: its height and width.

    Examples:

    >>> import numpy as np
    >>> layer = ConstantInput(8)
    >>> y = layer(np.zeros((3, 5), "float32"))
    >>> tuple(y.shape), float(np.asarray(y).min()), layer.count_params()
    ((3, 4, 4, 8), 1.0, 128)
    """

    def __init__(self, channels, size=4, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("channels", channels), ("size", size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. "
                                 f"Received: {name}={value!r}")
        self.channels = channels
        self.size = size

    def build(self, input_shape):
        self.const = self.add_weight(shape=(self.size, self.size, self.channels),
                                     initializer="ones", name="const")

    def call(self, x):
        const = ops.cast(self.const, self.compute_dtype)[None]
        return ops.tile(const, (ops.shape(x)[0], 1, 1, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}
