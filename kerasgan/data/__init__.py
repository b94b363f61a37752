"""Data pipelines: the embedded `shapes` data, image folders and TFDS, behind one spec string.

On top: paired (pix2pix), unpaired (CycleGAN) and inpainting (Context Encoder) pipelines.

Every pipeline's order is a function of `(seed, pass)` and every random
augmentation of `(seed, pass, example)`; `start_batch=k` gives the endless
stream from global batch `k`, for an exact resume in a new process.
"""

from kerasgan.data.folder import ScanResult, scan
from kerasgan.data.inpainting import load_inpainting
from kerasgan.data.paired import load_paired, scan_pairs
from kerasgan.data.shapes import CLASS_NAMES, render_shapes
from kerasgan.data.spec import DataSpec, batches_per_pass, describe, load, parse_spec
from kerasgan.data.tasks import IMAGE_TO_IMAGE_TASKS, load_for_task, load_scheduled
from kerasgan.data.unpaired import load_unpaired

__all__ = ["CLASS_NAMES", "DataSpec", "IMAGE_TO_IMAGE_TASKS", "ScanResult", "batches_per_pass",
           "describe", "load", "load_for_task", "load_inpainting", "load_paired", "load_scheduled",
           "load_unpaired",
           "parse_spec", "render_shapes", "scan", "scan_pairs"]
