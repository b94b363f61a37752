"""Does DCGAN learn the embedded shapes? Trains briefly and prints before/after statistics.

Prints the discriminator's real/fake accuracy per epoch and the color
histogram distance (L1 between per-channel 32-bin histograms, in [0, 2]) from
generated samples to held-out data, for the untrained and the trained
generator, and for data against other data (the floor).

Usage:
    python benchmarks/bench_learning.py [--recipe dcgan] [--epochs 6] [--image-size 32]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def color_histogram_distance(a, b, bins=32):
    """L1 distance between the per-channel pixel histograms of two image sets in [-1, 1]."""
    total = 0.0
    for channel in range(a.shape[-1]):
        ha, _ = np.histogram(a[..., channel], bins=bins, range=(-1, 1))
        hb, _ = np.histogram(b[..., channel], bins=bins, range=(-1, 1))
        total += np.abs(ha / ha.sum() - hb / hb.sum()).sum()
    return float(total / a.shape[-1])


def _images(dataset, n):
    batches, count = [], 0
    for batch in dataset:
        batch = batch[0] if isinstance(batch, tuple) else batch
        batches.append(batch.numpy())
        count += len(batches[-1])
        if count >= n:
            break
    return np.concatenate(batches)[:n]


def train_and_measure(recipe="dcgan", image_size=32, epochs=6, num_examples=4096,
                      batch_size=64, seed=0, num_eval=512):
    import keras

    import kerasgan
    from kerasgan.models.dcgan import build_recipe

    keras.utils.set_random_seed(seed)
    train = kerasgan.data.load("shapes", image_size=image_size, batch_size=batch_size,
                               num_examples=num_examples, seed=seed)
    held_out = _images(kerasgan.data.load("shapes", image_size=image_size, batch_size=64,
                                          num_examples=num_eval, seed=seed + 1000), num_eval)
    other = _images(kerasgan.data.load("shapes", image_size=image_size, batch_size=64,
                                       num_examples=num_eval, seed=seed + 2000), num_eval)
    gan = build_recipe(recipe, image_size=image_size)
    before = color_histogram_distance(gan.generate(num_eval, seed=seed), held_out)
    start = time.perf_counter()
    history = gan.fit(train, epochs=epochs, verbose=0)
    elapsed = time.perf_counter() - start
    after = color_histogram_distance(gan.generate(num_eval, seed=seed), held_out)
    return {
        "d_accuracy": history.history["d_accuracy"],
        "g_loss": history.history["g_loss"],
        "d_loss": history.history["d_loss"],
        "histogram_distance_before": before,
        "histogram_distance_after": after,
        "histogram_distance_data_floor": color_histogram_distance(other, held_out),
        "train_seconds": elapsed,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", default="dcgan")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--num-examples", type=int, default=4096)
    args = parser.parse_args()
    result = train_and_measure(args.recipe, args.image_size, args.epochs, args.num_examples)
    print(f"recipe {args.recipe}, {args.image_size}px, {args.epochs} epochs of "
          f"{args.num_examples} images, {result['train_seconds']:.0f} s of training")
    for epoch, (acc, dl, gl) in enumerate(
        zip(result["d_accuracy"], result["d_loss"], result["g_loss"]), start=1
    ):
        print(f"epoch {epoch}: d_accuracy {acc:.3f}  d_loss {dl:.3f}  g_loss {gl:.3f}")
    b, a = result["histogram_distance_before"], result["histogram_distance_after"]
    floor = result["histogram_distance_data_floor"]
    print(f"color histogram distance to held-out data: untrained {b:.3f} -> trained {a:.3f} "
          f"(x{b / a:.1f} better); data vs data floor {floor:.3f}")


if __name__ == "__main__":
    main()
