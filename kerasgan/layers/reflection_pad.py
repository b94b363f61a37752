"""Reflection padding (PyTorch's `ReflectionPad2d`), used by CycleGAN's ResNet generator."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the border, without repeating it.

    `[a, b, c, d]` padded by 2 is `[c, b, a, b, c, d, c, b]`, as
    `numpy.pad(..., mode="reflect")` and PyTorch's `ReflectionPad2d`. Each
    padding must be smaller than the padded side.

    Args:
        padding: an int (all four sides) or `((top, bottom), (left, right))`.

    Examples:

    >>> import numpy as np
    >>> x = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    >>> ReflectionPadding2D(((0, 0), (2, 2)))(x)[0, 0, :, 0].numpy().tolist()
    [2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0]
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        try:
            padding = tuple(tuple(int(p) for p in side) for side in padding)
        except TypeError:
            padding = None
        if padding is None or len(padding) != 2 or any(len(s) != 2 for s in padding) or any(
                p < 0 for side in padding for p in side):
            raise ValueError("`padding` must be an int or ((top, bottom), (left, right)) of "
                             f"non-negative ints. Received: padding={padding!r}")
        self.padding = padding

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"ReflectionPadding2D takes [batch, h, w, c] inputs. Received: "
                             f"input_shape={input_shape}")
        for size, (before, after), what in zip(input_shape[1:3], self.padding,
                                               ("height", "width")):
            if size is not None and max(before, after) >= size:
                raise ValueError(f"Reflection padding of {max(before, after)} needs a {what} "
                                 f"above it. Received: input_shape={input_shape}")

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return ops.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        batch, height, width, channels = input_shape
        return (batch, None if height is None else height + top + bottom,
                None if width is None else width + left + right, channels)

    def get_config(self):
        return {**super().get_config(), "padding": [list(side) for side in self.padding]}
