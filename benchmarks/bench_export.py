"""Generation throughput of the exported official DCGAN-64 generator, batch 64.

Exports the generator of the official 64x64 configuration (nz 100, ngf 64;
random weights: speed does not depend on them) to SavedModel and ONNX, then
prints images/s and achieved GFLOP/s (forward FLOPs of the generator, counted
from its layer shapes, multiply-add = 2) for:
    keras       the Keras generator called directly (training=False)
    savedmodel  the exported `serving_default` signature, tf.saved_model.load
    onnx        ONNX Runtime, default session options
    onnx-2      ONNX Runtime with intra_op_num_threads = 2
Target: >= 600 images/s in ONNX Runtime on a 2-core CPU.

Usage:
    python benchmarks/bench_export.py [--batches 20] [--batch-size 64]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from benchmarks.bench_train_dcgan import conv_flops  # noqa: E402

TARGET = 600.0


def _rate(run, z, batches):
    run(z)  # warm up
    run(z)
    start = time.perf_counter()
    for _ in range(batches):
        run(z)
    return batches * len(z) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    import onnxruntime as ort
    import tensorflow as tf

    from kerasgan.export import export
    from kerasgan.models.dcgan import build_recipe

    gan = build_recipe("dcgan", image_size=64, compile=False)
    generator = gan.generator
    flops = conv_flops(generator)
    z = np.random.default_rng(0).standard_normal((args.batch_size, 100)).astype(np.float32)

    with tempfile.TemporaryDirectory() as out:
        saved = export(gan, out, format="savedmodel", name="dcgan64")
        onnx_path = export(gan, out, format="onnx", name="dcgan64").path
        signature = tf.saved_model.load(saved.path).signatures["serving_default"]
        default = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        two = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        runs = {
            "keras": lambda x: generator(x, training=False).numpy(),
            "savedmodel": lambda x: signature(z=tf.constant(x))["images"].numpy(),
            "onnx": lambda x: default.run(["images"], {"z": x}),
            "onnx-2": lambda x: two.run(["images"], {"z": x}),
        }
        print(f"DCGAN-64 generator: {flops / 1e9:.3f} GFLOP per image (forward), batch "
              f"{args.batch_size}, {args.batches} batches, {os.cpu_count()} CPUs")
        print(f"{'runtime':<11} {'images/s':>9} {'GFLOP/s':>8}")
        best_onnx = 0.0
        for name, run in runs.items():
            rate = _rate(run, z, args.batches)
            if name.startswith("onnx"):
                best_onnx = max(best_onnx, rate)
            print(f"{name:<11} {rate:9.0f} {rate * flops / 1e9:8.1f}")
    verdict = "met" if best_onnx >= TARGET else "NOT met"
    print(f"ONNX Runtime best {best_onnx:.0f} images/s: target {TARGET:.0f} images/s {verdict} "
          f"({best_onnx / TARGET:.2f}x)")


if __name__ == "__main__":
    main()
