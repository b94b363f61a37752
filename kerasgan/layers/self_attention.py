"""Self-attention over spatial positions (SAGAN; BigGAN's variant with pooled keys)."""

import keras
from keras import ops

from kerasgan.layers.spectral_norm import SpectralNormalization


@keras.saving.register_keras_serializable(package="kerasgan")
class SelfAttention(keras.layers.Layer):
    """SAGAN self-attention: `x + gamma * o`, attention over all spatial positions.

    Three 1x1 projections of the input feature map: queries f(x) and keys
    g(x) with `channels // key_divisor` channels, values h(x) with
    `channels // value_divisor` channels. The attention of position i over
    position j is `softmax_j(f(x)_i . g(x)_j)`; the attended values are
    projected back to `channels` by a 1x1 convolution v and added to the
    input, scaled by a learned `gamma` initialized at 0 (so the layer starts
    as the identity).

    The defaults are those of the official SAGAN code (brain-research
    self-attention-gan, `sn_non_local_block_sim`) and of BigGAN: keys C/8,
    values C/2, both max-pooled 2x2 (`pool_keys=True`, a quarter of the
    positions), no biases, spectral normalization. The SAGAN paper's text
    describes the unpooled form with C-channel values: `value_divisor=1,
    pool_keys=False`.

    Args:
        key_divisor: query/key channels are `channels // key_divisor`.
        value_divisor: value channels are `channels // value_divisor`.
        pool_keys: max-pool keys and values 2x2 before attending.
        spectral_norm: wrap the four 1x1 convolutions in spectral normalization.
        kernel_initializer: initializer of the projections (BigGAN: orthogonal).

    Examples:

    >>> layer = SelfAttention()
    >>> tuple(layer(keras.random.normal((2, 8, 8, 16))).shape)
    (2, 8, 8, 16)
    """

    def __init__(self, key_divisor=8, value_divisor=2, pool_keys=True, spectral_norm=True,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        for name, value in (("key_divisor", key_divisor), ("value_divisor", value_divisor)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        self.key_divisor = key_divisor
        self.value_divisor = value_divisor
        self.pool_keys = pool_keys
        self.spectral_norm = spectral_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def _conv(self, filters, name):
        conv = keras.layers.Conv2D(filters, 1, use_bias=False, name=name, dtype=self.dtype_policy,
                                   kernel_initializer=self.kernel_initializer)
        if self.spectral_norm:
            return SpectralNormalization(conv, name=f"{name}_sn",
                                                      dtype=self.dtype_policy)
        return conv

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Expected NHWC feature maps with known channels. "
                             f"Received: input_shape={input_shape}")
        if self.pool_keys and any(d is not None and d % 2 for d in input_shape[1:3]):
            raise ValueError(f"pool_keys=True halves the positions and needs an even height and "
                             f"width. Received: input_shape={input_shape}")
        channels = int(input_shape[-1])
        keys = channels // self.key_divisor
        values = channels // self.value_divisor
        if keys < 1 or values < 1:
            raise ValueError(
                f"{channels} channels are too few for key_divisor={self.key_divisor} and "
                f"value_divisor={self.value_divisor}."
            )
        self.query_conv = self._conv(keys, "query")
        self.key_conv = self._conv(keys, "key")
        self.value_conv = self._conv(values, "value")
        self.output_conv = self._conv(channels, "output")
        self.query_conv.build(input_shape)
        self.key_conv.build(input_shape)
        self.value_conv.build(input_shape)
        self.output_conv.build((*input_shape[:-1], values))
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

    def _keys_and_values(self, x, training):
        k = self.key_conv(x, training=training)
        v = self.value_conv(x, training=training)
        if self.pool_keys:
            k = ops.max_pool(k, 2, strides=2)
            v = ops.max_pool(v, 2, strides=2)
        return k, v

    def attention(self, x, training=False):
        """The attention matrix [batch, positions, key positions]; each row sums to 1."""
        q = self.query_conv(x, training=training)
        k, _ = self._keys_and_values(x, training)
        return self._softmax(q, k)

    def _softmax(self, q, k):
        batch = ops.shape(q)[0]
        q = ops.reshape(q, (batch, -1, q.shape[-1]))
        k = ops.reshape(k, (batch, -1, k.shape[-1]))
        logits = ops.matmul(q, ops.transpose(k, (0, 2, 1)))
        return ops.softmax(ops.cast(logits, "float32"), axis=-1)

    def call(self, x, training=False):
        q = self.query_conv(x, training=training)
        k, v = self._keys_and_values(x, training)
        weights = ops.cast(self._softmax(q, k), v.dtype)
        shape = ops.shape(x)
        v = ops.reshape(v, (shape[0], -1, v.shape[-1]))
        # The static channel count keeps the output convolution's shape known (tf2onnx
        # cannot convert the call otherwise).
        attended = ops.reshape(ops.matmul(weights, v), (shape[0], shape[1], shape[2],
                                                        v.shape[-1]))
        out = self.output_conv(attended, training=training)
        return x + ops.cast(self.gamma, out.dtype) * out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "key_divisor": self.key_divisor,
            "value_divisor": self.value_divisor,
            "pool_keys": self.pool_keys,
            "spectral_norm": self.spectral_norm,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        })
        return config
