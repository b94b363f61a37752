"""Adaptive instance normalization (AdaIN): StyleGAN's `instance_norm` followed by `style_mod`."""

import keras
from keras import ops

from kerasgan.layers.equalized_dense import EqualizedDense


@keras.saving.register_keras_serializable(package="kerasgan")
class StyleModulation(keras.layers.Layer):
    """Instance-normalizes `x` and applies a per-channel scale and bias computed from `w`.

    Inputs are `[x, w]`: feature maps `[batch, h, w, c]` and a style latent,
    `[batch, dim]`, or the W+ latents `[batch, num_layers, dim]` of which row
    `layer_index` is used. As the official StyleGAN `layer_epilogue`, `x` is
    first normalized per example and channel over its pixels (the official
    `instance_norm`: mean removed, divided by `sqrt(mean square + epsilon)`,
    in float32, no affine weights), then modulated by the official
    `style_mod`: an `EqualizedDense` from `w` to `2 * c` units with gain 1
    (its bias starting at zero), whose first `c` outputs are the scale and the
    last `c` the bias, and `x * (scale + 1) + bias`. So each channel of the
    output has mean `bias` and standard deviation `|scale + 1|` over its pixels.
    Weights: `dim * 2c + 2c` (the dense layer's, in the official order).

    Args:
        layer_index: the W+ row to use, or `None` when `w` is `[batch, dim]`.
        epsilon: added to the variance (official value 1e-8).

    Examples:

    >>> import numpy as np
    >>> layer = StyleModulation(layer_index=1)
    >>> x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    >>> y = np.asarray(layer([x, np.zeros((2, 5, 8), "float32")]))
    >>> y.shape, layer.count_params()  # 8 * 6 weights + 6 biases
    ((2, 4, 4, 3), 54)
    >>> [round(float(v), 4) for v in (y.mean(axis=(1, 2)).max(), y.std(axis=(1, 2)).min())]
    [0.0, 1.0]
    """

    def __init__(self, layer_index=None, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if layer_index is not None and (not isinstance(layer_index, int)
                                        or isinstance(layer_index, bool) or layer_index < 0):
            raise ValueError("`layer_index` must be None or a non-negative integer. "
                             f"Received: layer_index={layer_index!r}")
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon < 0:
            raise ValueError("`epsilon` must be a non-negative number. "
                             f"Received: epsilon={epsilon!r}")
        self.layer_index = layer_index
        self.epsilon = float(epsilon)

    def build(self, input_shapes):
        x_shape, w_shape = input_shapes
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError("StyleModulation needs [batch, h, w, c] feature maps with known c. "
                             f"Received: input_shape={x_shape}")
        rank = 2 if self.layer_index is None else 3
        if len(w_shape) != rank or w_shape[-1] is None:
            expected = "[batch, dim]" if rank == 2 else "[batch, num_layers, dim]"
            raise ValueError(f"StyleModulation with layer_index={self.layer_index} needs w as "
                             f"{expected}. Received: w shape={w_shape}")
        if rank == 3 and w_shape[1] is not None and self.layer_index >= w_shape[1]:
            raise ValueError(f"`layer_index` must be below the {w_shape[1]} W+ rows. "
                             f"Received: layer_index={self.layer_index}")
        self.channels = x_shape[-1]
        self.style = EqualizedDense(2 * self.channels, gain=1.0, name="style")
        self.style.build((w_shape[0], w_shape[-1]))

    def call(self, inputs):
        x, w = inputs
        if self.layer_index is not None:
            w = w[:, self.layer_index]
        x32 = ops.cast(x, "float32")
        x32 = x32 - ops.mean(x32, axis=(1, 2), keepdims=True)
        x32 = x32 * ops.rsqrt(ops.mean(ops.square(x32), axis=(1, 2), keepdims=True)
                              + self.epsilon)
        style = ops.cast(self.style(w), "float32")
        scale = style[:, None, None, :self.channels]
        bias = style[:, None, None, self.channels:]
        return ops.cast(x32 * (scale + 1.0) + bias, x.dtype)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "layer_index": self.layer_index,
                "epsilon": self.epsilon}
