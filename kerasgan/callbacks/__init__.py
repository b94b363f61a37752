"""Callbacks for `fit`: sample grids (PNG files, TensorBoard images) and evaluation.

The exponential moving average of the generator is updated inside the
training step (`GAN(..., ema_decay=...)`), where it is correct under any
strategy; these callbacks sample it.
"""

from kerasgan.callbacks.metrics import EvaluationCallback
from kerasgan.callbacks.sample_grid import SampleGrid
from kerasgan.callbacks.tensorboard_images import TensorBoardImages

__all__ = ["EvaluationCallback", "SampleGrid", "TensorBoardImages"]
