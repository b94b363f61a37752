"""BigGAN's orthogonal regularization, as a Keras regularizer."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class OffDiagonalOrthogonal(keras.regularizers.Regularizer):
    """`beta * || W^T W * (1 - I) ||_F^2` on the filters of a kernel (BigGAN, beta = 1e-4).

    The kernel is reshaped to [fan_in, filters] (a conv kernel's spatial and
    input axes are flattened), so the penalty pushes distinct filters towards
    orthogonality without constraining their norms. It is 0 exactly when the
    filters are pairwise orthogonal.

    Keras's own `OrthogonalRegularizer` penalizes a normalized form instead,
    so this is BigGAN's formula written out.

    Args:
        beta: the penalty's weight.

    Examples:

    >>> layer = keras.layers.Dense(8, kernel_regularizer=OffDiagonalOrthogonal(1e-4))
    """

    def __init__(self, beta=1e-4):
        if beta < 0:
            raise ValueError(f"`beta` must be >= 0. Received: beta={beta}")
        self.beta = float(beta)

    def __call__(self, kernel):
        w = ops.reshape(ops.cast(kernel, "float32"), (-1, kernel.shape[-1]))
        gram = ops.matmul(ops.transpose(w), w)
        off_diagonal = gram * (1.0 - ops.eye(gram.shape[0], dtype="float32"))
        return self.beta * ops.sum(ops.square(off_diagonal))

    def get_config(self):
        return {"beta": self.beta}
