"""Training throughput of the growing families at 64x64 under model.fit (one step per batch).

For each registered growing recipe given (default: `progan`, and `stylegan`
when registered) and each precision, prints images/s of the training step at
the full resolution (lod 0), the step's FLOPs from the networks' forward FLOPs,
the achieved GFLOP/s and the ratio to this machine's matmul peak in that
precision, measured in the same run.

FLOP accounting (multiply-add = 2 FLOPs), per image. F_G and F_D are the
forward FLOPs of the generator and the discriminator, counted by TensorFlow's
profiler on their forward graphs. A backward pass is counted at twice its
forward. A gradient penalty (WGAN-GP on interpolates, R1 on reals) is counted
as one more D forward (F_D), the gradient to the input (2 F_D) and the
backward of that gradient (4 F_D):

    D phase    G forward F_G; D on reals and fakes 2 F_D, backward 4 F_D;
               penalty 7 F_D
    G phase    G forward F_G, D forward F_D, backward through D 2 F_D, G backward 2 F_G
    total      4 F_G + 16 F_D

The growing networks compute every resolution's layers at every level of
detail (the official "linear" structure, blended by lod), so this is also the
cost of a step at lower resolutions.

Usage:
    python benchmarks/bench_train_growing.py [--recipes progan,stylegan] [--steps 10]
        [--precisions float32,mixed_bfloat16] [--fmap-base 2048 --fmap-max 256]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.bench_train_dcgan import matmul_peak  # noqa: E402
from kerasgan.models import registry  # noqa: E402


def forward_flops(network, shape):
    """FLOPs of one forward pass of `network` on one input of `shape` (TF profiler)."""
    function = tf.function(lambda x: network(x, training=False))
    graph = function.get_concrete_function(tf.TensorSpec([1, *shape], tf.float32)).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return tf.compat.v1.profiler.profile(graph, options=options).total_float_ops


def measure(recipe, precision, steps, batch_size, image_size, fmap_base, fmap_max):
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(0)
    # A schedule whose first segment is the full resolution: initial = final resolution.
    gan = registry.build(recipe, image_size=image_size, initial_resolution=image_size,
                         fmap_base=fmap_base, fmap_max=fmap_max,
                         batch_sizes=f"{image_size}:{batch_size}", batch_size=batch_size)
    data = np.random.RandomState(0).uniform(-1, 1, (batch_size * 4, image_size, image_size, 3))
    dataset = (tf.data.Dataset.from_tensor_slices(data.astype("float32")).repeat()
               .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    gan.fit(dataset, epochs=1, steps_per_epoch=3, verbose=0)  # trace and warm up
    start = time.perf_counter()
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    elapsed = time.perf_counter() - start
    keras.mixed_precision.set_global_policy("float32")
    latent = int(gan.generator.inputs[0].shape[-1])
    flops_g = forward_flops(gan.generator, (latent,))
    flops_d = forward_flops(gan.discriminator, (image_size, image_size, 3))
    return steps * batch_size / elapsed, 4 * flops_g + 16 * flops_d, flops_g, flops_d


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = ",".join(name for name in ("progan", "stylegan") if registry.is_recipe(name))
    parser.add_argument("--recipes", default=default)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--fmap-base", type=int, default=2048)
    parser.add_argument("--fmap-max", type=int, default=256)
    parser.add_argument("--precisions", default="float32,mixed_bfloat16")
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores; "
          f"{args.image_size}x{args.image_size}, batch {args.batch_size}, fmap_base "
          f"{args.fmap_base}, fmap_max {args.fmap_max}")
    peaks = {"float32": matmul_peak(tf.float32), "mixed_bfloat16": matmul_peak(tf.bfloat16)}
    print(f"matmul peak (2048x2048): float32 {peaks['float32']:.0f} GFLOP/s, "
          f"bfloat16 {peaks['mixed_bfloat16']:.0f} GFLOP/s")
    for recipe in args.recipes.split(","):
        for precision in args.precisions.split(","):
            ips, step_flops, fg, fd = measure(recipe, precision, args.steps, args.batch_size,
                                              args.image_size, args.fmap_base, args.fmap_max)
            achieved = ips * step_flops / 1e9
            peak = peaks.get(precision, peaks["float32"])
            print(f"{recipe:>9} {precision:>15} {ips:7.1f} images/s | step "
                  f"{step_flops / 1e9:.2f} GFLOP/image (F_G {fg / 1e9:.3f}, F_D {fd / 1e9:.3f}) "
                  f"| {achieved:6.1f} GFLOP/s = {achieved / peak:.3f} of the {precision} matmul "
                  f"peak")


if __name__ == "__main__":
    main()
