"""The shipped shapes classifier: accuracy, features, tamper checks, input validation, training."""

import shutil

import numpy as np
import pytest

from kerasgan.data.shapes import CLASS_NAMES, render_shapes
from kerasgan.metrics.domain import (
    FEATURE_DIM,
    HELD_OUT_SEED,
    ShapesExtractor,
    _default_weights,
    train_shapes_classifier,
)


@pytest.fixture(scope="module")
def extractor():
    return ShapesExtractor()


def _held_out(n, size, seed=HELD_OUT_SEED + 77):
    batch = render_shapes(n, size, seed=seed)
    return batch["image"].astype("float32") / 127.5 - 1.0, batch["label"]


@pytest.mark.parametrize("size", [32, 64])
def test_shipped_classifier_is_accurate_on_held_out_images(extractor, size):
    images, labels = _held_out(300, size)
    result = extractor.class_accuracy(images, labels)
    assert result["overall"] >= 0.95, result
    assert set(result["per_class"]) == set(CLASS_NAMES)


def test_features_are_deterministic_and_separate_the_classes(extractor):
    images, labels = _held_out(300, 32)
    features = extractor.features(images)
    assert features.shape == (300, FEATURE_DIM)
    np.testing.assert_array_equal(features, extractor.features(images, batch_size=7))
    means = np.stack([features[labels == k].mean(0) for k in range(len(CLASS_NAMES))])
    within = np.mean([np.linalg.norm(features[labels == k] - means[k], axis=1).mean()
                      for k in range(len(CLASS_NAMES))])
    between = np.mean([np.linalg.norm(means[i] - means[j]) for i in range(len(CLASS_NAMES))
                       for j in range(i + 1, len(CLASS_NAMES))])
    assert between > within
    probabilities = extractor.probabilities(images[:10])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_a_tampered_weights_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "shapes_classifier.weights.h5"
    shutil.copy(_default_weights(), copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    monkeypatch.setattr("kerasgan.metrics.domain._default_weights", lambda: str(copy))
    with pytest.raises(ValueError, match=r"shapes_classifier.weights.h5 are corrupt or were "
                                         r"modified: sha256 [0-9a-f]{64}, expected"):
        ShapesExtractor()
    with pytest.raises(FileNotFoundError, match="No shapes classifier weights at"):
        ShapesExtractor(tmp_path / "missing.weights.h5")


def test_bad_inputs_are_named(extractor):
    with pytest.raises(ValueError, match=r"Expected RGB images \[n, height, width, 3\]"):
        extractor.features(np.zeros((2, 32, 32, 1), "float32"))
    with pytest.raises(ValueError, match=r"Expected RGB images"):
        extractor.features(np.zeros((32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="divide by 127.5"):
        extractor.features(np.full((2, 32, 32, 3), 255.0, "float32"))
    with pytest.raises(ValueError, match="16 to 256 pixels"):
        extractor.features(np.zeros((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match="Expected one label per image"):
        extractor.class_accuracy(np.zeros((2, 32, 32, 3), "float32"), [0, 1, 2])


def test_a_short_training_run_writes_loadable_weights(tmp_path):
    path = tmp_path / "tiny.weights.h5"
    accuracy = train_shapes_classifier(str(path), per_size=16, epochs=1, batch_size=16,
                                       verbose=0)
    assert 0.0 <= accuracy <= 1.0
    custom = ShapesExtractor(path)
    assert custom.name.endswith("-custom") and len(custom.weights_sha256) == 64
    assert custom.features(np.zeros((1, 32, 32, 3), "float32")).shape == (1, FEATURE_DIM)
