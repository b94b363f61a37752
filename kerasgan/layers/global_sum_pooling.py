"""Sum over spatial positions (the SN-GAN / SAGAN / BigGAN discriminators' pooling)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class GlobalSumPooling2D(keras.layers.Layer):
    """Sums NHWC feature maps over height and width: [batch, h, w, c] -> [batch, c].

    Examples:

    >>> sums = GlobalSumPooling2D()(keras.ops.ones((2, 4, 4, 3)))
    >>> keras.ops.convert_to_numpy(sums)[0].tolist()
    [16.0, 16.0, 16.0]
    """

    def call(self, x):
        return ops.sum(x, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
