"""Measures of image-to-image models on the embedded shapes data (the zoo cards' figures).

- Pix2Pix (edges -> image): the L1 error of the translations to the true
  images of held-out pairs, beside the identity mapping's (the edge map taken
  as the image) and an untrained model's; and the shapes classifier's class
  accuracy on the translations (does the outline come out as the right
  shape?), beside its accuracy on the true images.
- CycleGAN (domain A <-> B): the share of translations a domain statistic
  assigns to the target domain, the cycle reconstruction L1 (A -> B -> A,
  B -> A -> B), and the class accuracy of the translations (is the content
  kept?). The domain statistic is `HistogramDomainClassifier`: the shapes'
  domain A is drawn on dark backgrounds, domain B on light ones, and the
  luminance histogram tells them apart (its accuracy on real images is
  reported beside); an image far from both domains counts as neither.
"""

import numpy as np

HELD_OUT_SEED = 1000
CLASSIFIER_FIT_SEED = 2000


def mean_l1(a, b):
    """Mean absolute difference of two image batches."""
    return float(np.mean(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


class HistogramDomainClassifier:
    """Assigns an image to domain A, domain B or neither by its colour statistics.

    Each image is summarized by its luminance histogram (16 bins over
    [-1, 1], normalized). `fit(a_images, b_images)` keeps each domain's mean
    histogram and the distance (L1) within which 95% of its own images lie.
    `predict` gives the nearer domain (0 = A, 1 = B) when the image lies
    within that domain's radius, and -1 (neither) otherwise, so a flat grey
    image or noise is not counted as a translation into either domain.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> dark, light = rng.uniform(-1, -0.5, (8, 8, 8, 3)), rng.uniform(0.5, 1, (8, 8, 8, 3))
    >>> clf = HistogramDomainClassifier().fit(dark, light)
    >>> float(np.mean(clf.predict(light) == 1)) >= 0.875, clf.predict(np.zeros((1, 8, 8, 3)))
    (True, array([-1]))
    """

    bins = 16
    coverage = 0.95

    def __init__(self):
        self.centroids = None
        self.radii = None

    @classmethod
    def histograms(cls, images):
        images = np.asarray(images, np.float32)
        luminance = images.mean(axis=-1).reshape(len(images), -1)
        index = np.clip(((luminance + 1.0) / 2.0 * cls.bins).astype(np.int64), 0, cls.bins - 1)
        counts = np.stack([np.bincount(row, minlength=cls.bins) for row in index])
        return counts / luminance.shape[1]

    def fit(self, a_images, b_images):
        features = [self.histograms(a_images), self.histograms(b_images)]
        self.centroids = [f.mean(axis=0) for f in features]
        self.radii = [float(np.quantile(np.abs(f - c).sum(axis=1), self.coverage))
                      for f, c in zip(features, self.centroids)]
        if np.abs(self.centroids[0] - self.centroids[1]).sum() <= max(self.radii) * 0.5:
            raise ValueError("The two domains have nearly the same colour statistics: a "
                             "histogram classifier cannot separate them.")
        return self

    def predict(self, images):
        if self.centroids is None:
            raise ValueError("Call fit(a_images, b_images) first.")
        features = self.histograms(images)
        distances = np.stack([np.abs(features - c).sum(axis=1) for c in self.centroids], 1)
        nearer = distances.argmin(axis=1)
        within = distances[np.arange(len(features)), nearer] <= np.asarray(self.radii)[nearer]
        return np.where(within, nearer, -1)

    def accuracy(self, images, domain):
        """Share of `images` assigned to `domain` (0 = A, 1 = B)."""
        return float(np.mean(self.predict(images) == domain))


def _floats(uint8_images):
    return uint8_images.astype(np.float32) / 127.5 - 1.0


def pix2pix_shapes_report(model, untrained=None, num=256, seed=HELD_OUT_SEED, extractor=None,
                          domain=None):
    """Card metrics of a Pix2Pix model trained on `shapes:pairs=edges[,domain=D]`.

    Returns a list of `{"name", "value", "protocol"}`.
    """
    from kerasgan.data.shapes import render_shapes
    from kerasgan.metrics.domain import ShapesExtractor

    size = int(model.image_shape[0])
    batch = render_shapes(num, size, seed, outputs=("image", "edges", "label"), domain=domain)
    inputs = _floats(np.repeat(batch["edges"], 3, axis=-1))
    targets, labels = _floats(batch["image"]), batch["label"]
    outputs = model.translate(inputs)
    spec = "shapes:pairs=edges" + (f",domain={domain}" if domain else "")
    where = (f"{num} held-out {spec} pairs at {size}x{size} (render seed {seed}, never "
             "trained on), images in [-1, 1]")
    metrics = [
        {"name": "l1_held_out", "value": mean_l1(outputs, targets),
         "protocol": f"mean |G(edges) - image| over {where}; lower is better"},
        {"name": "l1_identity", "value": mean_l1(inputs, targets),
         "protocol": "the same for the identity mapping (the edge map taken as the image)"},
        {"name": "l1_mean_image", "value": mean_l1(np.broadcast_to(
            targets.mean(axis=(0, 1, 2)), targets.shape), targets),
         "protocol": "the same for the best constant prediction: the mean colour of these "
                     "true images, everywhere"},
    ]
    if untrained is not None:
        metrics.append({"name": "l1_untrained", "value": mean_l1(untrained.translate(inputs),
                                                                 targets),
                        "protocol": "the same for a freshly initialized model of the same config"})
    extractor = extractor or ShapesExtractor()
    metrics += [
        {"name": "class_accuracy", "value": extractor.class_accuracy(outputs, labels)["overall"],
         "protocol": "accuracy of kerasgan's shapes classifier on the translations against the "
                     "shape kind the edge map outlines (the main shape), same pairs"},
        {"name": "class_accuracy_real", "value":
            extractor.class_accuracy(targets, labels)["overall"],
         "protocol": "the same classifier on the true images: the ceiling"},
    ]
    return metrics


def cyclegan_shapes_report(model, untrained=None, num=256, seed=HELD_OUT_SEED, extractor=None):
    """Card metrics of a CycleGAN trained on `shapes:domains=ab`."""
    from kerasgan.data.shapes import render_shapes
    from kerasgan.metrics.domain import ShapesExtractor

    size = int(model.image_shape[0])
    fit_a = _floats(render_shapes(num, size, CLASSIFIER_FIT_SEED, domain="a")["image"])
    fit_b = _floats(render_shapes(num, size, CLASSIFIER_FIT_SEED, domain="b")["image"])
    domains = HistogramDomainClassifier().fit(fit_a, fit_b)
    real = {d: render_shapes(num, size, seed, domain=d, outputs=("image", "label"))
            for d in ("a", "b")}
    a, b = _floats(real["a"]["image"]), _floats(real["b"]["image"])
    where = f"{num} held-out images per domain at {size}x{size} (render seed {seed})"
    stat = (f"the histogram domain classifier (nearest domain by 16-bin luminance histogram, "
            f"within the distance of 95% of that domain's images; fit on {num} other images "
            f"per domain, seed {CLASSIFIER_FIT_SEED})")
    fake_b, fake_a = model.translate(a), model.translate(b, direction="b_to_a")
    metrics = [
        {"name": "a_to_b_classified_b", "value": domains.accuracy(fake_b, 1),
         "protocol": f"share of G_AB(a) that {stat} assigns to domain B, {where}"},
        {"name": "b_to_a_classified_a", "value": domains.accuracy(fake_a, 0),
         "protocol": "share of G_BA(b) assigned to domain A, same images and statistic"},
        {"name": "domain_statistic_accuracy_real", "value": 0.5 * (
            domains.accuracy(a, 0) + domains.accuracy(b, 1)),
         "protocol": "the classifier's accuracy on the real held-out images of both domains"},
        {"name": "cycle_l1_a", "value": mean_l1(model.translate(fake_b, direction="b_to_a"), a),
         "protocol": f"mean |G_BA(G_AB(a)) - a|, {where}, images in [-1, 1]"},
        {"name": "cycle_l1_b", "value": mean_l1(model.translate(fake_a), b),
         "protocol": "mean |G_AB(G_BA(b)) - b|, same images"},
        {"name": "l1_a_to_b_change", "value": mean_l1(fake_b, a),
         "protocol": "mean |G_AB(a) - a|: how much the translation changes the image (a cycle "
                     "error far below it is not just the identity mapping)"},
    ]
    if untrained is not None:
        u_fake_b = untrained.translate(a)
        metrics += [
            {"name": "a_to_b_classified_b_untrained", "value": domains.accuracy(u_fake_b, 1),
             "protocol": "the first figure for a freshly initialized model of the same config"},
            {"name": "cycle_l1_a_untrained", "value": mean_l1(
                untrained.translate(u_fake_b, direction="b_to_a"), a),
             "protocol": "cycle_l1_a for a freshly initialized model of the same config"},
        ]
    extractor = extractor or ShapesExtractor()
    labels = np.concatenate([real["a"]["label"], real["b"]["label"]])
    metrics += [
        {"name": "class_accuracy_translated", "value": extractor.class_accuracy(
            np.concatenate([fake_b, fake_a]), labels)["overall"],
         "protocol": "accuracy of kerasgan's shapes classifier on the translations of both "
                     "directions against the input's main shape kind: the content is kept"},
        {"name": "class_accuracy_real", "value": extractor.class_accuracy(
            np.concatenate([a, b]), labels)["overall"],
         "protocol": "the same classifier on the real inputs: the ceiling"},
    ]
    return metrics
