"""Progressive GAN building blocks shared by its generator and discriminator.

The level of detail (`lod`) is a non-trainable float32 variable held by one
`LevelOfDetail` layer per network, as the official networks hold `lod` as a
non-trainable variable: the networks keep their one-input signatures
(`z -> images`, `images -> logits`), so the latent GAN, the EMA copy (which
copies non-trainable weights), saving and export need nothing new, and an
exported network has `lod` baked in (0 once training is over).
"""

import math

import keras
from keras import ops


def feature_maps(stage, fmap_base, fmap_decay, fmap_max):
    """The official `nf(stage)`: `min(int(fmap_base / 2**(stage * fmap_decay)), fmap_max)`."""
    return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)


def check_positive_int(name, value):
    """Raises unless `value` is a positive integer, quoting it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_non_negative_int(name, value):
    """Raises unless `value` is a non-negative integer, quoting it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer. Received: {name}={value!r}")


def check_architecture(resolution, fmap_base, fmap_decay, fmap_max):
    """Validates the shared arguments; returns log2(resolution)."""
    if (not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < 4
            or resolution & (resolution - 1)):
        raise ValueError("`resolution` must be a power of 2, at least 4. "
                         f"Received: resolution={resolution!r}")
    check_positive_int("fmap_base", fmap_base)
    check_positive_int("fmap_max", fmap_max)
    if not isinstance(fmap_decay, (int, float)) or isinstance(fmap_decay, bool) or fmap_decay < 0:
        raise ValueError("`fmap_decay` must be a non-negative number. "
                         f"Received: fmap_decay={fmap_decay!r}")
    resolution_log2 = int(math.log2(resolution))
    smallest = feature_maps(resolution_log2 - 1, fmap_base, fmap_decay, fmap_max)
    if smallest < 1:
        raise ValueError(f"`fmap_base` is too small for resolution {resolution}: the last "
                         f"stage would have {smallest} feature maps. Received: "
                         f"fmap_base={fmap_base}")
    return resolution_log2


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
        check_non_negative_int("max_lod", max_lod)
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
        check_non_negative_int("offset", offset)
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


@keras.saving.register_keras_serializable(package="kerasgan")
class ChannelBias(keras.layers.Layer):
    """A per-channel bias (initialized to zero), the official `apply_bias` on its own.

    The generator's first dense layer adds its bias after the reshape to
    `[4, 4, channels]`, so it has one bias per channel, not per unit.

    Examples:

    >>> layer = ChannelBias()
    >>> tuple(layer(keras.ops.ones((2, 4, 4, 8))).shape), layer.count_params()
    ((2, 4, 4, 8), 8)
    """

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, x):
        return x + ops.cast(self.bias, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape
