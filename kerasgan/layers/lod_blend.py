"""The fade-in of a new stage: the official `lerp_clip` on the level of detail."""

import keras
from keras import ops

from kerasgan.layers.level_of_detail import _check_non_negative_int


@keras.saving.register_keras_serializable(package="kerasgan")
class LodBlend(keras.layers.Layer):
    """The official `lerp_clip(new, old, lod - offset)`: `new + (old - new) * clip(t, 0, 1)`.

    Inputs are `[new, old, lod]`: the new stage's tensor, the same-shaped
    tensor from the stage below, and `LevelOfDetail`'s `[batch, 1]` output.
    At `lod <= offset` the result is `new`, at `lod >= offset + 1` it is
    `old`, and in between the stage is fading in.

    Args:
        offset: the level of detail of the new stage (`log2(resolution / size)`).

    Examples:

    >>> blend = LodBlend(offset=1)
    >>> new, old = keras.ops.zeros((1, 2)), keras.ops.ones((1, 2))
    >>> [float(v) for v in blend([new, old, keras.ops.full((1, 1), 1.25)])[0]]
    [0.25, 0.25]
    """

    def __init__(self, offset, **kwargs):
        super().__init__(**kwargs)
        _check_non_negative_int("offset", offset)
        self.offset = offset

    def call(self, inputs):
        new, old, lod = inputs
        t = ops.clip(ops.cast(lod, "float32") - float(self.offset), 0.0, 1.0)
        t = ops.cast(ops.reshape(t, (-1,) + (1,) * (len(new.shape) - 1)), new.dtype)
        return new + (old - new) * t

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}
