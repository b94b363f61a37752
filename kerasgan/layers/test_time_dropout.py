"""Dropout kept on at inference: pix2pix's noise source at test time."""

import keras

from kerasgan.layers.global_batch_dropout import GlobalBatchDropout


@keras.saving.register_keras_serializable(package="kerasgan")
class TestTimeDropout(GlobalBatchDropout):
    """`keras.layers.Dropout` that drops in inference mode too.

    The pix2pix generator's only noise is dropout, and the paper keeps it on
    when sampling (Isola et al., 2017, section 2.2): every call, training or
    not, zeroes each unit with probability `rate` and scales the others by
    `1 / (1 - rate)`. In a training step its mask is drawn for the global
    batch, as `GlobalBatchDropout`'s. Arguments as `keras.layers.Dropout`.

    Examples:

    >>> import numpy as np
    >>> layer = TestTimeDropout(0.5, seed=0)
    >>> out = np.asarray(layer(np.ones((1, 1000), "float32"), training=False))
    >>> sorted(set(out.ravel().tolist()))
    [0.0, 2.0]
    """

    __test__ = False  # not a pytest test class, despite its name

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)
