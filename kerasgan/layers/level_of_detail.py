"""A network's level of detail (Progressive GAN's `lod`), held as a non-trainable variable.

Networks that fade stages in (Progressive GAN, StyleGAN) hold `lod` as a
non-trainable float32 variable, as the official networks do: the networks keep
their one-input signatures, the EMA copy copies it, it is saved with the
weights, and an exported network has it baked in (0 once training is over).
"""

import keras
from keras import ops


def _check_non_negative_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer. Received: {name}={value!r}")


@keras.saving.register_keras_serializable(package="kerasgan")
class LevelOfDetail(keras.layers.Layer):
    """Holds a network's level of detail and broadcasts it to a `[batch, 1]` tensor.

    `lod` is 0 at full resolution and `max_lod = log2(resolution) - 2` when
    only the 4x4 stage is shown; between integers the networks fade a stage in.
    The variable is non-trainable float32 and is saved with the weights.

    Args:
        max_lod: the largest level of detail the network has.

    Examples:

    >>> layer = LevelOfDetail(max_lod=2)
    >>> layer.set_lod(1.5)
    >>> [float(v) for v in layer(keras.ops.zeros((2, 3)))[:, 0]]
    [1.5, 1.5]
    """

    def __init__(self, max_lod, **kwargs):
        kwargs.setdefault("dtype", "float32")  # the fade factor stays float32 under mixed precision
        super().__init__(**kwargs)
        _check_non_negative_int("max_lod", max_lod)
        self.max_lod = max_lod
        self.lod = self.add_weight(shape=(), initializer="zeros", dtype="float32",
                                   trainable=False, name="lod")

    def set_lod(self, value):
        """Assigns the level of detail (a float in `[0, max_lod]`)."""
        if (not isinstance(value, (int, float)) or isinstance(value, bool)
                or not 0 <= value <= self.max_lod):
            raise ValueError(f"`lod` must be a number in [0, {self.max_lod}]. "
                             f"Received: lod={value!r}")
        self.lod.assign(float(value))

    def call(self, x):
        return ops.broadcast_to(ops.reshape(ops.convert_to_tensor(self.lod), (1, 1)),
                                (ops.shape(x)[0], 1))

    def compute_output_spec(self, x):
        return keras.KerasTensor((x.shape[0], 1), dtype="float32")

    def get_config(self):
        return {**super().get_config(), "max_lod": self.max_lod}
