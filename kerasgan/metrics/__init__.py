"""Sample-quality metrics: a generic core on activations, feature extractors, evaluation.

The core works on numpy activations in float64: streaming statistics, the
Frechet distance (FID, FSD), KID, the Inception Score and improved
precision/recall. Extractors turn images into activations: InceptionV3
(`inception`) and the shipped shapes classifier (`domain`). `evaluate` ties
them to a generator and a data spec, with cached reference statistics.
"""

from kerasgan.metrics.frechet import frechet_distance, frechet_distance_from_statistics
from kerasgan.metrics.inception_score import inception_score
from kerasgan.metrics.kid import kernel_inception_distance
from kerasgan.metrics.precision_recall import precision_recall
from kerasgan.metrics.statistics import RunningStatistics


def __getattr__(name):  # the extractors and evaluation import TensorFlow: load them on use
    if name in ("ShapesExtractor", "build_shapes_classifier", "train_shapes_classifier"):
        from kerasgan.metrics import domain

        return getattr(domain, name)
    if name == "InceptionExtractor":
        from kerasgan.metrics.inception import InceptionExtractor

        return InceptionExtractor
    if name in ("evaluate", "reference_statistics", "get_extractor"):
        from kerasgan.metrics import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module 'kerasgan.metrics' has no attribute {name!r}")


__all__ = [
    "InceptionExtractor", "RunningStatistics", "ShapesExtractor", "build_shapes_classifier",
    "evaluate", "frechet_distance", "frechet_distance_from_statistics", "get_extractor",
    "inception_score", "kernel_inception_distance", "precision_recall", "reference_statistics",
    "train_shapes_classifier",
]
