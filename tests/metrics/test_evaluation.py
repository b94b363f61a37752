"""Evaluation against data: reference caching, FSD ordering, the fit callback, the CLI."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from kerasgan import from_preset
from kerasgan.callbacks import EvaluationCallback
from kerasgan.metrics import evaluation
from kerasgan.metrics.domain import ShapesExtractor
from kerasgan.metrics.evaluation import (
    NotEnoughImagesError,
    evaluate,
    parse_metrics,
    reference_key,
    reference_statistics,
)
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


def image_folder(path, count, size=32):
    """A flat folder of `count` distinct random RGB images."""
    os.makedirs(path)
    rng = np.random.RandomState(count)
    for i in range(count):
        pixels = rng.randint(0, 256, size=(size, size, 3)).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(path, f"{i:03d}.png"))
    return f"folder:{path}"


@pytest.fixture
def feature_calls(monkeypatch):
    """Counts the images that go through the extractor."""
    seen = []
    original = evaluation._features_and_probabilities

    def counting(extractor, images, want_probabilities):
        seen.append(len(images))
        return original(extractor, images, want_probabilities)

    monkeypatch.setattr(evaluation, "_features_and_probabilities", counting)
    return seen


def test_reference_statistics_refuse_a_folder_smaller_than_asked(tmp_path, extractor,
                                                                 feature_calls):
    data = image_folder(tmp_path / "five", 5)
    with pytest.raises(NotEnoughImagesError) as info:  # batches of 2: it used 4, silently
        reference_statistics(data, extractor, image_size=32, num_samples=8, batch_size=2,
                             cache_dir=tmp_path / "stats")
    message = str(info.value)
    assert f"The data {data!r} holds 5 images, fewer than the 8 reference images" in message
    assert "--reference-samples 5" in message and "Received: num_samples=8" in message
    assert (info.value.requested, info.value.available) == (8, 5)
    assert feature_calls == []  # refused before reading a single image
    assert not (tmp_path / "stats").exists()  # nothing cached
    with pytest.raises(ValueError, match=r"Received: num_samples=1"):
        reference_statistics(data, extractor, image_size=32, num_samples=1, cache_dir=tmp_path)


def test_reference_statistics_use_every_image_a_folder_holds(tmp_path, extractor):
    """5 images in batches of 2: the last, partial batch counts too (it was dropped: 4)."""
    from kerasgan.data import load

    data = image_folder(tmp_path / "five", 5)
    reference = reference_statistics(data, extractor, image_size=32, num_samples=5,
                                     batch_size=2, cache_dir=tmp_path / "stats")
    assert reference.statistics.count == 5
    everything = next(iter(load(data, image_size=32, batch_size=5, shuffle=False))).numpy()
    expected = np.asarray(extractor.features(everything), np.float64).mean(axis=0)
    np.testing.assert_allclose(reference.statistics.mean, expected, rtol=1e-4, atol=1e-5)


def test_a_cached_reference_holding_fewer_images_than_its_fields_is_not_trusted(
        tmp_path, extractor):
    """A file cached before the size check, for 8 images of a folder of 5, held 5."""
    data = image_folder(tmp_path / "five", 5)
    cache = tmp_path / "stats"
    short = reference_statistics(data, extractor, image_size=32, num_samples=5, cache_dir=cache)
    key, fields = reference_key(data, 32, 8, 0, extractor, False)
    with np.load(short.path) as archive:
        arrays = {name: archive[name] for name in ("count", "mean", "covariance")}
    np.savez(cache / f"{fields['extractor']}-{key[:24]}.npz",
             fields=np.array(json.dumps(fields, sort_keys=True)), **arrays)
    with pytest.warns(UserWarning, match="it holds 5 images, not the 8 of its fields"):
        with pytest.raises(NotEnoughImagesError, match="holds 5 images, fewer than the 8"):
            reference_statistics(data, extractor, image_size=32, num_samples=8, cache_dir=cache)


def test_evaluate_refuses_a_small_folder_before_generating(tmp_path, monkeypatch, feature_calls):
    generated = []
    original = evaluation.generated_batches

    def recording(*args, **kwargs):
        generated.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(evaluation, "generated_batches", recording)
    gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8)
    data = image_folder(tmp_path / "five", 5)
    with pytest.raises(NotEnoughImagesError) as info:  # reference_samples defaults to 8
        evaluate(gan, "fsd", data=data, num_samples=8, batch_size=2,
                 cache_dir=tmp_path / "stats")
    message = str(info.value)
    assert "holds 5 images, fewer than the 8 reference images asked for" in message
    assert "Expected reference_samples <= 5 (it defaults to num_samples=8" in message
    assert "--reference-samples 5" in message
    assert f"Received: reference_samples=8, data={data!r}" in message
    with pytest.raises(NotEnoughImagesError, match=r"Received: reference_samples=6") as info:
        evaluate(gan, "fsd,kid", data=data, num_samples=4, reference_samples=6,
                 cache_dir=tmp_path / "stats")
    assert "defaults" not in str(info.value)
    assert generated == [] and feature_calls == []  # neither generated nor extracted
    with pytest.raises(ValueError, match=r"Received: reference_samples=0"):
        evaluate(gan, "fsd", data=data, num_samples=4, reference_samples=0)
    # As many as it holds, in batches that do not divide them: all five are used.
    report = evaluate(gan, "fsd", data=data, num_samples=4, reference_samples=5, batch_size=2,
                      cache_dir=tmp_path / "stats")
    assert report["protocol"]["reference_samples"] == 5 and len(generated) == 1
    assert sum(feature_calls) == 5 + 4 and np.isfinite(report["metrics"]["fsd"])


def test_cli_evaluate_names_the_data_and_suggests_reference_samples(tmp_path, monkeypatch,
                                                                   capsys):
    from kerasgan.cli import main

    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    data = image_folder(tmp_path / "five", 5)
    argv = ["evaluate", "dcgan_shapes_32", "--data", data, "--num-samples", "8",
            "--batch-size", "2", "--quiet"]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("kerasgan evaluate: error: ")
    assert f"The data {data!r} holds 5 images, fewer than the 8 reference images" in error
    assert "--reference-samples 5" in error and "Received: reference_samples=8" in error
    out = tmp_path / "report.json"
    assert main(argv + ["--reference-samples", "5", "--out", str(out)]) == 0
    protocol = json.loads(out.read_text())["protocol"]
    assert protocol["reference_samples"] == 5 and protocol["num_samples"] == 8
    assert protocol["data"] == data
