"""Evaluation of a generator against data: FSD/FID, KID, IS, precision/recall, class accuracy.

`evaluate(model, metrics=..., data=...)` generates `num_samples` images in
chunks, runs them through a feature extractor, and compares them with the
reference statistics of the data, which are computed once per (data spec,
image size, sample count, data seed, extractor, extractor weights) and cached
under `$KERASGAN_HOME/stats`. Nothing but running statistics (and, for KID
and precision/recall, the features themselves) is held in memory.

Metric names say which extractor they use:

- `fsd`: Frechet *Shapes* Distance, on the features of the project's shapes
  classifier (`kerasgan.metrics.domain.ShapesExtractor`). It runs offline and
  is comparable only with other FSD values (never call it FID).
- `fid`: Frechet Inception Distance, on InceptionV3 pool features
  (`kerasgan.metrics.inception.InceptionExtractor`; its weights must be given
  or fetched).
- `kid`, `is`, `pr`: on the extractor chosen by `extractor=` (by default the
  shapes classifier when `fsd` is asked or the data is `shapes`, otherwise
  InceptionV3). `is` uses that extractor's class probabilities.
- `accuracy`: for class-conditional models, the fraction of samples of class k
  that the shapes classifier assigns to class k (overall and per class).
"""

import hashlib
import json
import numbers
import os
import tempfile
import warnings

import numpy as np

METRICS = ("fsd", "fid", "kid", "is", "pr", "accuracy")
EXTRACTORS = ("shapes", "inception")
STATS_SUBDIR = "stats"
_CACHE_FORMAT = 1


def parse_metrics(metrics):
    """A tuple of metric names from `"fsd,kid"` or a sequence, validated."""
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    names = tuple(dict.fromkeys(str(m).lower() for m in metrics))
    unknown = [m for m in names if m not in METRICS]
    if not names or unknown:
        raise ValueError(f"Expected metrics among {', '.join(METRICS)}. "
                         f"Received: metrics={','.join(names) or '(none)'}")
    if "fsd" in names and "fid" in names:
        raise ValueError("Ask for `fsd` or `fid` in one evaluation, not both (they use "
                         "different extractors). Received: metrics=" + ",".join(names))
    return names


def default_extractor_name(metrics, data):
    if "fid" in metrics:
        return "inception"
    if "fsd" in metrics or "accuracy" in metrics:
        return "shapes"
    return "shapes" if str(data).split(":")[0] == "shapes" else "inception"


def get_extractor(name="shapes", weights=None):
    """The feature extractor `name` ("shapes" or "inception"), with optional local weights."""
    if name == "shapes":
        from kerasgan.metrics.domain import ShapesExtractor

        return ShapesExtractor(weights=weights)
    if name == "inception":
        from kerasgan.metrics.inception import InceptionExtractor

        return InceptionExtractor(weights=weights or "imagenet")
    raise ValueError(f"Expected an extractor among {', '.join(EXTRACTORS)}. "
                     f"Received: extractor={name!r}")


def _extractor_id(extractor):
    name = getattr(extractor, "name", None) or type(extractor).__name__
    digest = getattr(extractor, "weights_sha256", None) or "unknown-weights"
    return str(name), str(digest)


def _features_and_probabilities(extractor, images, want_probabilities):
    from kerasgan.metrics.inception import InceptionExtractor

    if want_probabilities and isinstance(extractor, InceptionExtractor):  # one pass for both
        features, probabilities = extractor.features_and_probabilities(images)
        return np.asarray(features, np.float64), probabilities
    features = extractor.features(images)  # InceptionV3: its pool features
    probabilities = extractor.probabilities(images) if want_probabilities else None
    return np.asarray(features, np.float64), probabilities


# ------------------------------------------------------------ reference statistics
def reference_key(data, image_size, num_samples, data_seed, extractor, keep_features):
    name, digest = _extractor_id(extractor)
    fields = {"format": _CACHE_FORMAT, "data": str(data), "image_size": int(image_size),
              "num_samples": int(num_samples), "data_seed": int(data_seed),
              "extractor": name, "extractor_sha256": digest,
              "features": bool(keep_features)}
    text = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest(), fields


class NotEnoughImagesError(ValueError):
    """Raised when a finite dataset holds fewer real images than the reference asks for."""

    def __init__(self, data, requested, available, argument="num_samples", hint=""):
        self.data, self.requested, self.available = data, requested, available
        super().__init__(
            f"The data {data!r} holds {available} images, fewer than the {requested} reference "
            f"images asked for. Expected {argument} <= {available}{hint}: pass "
            f"--reference-samples {available} (or fewer) to `kerasgan evaluate`, "
            f"reference_samples={available} to `kerasgan.metrics.evaluate`, or use more data. "
            f"Received: {argument}={requested}, data={data!r}"
        )


