"""Pixelwise feature vector normalization (Karras et al., 2018, section 4.2)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class PixelNormalization(keras.layers.Layer):
    """Scales every feature vector to unit mean square: `x / sqrt(mean(x^2) + epsilon)`.

    The mean is over the last (channel) axis, so a `[batch, h, w, c]` input is
    normalized per pixel and a `[batch, features]` input per example
    (StyleGAN normalizes its latents this way). No weights. The statistic is
    computed in float32 whatever the input's dtype, and the output has the
    input's dtype.

    Args:
        epsilon: added to the mean square (official value 1e-8).

    Examples:

    >>> layer = PixelNormalization()
    >>> y = layer(keras.ops.convert_to_tensor([[3.0, 4.0]]))
    >>> [round(float(v), 4) for v in y[0]]  # divided by sqrt((9 + 16) / 2)
    [0.8485, 1.1314]
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon < 0:
            raise ValueError("`epsilon` must be a non-negative number. "
                             f"Received: epsilon={epsilon!r}")
        self.epsilon = float(epsilon)

    def call(self, x):
        x32 = ops.cast(x, "float32")
        scale = ops.rsqrt(ops.mean(ops.square(x32), axis=-1, keepdims=True) + self.epsilon)
        return ops.cast(x32 * scale, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
