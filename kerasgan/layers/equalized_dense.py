"""The equalized-learning-rate fully connected layer (Karras et al., 2018, section 4.1)."""

import math

import keras
from keras import ops

HE_GAIN = math.sqrt(2.0)
"""The default gain: He et al.'s `sqrt(2)` for weights followed by a (leaky) ReLU."""


def _check_scaling(gain, lr_multiplier):
    if not isinstance(gain, (int, float)) or isinstance(gain, bool) or not gain > 0:
        raise ValueError(f"`gain` must be a positive number. Received: gain={gain!r}")
    if (not isinstance(lr_multiplier, (int, float)) or isinstance(lr_multiplier, bool)
            or not lr_multiplier > 0):
        raise ValueError("`lr_multiplier` must be a positive number. "
                         f"Received: lr_multiplier={lr_multiplier!r}")


@keras.saving.register_keras_serializable(package="kerasgan")
class EqualizedDense(keras.layers.Layer):
    """A dense layer whose weights are rescaled at run time (equalized learning rate).

    The stored kernel is drawn from `N(0, 1) / lr_multiplier` and the layer
    computes with `kernel * c`, `c = gain / sqrt(fan_in) * lr_multiplier`,
    so the effective weights start with He's standard deviation
    `gain / sqrt(fan_in)` while the optimizer sees weights of unit scale:
    Adam's normalized step then moves every effective weight by about
    `lr * c`, the same relative amount whatever the layer's fan-in. The bias
    is stored initialized to zero and used multiplied by `lr_multiplier`
    (StyleGAN's mapping network uses `lr_multiplier=0.01`). This is the
    official `dense` + `apply_bias` with `use_wscale=True` of ProGAN and
    StyleGAN. Only `kernel` and `bias` are weights; `c` is a constant.

    Args:
        units: output features.
        gain: the He gain (`sqrt(2)` before a (leaky) ReLU, 1 before a
            linear output).
        lr_multiplier: learning-rate multiplier of both kernel and bias.
        use_bias: add a bias.
        activation: applied after the bias (a Keras activation name or
            function; `None` for linear).

    Examples:

    >>> layer = EqualizedDense(4, gain=1.0)
    >>> tuple(layer(keras.ops.ones((2, 16))).shape)
    (2, 4)
    >>> float(layer.runtime_coefficient)  # 1 / sqrt(16)
    0.25
    >>> layer.count_params()  # 16 * 4 weights + 4 biases
    68
    """

    def __init__(self, units, gain=HE_GAIN, lr_multiplier=1.0, use_bias=True,
                 activation=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"`units` must be a positive integer. Received: units={units!r}")
        _check_scaling(gain, lr_multiplier)
        self.units = units
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.use_bias = bool(use_bias)
        self.activation = keras.activations.get(activation)
        self.runtime_coefficient = None

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError("EqualizedDense needs a known last dimension. "
                             f"Received: input_shape={input_shape}")
        self.runtime_coefficient = self.gain / math.sqrt(fan_in) * self.lr_multiplier
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros",
                                    name="bias") if self.use_bias else None

    @property
    def effective_kernel(self):
        """The kernel the layer computes with: `kernel * runtime_coefficient`."""
        return self.kernel * self.runtime_coefficient

    @property
    def effective_bias(self):
        """The bias the layer adds: `bias * lr_multiplier` (`None` without a bias)."""
        return None if self.bias is None else self.bias * self.lr_multiplier

    def call(self, x):
        out = ops.matmul(x, ops.cast(self.effective_kernel, x.dtype))
        if self.bias is not None:
            out = out + ops.cast(self.effective_bias, x.dtype)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias,
                "activation": keras.activations.serialize(self.activation)}
