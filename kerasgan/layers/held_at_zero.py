"""A weight constraint that keeps a variable at exactly zero (Torch biases zeroed every step)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class HeldAtZero(keras.constraints.Constraint):
    """Projects a weight to zero: every optimizer update is undone.

    Keras applies a variable's `constraint` after each `optimizer.apply`, so
    a bias created with `bias_initializer="zeros"` and this constraint stays
    exactly 0 through training while still existing (it counts as a
    trainable parameter and is saved). This reproduces reference code that
    keeps its convolution biases but zeroes them before every update, such as
    the official Context Encoder `train.lua`.

    Examples:

    >>> import numpy as np
    >>> np.asarray(HeldAtZero()(np.array([0.5, -2.0], "float32"))).tolist()
    [0.0, 0.0]
    """

    def __call__(self, w):
        return ops.zeros_like(w)

    def get_config(self):
        return {}
