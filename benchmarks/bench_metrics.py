"""Evaluation throughput: feature extraction (shapes classifier, InceptionV3) and the metric core.

Prints images/s at batch 64 for the shipped shapes classifier (32x32 inputs)
and for InceptionV3 (32x32 inputs resized to 299x299; random weights, which
cost the same as the ImageNet ones), the FLOPs per image of each, and the
time of a 2048-d Frechet distance, a KID over 100 subsets of 1,000 and
precision/recall on 2 x 5,000 points.

Usage: python benchmarks/bench_metrics.py [--images 512]
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def _flops(model, shape):
    import tensorflow as tf
    from tensorflow.python.profiler.model_analyzer import profile
    from tensorflow.python.profiler.option_builder import ProfileOptionBuilder

    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.TensorSpec(shape, tf.float32))
    options = ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return profile(concrete.graph, options=options).total_float_ops


def _throughput(fn, images, batch):
    fn(images[:batch])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(images), batch):
        fn(images[i:i + batch])
    return len(images) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=512)
    args = parser.parse_args()

    from kerasgan.metrics import (
        frechet_distance,
        kernel_inception_distance,
        precision_recall,
    )
    from kerasgan.metrics.domain import ShapesExtractor
    from kerasgan.metrics.inception import InceptionExtractor

    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (args.images, 32, 32, 3)).astype("float32")
    shapes = ShapesExtractor()
    rate = _throughput(lambda x: shapes.features(x, batch_size=64), images, 64)
    flops = _flops(shapes.model, (1, 32, 32, 3))
    print(f"shapes classifier : {rate:8.1f} images/s at batch 64 "
          f"({flops / 1e6:.1f} MFLOP/image -> {rate * flops / 1e9:.1f} GFLOP/s)")
    inception = InceptionExtractor(weights=None, batch_size=64)
    count = min(args.images, 256)
    rate = _throughput(inception.pool_features, images[:count], 64)
    flops = _flops(inception.model, (1, 299, 299, 3))
    print(f"InceptionV3 (299) : {rate:8.1f} images/s at batch 64 "
          f"({flops / 1e9:.2f} GFLOP/image -> {rate * flops / 1e9:.1f} GFLOP/s)")

    a, b = rng.normal(size=(5000, 2048)), rng.normal(size=(5000, 2048)) + 0.1
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    start = time.perf_counter()
    value = frechet_distance(mu1, s1, mu2, s2)
    print(f"Frechet distance 2048-d: {time.perf_counter() - start:.2f} s (value {value:.3f})")
    start = time.perf_counter()
    kernel_inception_distance(a, b, num_subsets=100, subset_size=1000)
    print(f"KID, 100 subsets of 1,000 x 2048-d: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    precision_recall(a[:, :128], b[:, :128], k=3)
    print(f"precision/recall, 2 x 5,000 points of 128-d: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
