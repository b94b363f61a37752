"""Callbacks for `fit`: sample grids (PNG files, TensorBoard images), evaluation and
crash-safe checkpoints with step-level resume (`CrashSafeCheckpoint`, `resume_fit`).

The exponential moving average of the generator is updated inside the
training step (`GAN(..., ema_decay=...)`), where it is correct under any
strategy; these callbacks sample it.
"""

from kerasgan.callbacks.checkpoint import (
    CheckpointMismatchError,
    CheckpointState,
    CheckpointWarning,
    CrashSafeCheckpoint,
    is_chief,
    resume_fit,
)
from kerasgan.callbacks.metrics import EvaluationCallback
from kerasgan.callbacks.sample_grid import SampleGrid
from kerasgan.callbacks.tensorboard_images import TensorBoardImages

__all__ = [
    "CheckpointMismatchError",
    "CheckpointState",
    "CheckpointWarning",
    "CrashSafeCheckpoint",
    "EvaluationCallback",
    "SampleGrid",
    "TensorBoardImages",
    "is_chief",
    "resume_fit",
]
