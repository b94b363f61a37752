"""What crash-safe checkpoints cost: seconds per save, and training throughput with a
checkpoint every N steps against the same run that never saves.

Trains a DCGAN (`registry.build`) on the embedded shapes stream (`start_batch=0`, so the data
position is the step count) with `kerasgan.callbacks.CrashSafeCheckpoint`, interleaving runs
that save every `--every` steps with runs that never save, and prints the checkpoint's size,
the time of one save (measured directly, `--saves` times) and the throughput ratio.

Usage:
    python benchmarks/bench_checkpoint.py [--image-size 32] [--base-filters 16]
        [--batch-size 64] [--steps 300] [--every 100] [--repeats 2]
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--base-filters", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()

    import keras

    from kerasgan.callbacks import CrashSafeCheckpoint
    from kerasgan.data import load
    from kerasgan.models import registry

    def build():
        keras.utils.set_random_seed(0)
        return registry.build("dcgan", image_size=args.image_size,
                              base_filters=args.base_filters)

    data = load("shapes", image_size=args.image_size, batch_size=args.batch_size,
                num_examples=max(1024, args.batch_size * 16), start_batch=0)

    def train(every):
        gan = build()
        with tempfile.TemporaryDirectory() as folder:
            callbacks = [] if every is None else [
                CrashSafeCheckpoint(folder, save_every_steps=every,
                                    restore_on_train_begin=False)]
            gan.fit(data, epochs=1, steps_per_epoch=10, verbose=0)  # trace, warm the cache
            start = time.perf_counter()
            gan.fit(data, epochs=2, initial_epoch=1, steps_per_epoch=args.steps,
                    callbacks=callbacks, verbose=0)
            seconds = time.perf_counter() - start
        return args.steps * args.batch_size / seconds

    rates = {"never": [], "every": []}
    for _ in range(args.repeats):
        rates["never"].append(train(None))
        rates["every"].append(train(args.every))

    gan = build()
    gan.fit(data, epochs=1, steps_per_epoch=2, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = CrashSafeCheckpoint(folder, restore_on_train_begin=False)
        checkpoint.set_model(gan)
        times = []
        for _ in range(args.saves):
            start = time.perf_counter()
            checkpoint.save()
            times.append(time.perf_counter() - start)
        size = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)
                   if name.startswith(f"ckpt-{checkpoint.global_step}."))

    never, every = statistics.median(rates["never"]), statistics.median(rates["every"])
    print(f"{os.cpu_count()} CPU cores; DCGAN {args.image_size}px, base filters "
          f"{args.base_filters}, batch {args.batch_size}, {args.steps} steps per run, "
          f"{args.repeats} interleaved runs each")
    print(f"checkpoint: {size / 2**20:.2f} MiB (weights, both optimizers, metrics, metadata); "
          f"one save {statistics.median(times) * 1e3:.0f} ms (median of {args.saves}, "
          f"min {min(times) * 1e3:.0f} ms)")
    print(f"never saving:          {never:8.1f} images/s  {rates['never']}")
    print(f"saving every {args.every:>4} steps: {every:8.1f} images/s  {rates['every']}")
    print(f"ratio (every {args.every} / never): {every / never:.3f}")


if __name__ == "__main__":
    main()
