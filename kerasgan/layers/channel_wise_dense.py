"""The Context Encoder's channel-wise fully connected layer (Pathak et al., 2016, section 3.1)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ChannelWiseDense(keras.layers.Layer):
    """A fully connected layer per channel: each feature map is mapped to a new one.

    An `[batch, h, w, c]` input has `c` maps of `h * w` values; map `k` is
    multiplied by its own `(h * w) x (h * w)` matrix (plus a bias), so every
    output position sees every input position of the same channel but
    channels do not mix: `c * (h*w)^2` weights instead of a dense layer's
    `(c * h*w)^2`. The paper follows it with a 1x1 convolution to mix channels.

    Args:
        use_bias: add a per-channel, per-position bias.
        kernel_initializer: initializer of the `[c, h*w, h*w]` kernel.

    Examples:

    >>> layer = ChannelWiseDense()
    >>> tuple(layer(keras.ops.ones((2, 4, 4, 8))).shape)
    (2, 4, 4, 8)
    >>> layer.count_params()  # 8 * 16 * 16 weights + 8 * 16 biases
    2176
    """

    def __init__(self, use_bias=True, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if len(input_shape) != 4 or None in input_shape[1:]:
            raise ValueError("ChannelWiseDense needs [batch, h, w, c] inputs of known size. "
                             f"Received: input_shape={input_shape}")
        _, height, width, channels = input_shape
        positions = height * width
        self.kernel = self.add_weight(shape=(channels, positions, positions),
                                      initializer=self.kernel_initializer, name="kernel")
        self.bias = self.add_weight(shape=(channels, positions), initializer="zeros",
                                    name="bias") if self.use_bias else None

    def call(self, x):
        batch = ops.shape(x)[0]
        _, height, width, channels = x.shape
        maps = ops.reshape(ops.transpose(x, (0, 3, 1, 2)), (batch, channels, height * width))
        out = ops.einsum("bcp,cpq->bcq", maps, ops.cast(self.kernel, x.dtype))
        if self.bias is not None:
            out = out + ops.cast(self.bias, x.dtype)
        return ops.transpose(ops.reshape(out, (batch, channels, height, width)), (0, 2, 3, 1))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
