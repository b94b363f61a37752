"""Conditional batch normalization: batch statistics shared, scale and shift per condition."""

import keras
from keras import ops

from kerasgan.layers.spectral_norm import SpectralNormalization


@keras.saving.register_keras_serializable(package="kerasgan")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch norm whose scale and shift depend on a class label or a conditioning vector.

    Called on `[x, condition]`. The features are normalized with batch
    statistics (moving averages at inference) and no affine of their own;
    then `gamma * x_hat + beta` with, per example:

    - `num_classes` given, `condition` integer labels [batch]: `gamma` and
      `beta` are rows of per-class tables initialized to 1 and 0
      (Miyato & Koyama; SAGAN);
    - `num_classes=None`, `condition` a float vector [batch, d]: `gamma = 1 +
      W_g c` and `beta = W_b c`, linear maps without bias (BigGAN, where `c`
      is the shared class embedding joined with a chunk of z).

    Args:
        num_classes: number of classes for the table form; `None` for the
            linear form.
        momentum, epsilon: as in `keras.layers.BatchNormalization`.
        synchronized: synchronize the batch statistics across replicas.
        spectral_norm: spectral normalization on the linear maps (BigGAN).
        kernel_initializer: initializer of the linear maps (BigGAN:
            orthogonal).

    Examples:

    >>> cbn = ConditionalBatchNormalization(num_classes=10)
    >>> x = keras.random.normal((4, 8, 8, 16))
    >>> tuple(cbn([x, keras.ops.array([0, 1, 2, 3])], training=True).shape)
    (4, 8, 8, 16)
    """

    def __init__(self, num_classes=None, momentum=0.99, epsilon=1e-5, synchronized=False,
                 spectral_norm=False, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
            raise ValueError(f"`num_classes` must be a positive integer or None. "
                             f"Received: num_classes={num_classes!r}")
        self.num_classes = num_classes
        self.momentum = momentum
        self.epsilon = epsilon
        self.synchronized = synchronized
        self.spectral_norm = spectral_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=momentum, epsilon=epsilon, center=False, scale=False,
            synchronized=synchronized, dtype=self.dtype_policy, name="batch_norm",
        )

    def _dense(self, channels, name):
        dense = keras.layers.Dense(channels, use_bias=False, name=name, dtype=self.dtype_policy,
                                   kernel_initializer=self.kernel_initializer)
        if self.spectral_norm:
            return SpectralNormalization(dense, name=f"{name}_sn",
                                                      dtype=self.dtype_policy)
        return dense

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("ConditionalBatchNormalization is called on [features, condition]. "
                             f"Received: input_shape={input_shape}")
        x_shape, c_shape = input_shape
        channels = int(x_shape[-1])
        self.batch_norm.build(x_shape)
        if self.num_classes is not None:
            self.gamma_table = self.add_weight(shape=(self.num_classes, channels),
                                               initializer="ones", name="gamma")
            self.beta_table = self.add_weight(shape=(self.num_classes, channels),
                                              initializer="zeros", name="beta")
        else:
            if c_shape[-1] is None:
                raise ValueError(f"The conditioning vector needs a known size. "
                                 f"Received: condition shape {c_shape}")
            self.gamma_dense = self._dense(channels, "gamma")
            self.beta_dense = self._dense(channels, "beta")
            self.gamma_dense.build(c_shape)
            self.beta_dense.build(c_shape)

    def call(self, inputs, training=False):
        x, condition = inputs
        x_hat = self.batch_norm(x, training=training)
        if self.num_classes is not None:
            labels = ops.reshape(ops.cast(condition, "int32"), (-1,))
            gamma = ops.take(self.gamma_table, labels, axis=0)
            beta = ops.take(self.beta_table, labels, axis=0)
        else:
            gamma = 1.0 + self.gamma_dense(condition, training=training)
            beta = self.beta_dense(condition, training=training)
        shape = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        gamma = ops.cast(ops.reshape(gamma, shape), x_hat.dtype)
        beta = ops.cast(ops.reshape(beta, shape), x_hat.dtype)
        return x_hat * gamma + beta

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "synchronized": self.synchronized,
            "spectral_norm": self.spectral_norm,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        })
        return config
