"""Throughput of the embedded shapes data: the raw renderer and the full tf.data pipeline.

Prints images/s per resolution for `render_shapes` (one thread, chunks of 64)
and for `kerasgan.data.load("shapes", ...)` on its first (rendering) epoch and
on a second epoch (served from the in-memory cache when the epoch fits in 256 MB).

Usage:
    python benchmarks/bench_shapes.py [--num-examples 4096] [--sizes 32,64,128]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def rate(fn, count):
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-examples", type=int, default=4096)
    parser.add_argument("--sizes", default="32,64,128")
    args = parser.parse_args()

    import kerasgan
    from kerasgan.data.shapes import render_shapes

    n = args.num_examples
    print(f"{os.cpu_count()} CPU cores, {n} images per measurement")
    for size in (int(s) for s in args.sizes.split(",")):
        render_shapes(64, size)  # warm up
        raw = rate(lambda size=size: [render_shapes(64, size, seed=1, start=k)
                                      for k in range(0, n, 64)], n)

        def epoch(dataset):
            return sum(int(batch.shape[0]) for batch in dataset)

        dataset = kerasgan.data.load("shapes", image_size=size, batch_size=64, num_examples=n,
                                     seed=1)
        first = rate(lambda dataset=dataset: epoch(dataset), n)
        second = rate(lambda dataset=dataset: epoch(dataset), n)
        print(f"{size:>4}px  renderer {raw:8.0f} images/s (1 thread) | pipeline epoch 1 "
              f"{first:8.0f} images/s | epoch 2 {second:8.0f} images/s")


if __name__ == "__main__":
    main()
