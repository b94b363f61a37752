"""The low-pass filter StyleGAN applies when resampling (official `blur2d`)."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class Blur2D(keras.layers.Layer):
    """A fixed separable low-pass filter applied to every channel, 'same' zero padding.

    The 2D filter is the outer product of `taps` with itself, divided by its
    sum when `normalize` (the official default `[1, 2, 1]` gives
    `[[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16`), applied depthwise with stride 1
    as the official `blur2d` (StyleGAN blurs after each upscaling conv of the
    generator and before each downscaling conv of the discriminator). It is
    computed in float32 (as the official op) and returned in the input's
    dtype. No weights.

    Args:
        taps: the 1D filter, a non-empty list of numbers with an odd length.
        normalize: divide the 2D filter by its sum.

    Examples:

    >>> import numpy as np
    >>> x = np.zeros((1, 3, 3, 1), "float32"); x[0, 1, 1, 0] = 16.0
    >>> blur = Blur2D()
    >>> np.asarray(blur(x))[0, :, :, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    >>> blur.count_params()
    0
    """

    def __init__(self, taps=(1, 2, 1), normalize=True, **kwargs):
        super().__init__(**kwargs)
        valid = isinstance(taps, (list, tuple)) and len(taps) % 2 == 1 and all(
            isinstance(t, (int, float)) and not isinstance(t, bool) for t in taps)
        if not valid:
            raise ValueError("`taps` must be a list of numbers of odd length. "
                             f"Received: taps={taps!r}")
        self.taps = list(taps)
        self.normalize = bool(normalize)
        f = np.asarray(taps, np.float64)
        f = np.outer(f, f)
        if self.normalize:
            total = f.sum()
            if total == 0:
                raise ValueError(f"`taps` sum to zero and cannot be normalized. Received: "
                                 f"taps={taps!r}")
            f = f / total
        self.filter = f.astype(np.float32)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError("Blur2D needs [batch, h, w, c] inputs with known c. "
                             f"Received: input_shape={input_shape}")
        self._kernel = np.tile(self.filter[:, :, None, None], (1, 1, input_shape[-1], 1))

    def call(self, x):
        y = ops.depthwise_conv(ops.cast(x, "float32"), self._kernel, strides=1, padding="same")
        return ops.cast(y, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "taps": list(self.taps), "normalize": self.normalize}
