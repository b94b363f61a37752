"""The InceptionV3 extractor: shapes, resizing, weight files, checksummed fetch."""

import numpy as np
import pytest

from kerasgan.metrics.evaluation import evaluate
from kerasgan.metrics.inception import FEATURE_DIM, InceptionExtractor
from kerasgan.models.dcgan import build_recipe
from kerasgan.utils.download import DownloadError


@pytest.fixture(scope="module")
def random_extractor():
    return InceptionExtractor(weights=None, batch_size=4)


def test_outputs_and_resizing(random_extractor):
    small = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype("float32")
    features, probabilities = random_extractor.features_and_probabilities(small)
    assert features.shape == (3, FEATURE_DIM) and probabilities.shape == (3, 1000)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # Grayscale images are tiled to RGB.
    gray = random_extractor.pool_features(small[..., :1])
    assert gray.shape == (3, FEATURE_DIM)
    with pytest.raises(ValueError, match=r"Expected images \[n, height, width, 1 or 3\]"):
        random_extractor.pool_features(np.zeros((2, 32, 32, 2), "float32"))


def test_weights_file_round_trip(tmp_path, random_extractor):
    path = tmp_path / "inception.weights.h5"
    random_extractor.model.save_weights(path)
    loaded = InceptionExtractor(weights=str(path), batch_size=4)
    images = np.zeros((1, 40, 40, 3), "float32")
    np.testing.assert_allclose(loaded.pool_features(images),
                               random_extractor.pool_features(images), rtol=1e-5, atol=1e-6)
    assert loaded.name == "inception_v3_keras" and len(loaded.weights_sha256) == 64
    with pytest.raises(ValueError, match="Could not load InceptionV3 weights"):
        InceptionExtractor(weights=str(tmp_path / "missing.h5"))


def test_a_tampered_imagenet_download_is_refused(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "inception_v3_weights_tf_dim_ordering_tf_kernels.h5").write_bytes(b"tampered")
    monkeypatch.setenv("KERASGAN_MIRROR", str(mirror))
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    with pytest.raises(DownloadError, match="sha256"):
        InceptionExtractor()


def test_fid_runs_with_a_given_extractor(tmp_path, random_extractor):
    gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8)
    report = evaluate(gan, "fid", extractor=random_extractor, num_samples=8,
                      batch_size=4, cache_dir=tmp_path)
    assert report["metrics"]["fid"] > 0
    assert report["protocol"]["extractor"] == "inception_v3_random"
