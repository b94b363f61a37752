"""Pasting a predicted center into an image (the Context Encoder's completion)."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class PasteCenter(keras.layers.Layer):
    """`[images, centers]` -> the images with the centers' interior pasted over the hole.

    The hole is the `hole_size` square at `(hole_offset, hole_offset)` of an
    `image_size` image; `centers` are `hole_size` predictions of it. Only the
    interior of each prediction, the hole minus `overlap` pixels on every
    side, replaces the image's pixels; everything else (the context and the
    overlap border the input already holds) is kept. This is the official
    Context Encoder `test.lua` completion. Computed in float32.

    Args:
        image_size: side of the square images.
        hole_offset: row and column of the hole's top-left pixel.
        hole_size: side of the hole (and of the centers).
        overlap: the border of the hole that is not pasted.

    Examples:

    >>> import numpy as np
    >>> paste = PasteCenter(image_size=8, hole_offset=2, hole_size=4, overlap=1)
    >>> out = np.asarray(paste([np.zeros((1, 8, 8, 1), "float32"),
    ...                         np.ones((1, 4, 4, 1), "float32")]))
    >>> float(out[0, :, :, 0].sum()), out[0, 3:5, 3:5, 0].tolist()
    (4.0, [[1.0, 1.0], [1.0, 1.0]])
    """

    def __init__(self, image_size, hole_offset, hole_size, overlap, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.image_size = int(image_size)
        self.hole_offset = int(hole_offset)
        self.hole_size = int(hole_size)
        self.overlap = int(overlap)
        if (self.hole_offset < 0 or self.hole_size - 2 * self.overlap < 1
                or self.hole_offset + self.hole_size > self.image_size or self.overlap < 0):
            raise ValueError(
                "The hole must lie inside the image and be more than twice the overlap. "
                f"Received: image_size={image_size}, hole_offset={hole_offset}, "
                f"hole_size={hole_size}, overlap={overlap}")

    def call(self, inputs):
        images, centers = inputs
        start = self.hole_offset + self.overlap
        inner = self.hole_size - 2 * self.overlap
        end = self.image_size - start - inner
        patch = ops.cast(centers, "float32")[:, self.overlap:self.overlap + inner,
                                             self.overlap:self.overlap + inner]
        placed = ops.pad(patch, [[0, 0], [start, end], [start, end], [0, 0]])
        mask = np.zeros((1, self.image_size, self.image_size, 1), np.float32)
        mask[:, start:start + inner, start:start + inner] = 1.0
        return ops.cast(images, "float32") * (1.0 - mask) + placed * mask

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size,
                "hole_offset": self.hole_offset, "hole_size": self.hole_size,
                "overlap": self.overlap}
