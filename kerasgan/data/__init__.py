"""Data pipelines: the embedded `shapes` data, image folders and TFDS, behind one spec string."""

from kerasgan.data.folder import ScanResult, scan
from kerasgan.data.shapes import CLASS_NAMES, render_shapes
from kerasgan.data.spec import DataSpec, describe, load, parse_spec

__all__ = ["CLASS_NAMES", "DataSpec", "ScanResult", "describe", "load", "parse_spec",
           "render_shapes", "scan"]
