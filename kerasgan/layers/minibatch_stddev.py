"""The minibatch standard deviation layer (Karras et al., 2018, section 3)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class MinibatchStdDev(keras.layers.Layer):
    """Appends the average standard deviation over groups of the batch as extra channels.

    As the official ProGAN / StyleGAN layer, on NHWC: the batch of `N`
    examples is split into `M = N / G` groups of `G = min(group_size, N)`,
    example `n` belonging to group `n % M` (the official
    `reshape([G, -1, ...])` order); channels are split into `num_features`
    contiguous blocks. For each group and block the standard deviation over
    the group's `G` examples (`sqrt(variance + 1e-8)`, biased variance) is
    averaged over the block's channels and every pixel, and the result is
    appended as `num_features` constant channels to every example of the
    group. Statistics are computed in float32. No weights.

    Args:
        group_size: examples per group (at most the batch size); the batch
            must be a multiple of `min(group_size, batch)`.
        num_features: statistic channels appended (ProGAN 1, StyleGAN 1,
            StyleGAN2 1 with a group of 4); must divide the channel count.

    Examples:

    >>> layer = MinibatchStdDev(group_size=2)
    >>> x = keras.ops.reshape(keras.ops.arange(16, dtype="float32"), (4, 2, 1, 2))
    >>> y = layer(x)
    >>> tuple(y.shape)
    (4, 2, 1, 3)
    >>> round(float(y[0, 0, 0, 2]), 4)  # examples 0 and 2 differ by 8 everywhere: std 4
    4.0
    """

    def __init__(self, group_size=4, num_features=1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(group_size, int) or isinstance(group_size, bool) or group_size < 1:
            raise ValueError("`group_size` must be a positive integer. "
                             f"Received: group_size={group_size!r}")
        if not isinstance(num_features, int) or isinstance(num_features, bool) or num_features < 1:
            raise ValueError("`num_features` must be a positive integer. "
                             f"Received: num_features={num_features!r}")
        self.group_size = group_size
        self.num_features = num_features

    def build(self, input_shape):
        if len(input_shape) != 4 or None in input_shape[1:]:
            raise ValueError("MinibatchStdDev needs [batch, h, w, c] inputs of known size. "
                             f"Received: input_shape={input_shape}")
        if input_shape[-1] % self.num_features:
            raise ValueError(f"`num_features` must divide the {input_shape[-1]} channels. "
                             f"Received: num_features={self.num_features}")

    def call(self, x):
        _, height, width, channels = x.shape
        batch = x.shape[0]
        if batch is not None:
            group = min(self.group_size, batch)
            if batch % group:
                raise ValueError(f"MinibatchStdDev needs a batch divisible by its group size. "
                                 f"Received: batch={batch}, group_size={group}")
        else:
            batch = ops.shape(x)[0]
            group = ops.minimum(self.group_size, batch)
        features = self.num_features
        y = ops.reshape(ops.cast(x, "float32"),
                        (group, -1, height, width, features, channels // features))
        y = y - ops.mean(y, axis=0, keepdims=True)
        y = ops.sqrt(ops.mean(ops.square(y), axis=0) + 1e-8)      # [M, h, w, f, c/f]
        y = ops.mean(y, axis=(1, 2, 4))                            # [M, f]
        y = ops.tile(y, (group, 1))                                # [N, f], row n = group n % M
        y = ops.broadcast_to(ops.reshape(ops.cast(y, x.dtype), (-1, 1, 1, features)),
                             (batch, height, width, features))
        return ops.concatenate([x, y], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_features)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size,
                "num_features": self.num_features}
