"""What the progressive networks share: the official feature-map rule, argument checks, and
the level-of-detail accessors of a network holding one `LevelOfDetail` layer named `lod`."""

import math

import keras

from kerasgan.models.network import Network


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
    """Validates the size arguments of a progressive network; returns log2(resolution)."""
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


def network_arguments():
    """The recipe arguments sizing a progressive network pair (official 1024 px defaults but
    the side)."""
    from kerasgan.models.registry import Argument

    return (
        Argument("image_size", int, 64, "final image side in pixels (official: 1024)"),
        Argument("channels", int, 3, "image channels", choices=(1, 3)),
        Argument("fmap_base", int, 8192, "feature-map multiplier: a layer at 2**k px has "
                 "min(fmap_base / 2**(k-1), fmap_max) maps"),
        Argument("fmap_max", int, 512, "most feature maps of any layer"),
        Argument("mbstd_group_size", int, 4, "minibatch standard deviation group (0: off)"),
    )


class ProgressiveNetwork(Network):
    """A `Network` whose stages fade in by the `LevelOfDetail` layer named `"lod"`."""

    @property
    def max_lod(self):
        """`log2(resolution) - 2`: the level of detail of the 4x4 stage alone."""
        return self.get_layer("lod").max_lod

    @property
    def lod(self):
        """The current level of detail (0 = full resolution)."""
        return float(keras.ops.convert_to_numpy(self.get_layer("lod").lod))

    def set_lod(self, value):
        """Sets the level of detail, a float in `[0, max_lod]`."""
        self.get_layer("lod").set_lod(value)
