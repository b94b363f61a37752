"""The equalized-learning-rate convolution (Karras et al., 2018, section 4.1)."""

import math

import keras
from keras import ops

from kerasgan.layers.equalized_dense import HE_GAIN, _check_scaling


@keras.saving.register_keras_serializable(package="kerasgan")
class EqualizedConv2D(keras.layers.Layer):
    """A stride-1 convolution whose weights are rescaled at run time (equalized learning rate).

    The stored `[k, k, in, filters]` kernel is drawn from `N(0, 1) / lr_multiplier`
    and the layer convolves with `kernel * c`, `c = gain / sqrt(k * k * in) *
    lr_multiplier`; the bias (stored initialized to zero) is used multiplied
    by `lr_multiplier`. This is the official `conv2d` + `apply_bias` with
    `use_wscale=True` of ProGAN and StyleGAN (see `EqualizedDense` for why).
    Only `kernel` and `bias` are weights.

    Args:
        filters: output channels.
        kernel_size: odd side of the square kernel.
        gain: the He gain (`sqrt(2)` before a (leaky) ReLU, 1 for a linear
            output such as ProGAN's ToRGB).
        lr_multiplier: learning-rate multiplier of both kernel and bias.
        use_bias: add a per-channel bias.
        padding: `"same"` (the official choice) or `"valid"`.
        activation: applied after the bias (`None` for linear).

    Examples:

    >>> layer = EqualizedConv2D(8, 3)
    >>> tuple(layer(keras.ops.ones((2, 4, 4, 2))).shape)
    (2, 4, 4, 8)
    >>> round(float(layer.runtime_coefficient), 4)  # sqrt(2) / sqrt(3 * 3 * 2)
    0.3333
    >>> layer.count_params()  # 3 * 3 * 2 * 8 weights + 8 biases
    152
    """

    def __init__(self, filters, kernel_size, gain=HE_GAIN, lr_multiplier=1.0,
                 use_bias=True, padding="same", activation=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters < 1:
            raise ValueError(f"`filters` must be a positive integer. Received: filters={filters!r}")
        if (not isinstance(kernel_size, int) or isinstance(kernel_size, bool) or kernel_size < 1
                or kernel_size % 2 != 1):
            raise ValueError("`kernel_size` must be a positive odd integer. "
                             f"Received: kernel_size={kernel_size!r}")
        if padding not in ("same", "valid"):
            raise ValueError(f"`padding` must be 'same' or 'valid'. Received: padding={padding!r}")
        _check_scaling(gain, lr_multiplier)
        self.filters = filters
        self.kernel_size = kernel_size
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.use_bias = bool(use_bias)
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.runtime_coefficient = None

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError("EqualizedConv2D needs [batch, h, w, c] inputs with known c. "
                             f"Received: input_shape={input_shape}")
        channels = input_shape[-1]
        fan_in = self.kernel_size * self.kernel_size * channels
        self.runtime_coefficient = self.gain / math.sqrt(fan_in) * self.lr_multiplier
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, channels, self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros",
                                    name="bias") if self.use_bias else None

    @property
    def effective_kernel(self):
        """The kernel the layer convolves with: `kernel * runtime_coefficient`."""
        return self.kernel * self.runtime_coefficient

    @property
    def effective_bias(self):
        """The bias the layer adds: `bias * lr_multiplier` (`None` without a bias)."""
        return None if self.bias is None else self.bias * self.lr_multiplier

    def call(self, x):
        out = ops.conv(x, ops.cast(self.effective_kernel, x.dtype), strides=1,
                       padding=self.padding)
        if self.bias is not None:
            out = out + ops.cast(self.effective_bias, x.dtype)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        if self.padding == "valid":
            shrink = self.kernel_size - 1
            height = None if height is None else height - shrink
            width = None if width is None else width - shrink
        return (batch, height, width, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias,
                "padding": self.padding,
                "activation": keras.activations.serialize(self.activation)}
