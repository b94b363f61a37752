"""Evaluation against data: reference caching, FSD ordering, the fit callback, the CLI."""

import json
import os

import numpy as np
import pytest

from kerasgan import from_preset
from kerasgan.callbacks import EvaluationCallback
from kerasgan.metrics.domain import ShapesExtractor
from kerasgan.metrics.evaluation import evaluate, parse_metrics, reference_statistics
from kerasgan.metrics.frechet import frechet_distance
from kerasgan.models.dcgan import build_recipe
from tests.helpers import two_cpu_strategy

NUM = 512


@pytest.fixture(scope="module")
def extractor():
    return ShapesExtractor()


def _fd(a, b):
    return frechet_distance(a.mean, a.covariance(), b.mean, b.covariance())


def test_reference_statistics_are_cached_and_reused(tmp_path, extractor):
    first = reference_statistics("shapes", extractor, image_size=32, num_samples=200,
                                 keep_features=True, cache_dir=tmp_path)
    assert not first.from_cache and os.path.isfile(first.path)
    second = reference_statistics("shapes", extractor, image_size=32, num_samples=200,
                                  keep_features=True, cache_dir=tmp_path)
    assert second.from_cache
    np.testing.assert_array_equal(first.statistics.mean, second.statistics.mean)
    np.testing.assert_allclose(first.features, second.features, rtol=1e-6)
    assert first.statistics.count == 200 and first.features.shape == (200, second.features.shape[1])
    # Another data seed or image size is another entry.
    other = reference_statistics("shapes", extractor, image_size=32, num_samples=200,
                                 data_seed=1, keep_features=True, cache_dir=tmp_path)
    assert other.path != first.path and not other.from_cache
    assert np.abs(other.statistics.mean - first.statistics.mean).max() > 0


def test_a_corrupt_cache_file_is_recomputed_not_trusted(tmp_path, extractor):
    first = reference_statistics("shapes", extractor, image_size=32, num_samples=100,
                                 cache_dir=tmp_path)
    with open(first.path, "wb") as f:
        f.write(b"not an npz file")
    with pytest.warns(UserWarning, match="Ignoring the cached reference statistics"):
        again = reference_statistics("shapes", extractor, image_size=32, num_samples=100,
                                     cache_dir=tmp_path)
    assert not again.from_cache
    np.testing.assert_allclose(again.statistics.mean, first.statistics.mean, rtol=1e-6)


def test_fsd_orders_real_data_trained_entry_and_untrained_generator(tmp_path, extractor):
    real = reference_statistics("shapes", extractor, image_size=32, num_samples=NUM,
                                cache_dir=tmp_path)
    held_out = reference_statistics("shapes", extractor, image_size=32, num_samples=NUM,
                                    data_seed=7, cache_dir=tmp_path)
    trained = evaluate(from_preset("dcgan_shapes_32", compile=False), "fsd", num_samples=NUM,
                       cache_dir=tmp_path)
    untrained = evaluate(build_recipe("dcgan", image_size=32, base_filters=32,
                                      latent_dim=100), "fsd", num_samples=NUM,
                         cache_dir=tmp_path)
    real_fsd = _fd(held_out.statistics, real.statistics)
    trained_fsd = trained["metrics"]["fsd"]
    untrained_fsd = untrained["metrics"]["fsd"]
    print(f"FSD over {NUM} images: real {real_fsd:.3f}, dcgan_shapes_32 {trained_fsd:.3f}, "
          f"untrained {untrained_fsd:.3f}")
    assert real_fsd < trained_fsd < untrained_fsd
    assert trained["protocol"]["reference_cache"] == "hit"
    assert trained["protocol"]["extractor"] == extractor.name
    assert trained["protocol"]["generator"] == "ema"


def test_evaluate_reports_kid_is_and_precision_recall(tmp_path):
    gan = from_preset("dcgan_shapes_32", compile=False)
    report = evaluate(gan, "kid,is,pr", num_samples=256, cache_dir=tmp_path, is_splits=4,
                      kid_subsets=10, kid_subset_size=100)
    results = report["metrics"]
    assert set(results) == {"kid", "is", "pr"}
    assert 1.0 <= results["is"]["mean"] <= 6.0  # six classes
    assert np.isfinite(results["kid"]["mean"]) and results["kid"]["std"] >= 0
    assert 0.0 <= results["pr"]["precision"] <= 1.0 and 0.0 <= results["pr"]["recall"] <= 1.0
    assert report["protocol"]["kid"] == {"subsets": 10, "subset_size": 100}


def test_bad_metric_names_and_combinations_are_refused():
    with pytest.raises(ValueError, match=r"Received: metrics=fsd,fjd"):
        parse_metrics("fsd,fjd")
    with pytest.raises(ValueError, match="not both"):
        parse_metrics(["fsd", "fid"])
    gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8)
    with pytest.raises(ValueError, match="class-conditional"):
        evaluate(gan, "accuracy", num_samples=8)
    with pytest.raises(ValueError, match="`fsd` uses the shapes extractor"):
        evaluate(gan, "fsd", extractor="inception", num_samples=8)


def test_callback_logs_fsd_during_fit_under_mirrored_strategy(tmp_path):
    from kerasgan.data import load

    with two_cpu_strategy().scope():
        gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8)
    callback = EvaluationCallback("fsd", every_n_epochs=2, num_samples=64, batch_size=32,
                                  cache_dir=tmp_path)
    data = load("shapes", image_size=32, batch_size=8, num_examples=32)
    history = gan.fit(data, epochs=2, verbose=0, callbacks=[callback])
    assert "fsd" in history.history and len(callback.history) == 1
    assert callback.history[0]["epoch"] == 2
    assert np.isfinite(history.history["fsd"][-1]) and history.history["fsd"][-1] > 0
    # Same latents every time: a second evaluation of the same weights agrees.
    again = evaluate(gan, "fsd", num_samples=64, batch_size=32, cache_dir=tmp_path)
    assert again["metrics"]["fsd"] == pytest.approx(history.history["fsd"][-1], rel=1e-4)


def test_cli_evaluate_writes_a_report(tmp_path, monkeypatch, capsys):
    from kerasgan.cli import main

    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    out = tmp_path / "report.json"
    code = main(["evaluate", "dcgan_shapes_32", "--metrics", "fsd,kid", "--num-samples", "200",
                 "--quiet", "--out", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["model"] == "dcgan_shapes_32"
    assert report["metrics"]["fsd"] > 0 and "mean" in report["metrics"]["kid"]
    assert report["protocol"]["num_samples"] == 200 and report["protocol"]["data"] == "shapes"
    assert os.listdir(tmp_path / "home" / "stats")
    assert main(["evaluate", "dcgan_shapes_32", "--metrics", "fsd,xyz"]) == 2
    assert "Received: metrics=fsd,xyz" in capsys.readouterr().err
    assert main(["evaluate", "dcgan_shapes_32", "--class", "1"]) == 2
    assert "--class applies to class-conditional models" in capsys.readouterr().err
