"""Training throughput of the official DCGAN-64 (batch 64) under model.fit.

Prints, per configuration (precision x jit_compile): images/s, achieved
GFLOP/s from an analytic FLOP count of one training step, and the ratio to
this machine's measured matmul peak in the same precision.

FLOP accounting (multiply-add = 2 FLOPs), per image:
    F_G, F_D   forward FLOPs of the generator and the discriminator
    D update   D forward on real + fake (2 F_D), backward for both (2 x 2 F_D)
    G forward  F_G (once: the G update reuses the D update's fake batch)
    G update   D forward on the fake batch after the D update (F_D), backward
               through D to its input (F_D), G backward (2 F_G)
    total      3 F_G + 8 F_D

Usage:
    python benchmarks/bench_train_dcgan.py [--steps 30] [--configs float32:off,mixed_bfloat16:off]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasgan.models.dcgan import build_recipe  # noqa: E402


def conv_flops(model):
    """Forward FLOPs of the conv / transposed conv / dense layers of a model."""
    total = 0
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            in_h, in_w, cin = layer.input.shape[1:]
            kh, kw = layer.kernel_size
            total += 2 * in_h * in_w * kh * kw * cin * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            out_h, out_w, _ = layer.output.shape[1:]
            kh, kw = layer.kernel_size
            cin = layer.input.shape[-1]
            total += 2 * out_h * out_w * kh * kw * cin * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def matmul_peak(dtype, n=2048, repeats=20):
    a = tf.random.normal([n, n], dtype=tf.float32)
    a = tf.cast(a, dtype)
    b = tf.cast(tf.random.normal([n, n]), dtype)
    f = tf.function(lambda: tf.reduce_sum(tf.cast(tf.matmul(a, b), tf.float32)))
    f()
    start = time.perf_counter()
    for _ in range(repeats):
        f().numpy()
    elapsed = time.perf_counter() - start
    return 2 * n**3 * repeats / elapsed / 1e9


def measure(precision, jit, steps, batch_size, image_size=64):
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(0)
    gan = build_recipe("dcgan", image_size=image_size, compile=False)
    gan.compile(**_recipe_compile(jit))
    data = np.random.RandomState(0).uniform(-1, 1, (batch_size * 4, image_size, image_size, 3))
    dataset = (
        tf.data.Dataset.from_tensor_slices(data.astype("float32"))
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    gan.fit(dataset, epochs=1, steps_per_epoch=3, verbose=0)  # trace + warm up
    start = time.perf_counter()
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    elapsed = time.perf_counter() - start
    flops_g, flops_d = conv_flops(gan.generator), conv_flops(gan.discriminator)
    keras.mixed_precision.set_global_policy("float32")
    return steps * batch_size / elapsed, 3 * flops_g + 8 * flops_d, flops_g, flops_d


def _recipe_compile(jit):
    from kerasgan.models.dcgan import get_recipe

    config = get_recipe("dcgan")["compile"]
    config["jit_compile"] = jit
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--configs", default="float32:off,mixed_bfloat16:off,float32:on,mixed_bfloat16:on",
        help="comma-separated precision:jit pairs",
    )
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"{os.cpu_count()} CPU cores, intra-op threads "
          f"{tf.config.threading.get_intra_op_parallelism_threads() or 'auto'}")
    peaks = {"float32": matmul_peak(tf.float32), "mixed_bfloat16": matmul_peak(tf.bfloat16)}
    print(f"matmul peak (2048x2048): float32 {peaks['float32']:.0f} GFLOP/s, "
          f"bfloat16 {peaks['mixed_bfloat16']:.0f} GFLOP/s")
    for item in args.configs.split(","):
        precision, jit = item.split(":")
        ips, step_flops, fg, fd = measure(precision, jit == "on", args.steps, args.batch_size)
        achieved = ips * step_flops / 1e9
        peak = peaks.get(precision, peaks["float32"])
        print(
            f"{precision:>15} jit={jit:<3} {ips:7.1f} images/s | "
            f"step {step_flops / 1e9:.2f} GFLOP/image (F_G {fg / 1e9:.3f}, F_D {fd / 1e9:.3f}) | "
            f"{achieved:6.1f} GFLOP/s = {achieved / peak:.2f} of the {precision} matmul peak | "
            f"bound {peak * 1e9 / step_flops:.0f} images/s"
        )


if __name__ == "__main__":
    main()