def _check_sample_count(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 2:
        raise ValueError(f"`{name}` must be an integer >= 2. Received: {name}={value!r}")
    return int(value)


class Reference:
    """Reference statistics of real data: running mean/covariance, optionally the features."""

    def __init__(self, statistics, features, fields, path, from_cache):
        self.statistics = statistics
        self.features = features
        self.fields = fields
        self.path = path
        self.from_cache = from_cache


def _stats_dir(cache_dir):
    if cache_dir is not None:
        return os.fspath(cache_dir)
    from kerasgan.utils.download import kerasgan_home

    return os.path.join(kerasgan_home(), STATS_SUBDIR)


def _load_cached(path, fields, keep_features):
    from kerasgan.metrics.statistics import RunningStatistics

    try:
        with np.load(path, allow_pickle=False) as archive:
            stored = json.loads(str(archive["fields"]))
            if stored != fields:
                raise ValueError("its fields differ from the request")
            # A file cached before the size check may hold fewer images than asked for.
            if int(archive["count"]) != fields["num_samples"]:
                raise ValueError(f"it holds {int(archive['count'])} images, not the "
                                 f"{fields['num_samples']} of its fields")
            stats = RunningStatistics.from_dict(
                {"count": int(archive["count"]), "mean": archive["mean"],
                 "covariance": archive["covariance"]})
            features = np.array(archive["features"]) if keep_features else None
    except Exception as error:  # a corrupt or foreign file is recomputed, never trusted
        warnings.warn(f"Ignoring the cached reference statistics {path}: {error}. "
                      "They are computed again.", stacklevel=3)
        return None
    return stats, features


def _save_cached(path, fields, stats, features):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    payload = stats.to_dict()
    arrays = {"fields": np.array(json.dumps(fields, sort_keys=True)),
              "count": np.array(payload["count"]), "mean": payload["mean"],
              "covariance": payload["covariance"]}
    if features is not None:
        arrays["features"] = features.astype(np.float32)
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".npz.part")
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def reference_statistics(data, extractor, *, image_size, num_samples=10_000, data_seed=0,
                         keep_features=False, batch_size=100, cache_dir=None, use_cache=True,
                         progress=None):
    """The reference statistics of `num_samples` real images of `data` (cached).

    Args:
        data: a data spec (`"shapes"`, `"folder:PATH"`, `"tfds:NAME"`).
        extractor: a feature extractor (see `get_extractor`).
        image_size: the side the real images are loaded at (the generator's).
        num_samples: how many real images. A finite dataset (a folder, a TFDS
            split) holding fewer raises `NotEnoughImagesError` before any image
            is read; every image asked for is used (no remainder is dropped).
        data_seed: the seed of the embedded data and of the shuffling.
        keep_features: also keep the features (for KID, precision/recall).
        cache_dir: where to cache (default `$KERASGAN_HOME/stats`).
        use_cache: read and write the cache.
        progress: a callable `progress(count)` called after each batch.
    """
    from kerasgan.data import load
    from kerasgan.metrics.statistics import RunningStatistics

    num_samples = _check_sample_count("num_samples", num_samples)
    key, fields = reference_key(data, image_size, num_samples, data_seed, extractor,
                                keep_features)
    path = os.path.join(_stats_dir(cache_dir), f"{fields['extractor']}-{key[:24]}.npz")
    if use_cache and os.path.isfile(path):
        cached = _load_cached(path, fields, keep_features)
        if cached is not None:
            return Reference(cached[0], cached[1], fields, path, True)
    batch = min(batch_size, num_samples)
    if str(data).split(":")[0] == "shapes":
        # Batches drop their remainder: render whole batches, keep num_samples.
        dataset = load(data, image_size=image_size, batch_size=batch, shuffle=True,
                       seed=data_seed, num_examples=-(-num_samples // batch) * batch)
    else:
        # Finite data: one image per element gives its size before anything is decoded,
        # then batches keep their remainder so that all num_samples images can be used.
        # The shuffle permutes images before batching: the same images for any batch size.
        dataset = load(data, image_size=image_size, batch_size=1, shuffle=True, seed=data_seed)
        available = int(dataset.cardinality())
        if 0 <= available < num_samples:
            raise NotEnoughImagesError(data, num_samples, available)
        dataset = dataset.unbatch().batch(batch)
    stats, kept, seen = None, [], 0
    for images in dataset:
        images = images.numpy()[: num_samples - seen]
        features, _ = _features_and_probabilities(extractor, images, False)
        if stats is None:
            stats = RunningStatistics(features.shape[1])
        stats.update(features)
        if keep_features:
            kept.append(features.astype(np.float32))
        seen += len(images)
        if progress is not None:
            progress(seen)
        if seen >= num_samples:
            break
    if seen < num_samples:  # a dataset whose size was unknown up front
        raise NotEnoughImagesError(data, num_samples, seen)
    features = np.concatenate(kept) if keep_features else None
    if use_cache:
        _save_cached(path, fields, stats, features)
    return Reference(stats, features, fields, path, False)


# ------------------------------------------------------------------ generation
def _latents(model, num_samples, seed, truncation):
    import tensorflow as tf

    if truncation is not None:
        from kerasgan.latent.truncation import truncated_normal

        if model.latent_distribution != "normal":
            raise ValueError("The truncation trick applies to normal latents. Received: a model "
                             f"with latent_distribution={model.latent_distribution!r}")
        return truncated_normal((num_samples, model.latent_dim), truncation, seed=seed)
    return model.sample_latents(num_samples, tf.constant([seed, 0], tf.int64)).numpy()


def generated_batches(model, num_samples, *, seed=0, batch_size=100, labels=None,
                      truncation=None, use_ema=True):
    """Yields `(images, labels)` chunks of `num_samples` generated images (labels or None)."""
    z = _latents(model, num_samples, seed, truncation)
    label_array = model._generation_labels(labels, num_samples) if model.num_classes else None
    if labels is not None and not model.num_classes:
        raise ValueError("`labels` were given for an unconditional model.")
    for start in range(0, num_samples, batch_size):
        stop = min(start + batch_size, num_samples)
        chunk_labels = None if label_array is None else label_array[start:stop]
        images = model.generate(z[start:stop], labels=chunk_labels, use_ema=use_ema,
                                batch_size=batch_size)
        yield images, chunk_labels


# -------------------------------------------------------------------- evaluate
def evaluate(model, metrics=("fsd",), *, data="shapes", num_samples=10_000,
             reference_samples=None, extractor=None, extractor_weights=None, seed=0,
             data_seed=0, batch_size=100, labels=None, truncation=None, use_ema=True,
             kid_subsets=100, kid_subset_size=1000, pr_k=3, is_splits=10, cache_dir=None,
             use_cache=True, progress=False):
    """Measures `metrics` of a kerasgan GAN's samples against `data`; returns a report dict.

    Args:
        model: a kerasgan GAN (its EMA generator is used where it has one).
        metrics: names among `METRICS`, a sequence or a comma-separated string.
        data: the real data spec.
        num_samples: generated images.
        reference_samples: real images (default `num_samples`). Data holding
            fewer raises `NotEnoughImagesError` before any sample is generated.
        extractor: an extractor object or name ("shapes", "inception").
        extractor_weights: a local weights file for the extractor.
        seed: seeds the latents (and nothing else).
        data_seed: seeds the real data.
        labels: for class-conditional models, a class for every sample (default:
            sample i gets class i mod the number of classes).
        truncation: sample latents with the truncation trick at this threshold.
        progress: show a progress bar (stdout).

    Returns:
        `{"metrics": {name: value}, "protocol": {...}}`; `kid`, `is` give
        `{"mean", "std"}`, `pr` gives `{"precision", "recall"}`, `accuracy`
        gives `{"overall", "per_class"}`.
    """
    from kerasgan.metrics.frechet import frechet_distance
    from kerasgan.metrics.statistics import RunningStatistics

    names = parse_metrics(metrics)
    if not isinstance(num_samples, int) or num_samples < 2:
        raise ValueError(f"`num_samples` must be an integer >= 2. Received: {num_samples!r}")
    defaulted = reference_samples is None
    if not defaulted:
        reference_samples = _check_sample_count("reference_samples", reference_samples)
    if "accuracy" in names and not model.num_classes:
        raise ValueError("`accuracy` measures class-conditional models; this model has "
                         "num_classes=None.")
    if isinstance(extractor, str) or extractor is None:
        extractor_name = extractor or default_extractor_name(names, data)
        if "fsd" in names and extractor_name != "shapes":
            raise ValueError(f"`fsd` uses the shapes extractor. Received: extractor="
                             f"{extractor_name!r}")
        if "fid" in names and extractor_name != "inception":
            raise ValueError(f"`fid` uses InceptionV3. Received: extractor={extractor_name!r}")
        extractor = get_extractor(extractor_name, extractor_weights)
    classifier = None
    if "accuracy" in names:
        from kerasgan.metrics.domain import ShapesExtractor

        classifier = extractor if isinstance(extractor, ShapesExtractor) else get_extractor(
            "shapes")
    reference_samples = num_samples if defaulted else reference_samples
    image_size = int(model.generator.outputs[0].shape[1])
    keep = any(n in names for n in ("kid", "pr"))

    bar = None
    if progress:
        import keras

        total = num_samples + (reference_samples if any(
            n in names for n in ("fsd", "fid", "kid", "pr")) else 0)
        bar = keras.utils.Progbar(total, unit_name="image")
    done = [0]

    def advance(count_in_stage, offset):
        if bar is not None:
            bar.update(offset + count_in_stage)
        done[0] = offset + count_in_stage

    reference = None
    if any(n in names for n in ("fsd", "fid", "kid", "pr")):
        try:
            reference = reference_statistics(
                data, extractor, image_size=image_size, num_samples=reference_samples,
                data_seed=data_seed, keep_features=keep, batch_size=batch_size,
                cache_dir=cache_dir, use_cache=use_cache,
                progress=lambda n: advance(n, 0))
        except NotEnoughImagesError as error:
            hint = (f" (it defaults to num_samples={num_samples}; --num-samples on the "
                    "command line)") if defaulted else ""
            raise NotEnoughImagesError(data, error.requested, error.available,
                                       "reference_samples", hint) from None
        if bar is not None and reference.from_cache:
            bar.update(reference_samples)
        offset = reference_samples
    else:
        offset = 0

    stats, kept, probabilities, predictions, all_labels = None, [], [], [], []
    want_probabilities = "is" in names
    seen = 0
    for images, chunk_labels in generated_batches(model, num_samples, seed=seed,
                                                  batch_size=batch_size, labels=labels,
                                                  truncation=truncation, use_ema=use_ema):
        if reference is not None or want_probabilities:
            features, probs = _features_and_probabilities(extractor, images,
                                                          want_probabilities)
            if stats is None:
                stats = RunningStatistics(features.shape[1])
            stats.update(features)
            if keep:
                kept.append(features.astype(np.float32))
            if probs is not None:
                probabilities.append(np.asarray(probs, np.float64))
        if classifier is not None:
            predictions.append(np.asarray(classifier.predict_classes(images)))
            all_labels.append(chunk_labels)
        seen += len(images)
        advance(seen, offset)

    results = {}
    if "fsd" in names or "fid" in names:
        key = "fsd" if "fsd" in names else "fid"
        results[key] = float(frechet_distance(
            stats.mean, stats.covariance(), reference.statistics.mean,
            reference.statistics.covariance()))
    fake_features = np.concatenate(kept) if keep else None
    if "kid" in names:
        from kerasgan.metrics.kid import kernel_inception_distance

        size = min(kid_subset_size, len(fake_features), len(reference.features))
        mean, std = kernel_inception_distance(reference.features, fake_features,
                                              num_subsets=kid_subsets, subset_size=size,
                                              seed=seed)
        results["kid"] = {"mean": float(mean), "std": float(std)}
    if "is" in names:
        from kerasgan.metrics.inception_score import inception_score

        mean, std = inception_score(np.concatenate(probabilities), splits=is_splits)
        results["is"] = {"mean": float(mean), "std": float(std)}
    if "pr" in names:
        from kerasgan.metrics.precision_recall import precision_recall

        pr = precision_recall(reference.features, fake_features, k=pr_k)
        results["pr"] = {"precision": float(pr["precision"]), "recall": float(pr["recall"])}
    if "accuracy" in names:
        results["accuracy"] = _class_accuracy(np.concatenate(predictions),
                                              np.concatenate(all_labels), classifier)

    name, digest = _extractor_id(extractor)
    protocol = {
        "extractor": name, "extractor_sha256": digest, "num_samples": num_samples,
        "reference_samples": reference.statistics.count if reference else None,
        "data": str(data), "data_seed": data_seed, "seed": seed, "image_size": image_size,
        "generator": "ema" if (use_ema and model.ema_generator is not None) else "raw",
        "truncation": truncation,
    }
    if "kid" in names:
        protocol["kid"] = {"subsets": kid_subsets, "subset_size": min(
            kid_subset_size, num_samples, protocol["reference_samples"])}
    if "is" in names:
        protocol["is_splits"] = is_splits
    if "pr" in names:
        protocol["pr_k"] = pr_k
    if reference is not None:
        protocol["reference_cache"] = "hit" if reference.from_cache else "computed"
    return {"metrics": results, "protocol": protocol}


def _class_accuracy(predicted, labels, classifier):
    from kerasgan.data.shapes import CLASS_NAMES

    names = getattr(classifier, "class_names", CLASS_NAMES)
    per_class = {}
    for k, class_name in enumerate(names):
        mask = labels == k
        if mask.any():
            per_class[class_name] = float(np.mean(predicted[mask] == k))
    return {"overall": float(np.mean(predicted == labels)), "per_class": per_class}
