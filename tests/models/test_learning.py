"""Learning, not just running: a short DCGAN training on the embedded shapes (slow).

Run with `python -m pytest -m slow`. The same measurement prints its figures
in `benchmarks/bench_learning.py`.
"""

import numpy as np
import pytest

from benchmarks.bench_learning import color_histogram_distance, train_and_measure


@pytest.mark.slow
def test_dcgan_learns_the_shapes_color_statistics():
    result = train_and_measure(recipe="dcgan", image_size=32, epochs=6, num_examples=4096)
    # The discriminator separates perfectly at first, then the generator catches up.
    assert max(result["d_accuracy"][:2]) > 0.9
    assert min(result["d_accuracy"]) < 0.99
    # Samples move towards the data's color statistics by a large factor.
    assert result["histogram_distance_after"] * 3 < result["histogram_distance_before"]
    assert np.isfinite(result["g_loss"]).all()


def test_color_histogram_distance_is_zero_for_identical_sets_and_grows_with_shift():
    rng = np.random.RandomState(0)
    images = rng.uniform(-1, 1, (64, 8, 8, 3)).astype("float32")
    assert color_histogram_distance(images, images) == 0.0
    shifted = np.clip(images + 0.5, -1, 1)
    assert color_histogram_distance(images, shifted) > color_histogram_distance(
        images, np.clip(images + 0.1, -1, 1))
