"""Spectral normalization keeping the raw weight, as the official SN-GAN/SAGAN/BigGAN code does."""

import keras
from keras import ops


def _normalize(x, epsilon):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + epsilon)


@keras.saving.register_keras_serializable(package="kerasgan")
class SpectralNormalization(keras.layers.Wrapper):
    """Runs a `Conv2D` or `Dense` layer with its kernel divided by its largest singular value.

    `sigma(W)` is estimated by power iteration with a persistent vector `u`
    (one iteration per training call, as in Miyato et al.; `u` and `v` are
    constants for the gradient), and the layer computes with `W / sigma(W)`.
    The trainable variable keeps the raw `W`: the optimizer updates `W`, not
    its normalized copy. This is what the official SN-GAN, SAGAN and BigGAN
    implementations do. `keras.layers.SpectralNormalization` instead writes
    `W / sigma` back into the variable at every training call, which keeps
    every weight at unit spectral norm and so changes what a fixed optimizer
    step means (and makes a weight average, such as the generator EMA, an
    average of differently normalized matrices).

    At inference `u` is not updated and `sigma` comes from one power
    iteration from the stored `u`, so the output is deterministic. The
    parameter count is the wrapped layer's (`u` is not trainable).

    Args:
        layer: a `keras.layers.Conv2D` or `keras.layers.Dense` (no activation
            restrictions; its bias and activation are applied as usual).
        power_iterations: power iterations per call.
        epsilon: added to norms.

    Examples:

    >>> layer = SpectralNormalization(keras.layers.Dense(4))
    >>> tuple(layer(keras.ops.ones((2, 3))).shape)
    (2, 4)
    """

    def __init__(self, layer, power_iterations=1, epsilon=1e-12, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            raise ValueError(f"SpectralNormalization wraps Conv2D or Dense layers. Received: "
                             f"layer of type {type(layer).__name__}")
        if not isinstance(power_iterations, int) or power_iterations < 1:
            raise ValueError(f"`power_iterations` must be a positive integer. "
                             f"Received: power_iterations={power_iterations!r}")
        self.power_iterations = power_iterations
        self.epsilon = epsilon

    def build(self, input_shape):
        super().build(input_shape)
        self.vector_u = self.add_weight(
            shape=(1, self.layer.kernel.shape[-1]),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            trainable=False, name="vector_u", dtype=self.layer.kernel.dtype,
        )

    def _sigma(self, kernel):
        w = ops.reshape(kernel, (-1, kernel.shape[-1]))
        u = ops.cast(self.vector_u, "float32")
        for _ in range(self.power_iterations):
            v = _normalize(ops.matmul(u, ops.transpose(w)), self.epsilon)
            u = _normalize(ops.matmul(v, w), self.epsilon)
        u = ops.stop_gradient(u)
        v = ops.stop_gradient(v)
        sigma = ops.sum(ops.matmul(v, w) * u)
        return sigma, u

    def call(self, inputs, training=False):
        layer = self.layer
        kernel = ops.cast(layer.kernel, "float32")
        sigma, u = self._sigma(kernel)
        if training:
            self.vector_u.assign(ops.cast(u, self.vector_u.dtype))
        kernel = ops.cast(kernel / sigma, inputs.dtype)
        if isinstance(layer, keras.layers.Conv2D):
            outputs = ops.conv(inputs, kernel, strides=layer.strides, padding=layer.padding,
                               data_format=layer.data_format, dilation_rate=layer.dilation_rate)
        else:
            outputs = ops.matmul(inputs, kernel)
        if layer.use_bias:
            outputs = outputs + ops.cast(layer.bias, outputs.dtype)
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations,
                "epsilon": self.epsilon}


def sn_conv(filters, kernel_size, name, kernel_initializer="glorot_uniform",
            kernel_regularizer=None):
    """A spectrally normalized `Conv2D` ("same" padding, with a bias) named `{name}_sn`.

    The official SAGAN `snconv2d` (`kernel_initializer="glorot_uniform"`) and
    BigGAN `SNConv2d` (`"orthogonal"`, with the orthogonal regularizer).

    Examples:

    >>> conv = sn_conv(8, 3, "conv", kernel_initializer="orthogonal")
    >>> tuple(conv(keras.ops.ones((1, 4, 4, 2))).shape), conv.name, conv.layer.name
    ((1, 4, 4, 8), 'conv_sn', 'conv')
    """
    return SpectralNormalization(
        keras.layers.Conv2D(filters, kernel_size, padding="same",
                            kernel_initializer=kernel_initializer,
                            kernel_regularizer=kernel_regularizer, name=name),
        name=f"{name}_sn",
    )


def sn_dense(units, name, kernel_initializer="glorot_uniform", kernel_regularizer=None):
    """A spectrally normalized `Dense` (with a bias) named `{name}_sn` (`snlinear`, `SNLinear`).

    Examples:

    >>> tuple(sn_dense(4, "linear")(keras.ops.ones((2, 3))).shape)
    (2, 4)
    """
    return SpectralNormalization(
        keras.layers.Dense(units, kernel_initializer=kernel_initializer,
                           kernel_regularizer=kernel_regularizer, name=name),
        name=f"{name}_sn",
    )
