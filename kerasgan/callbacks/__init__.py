"""Callbacks for `fit`: fixed-noise sample grids as PNG files and as TensorBoard images.

The exponential moving average of the generator is updated inside the
training step (`GAN(..., ema_decay=...)`), where it is correct under any
strategy; these callbacks sample it.
"""

from kerasgan.callbacks.sample_grid import SampleGrid
from kerasgan.callbacks.tensorboard_images import TensorBoardImages

__all__ = ["SampleGrid", "TensorBoardImages"]
