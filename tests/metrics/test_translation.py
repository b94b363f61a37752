"""The image-to-image measures of the zoo cards (kerasgan.metrics.translation)."""

import keras
import numpy as np
import pytest

from kerasgan.data.shapes import render_shapes
from kerasgan.metrics.translation import (
    HistogramDomainClassifier,
    cyclegan_shapes_report,
    pix2pix_shapes_report,
)
from kerasgan.models.cyclegan import CycleGAN
from kerasgan.models.pix2pix import PatchGANDiscriminator, build_pix2pix


def _floats(images):
    return images.astype("float32") / 127.5 - 1.0


def test_histogram_classifier_separates_the_two_shapes_domains_and_rejects_grey():
    fit_a = _floats(render_shapes(128, 32, 2000, domain="a")["image"])
    fit_b = _floats(render_shapes(128, 32, 2000, domain="b")["image"])
    clf = HistogramDomainClassifier().fit(fit_a, fit_b)
    a = _floats(render_shapes(128, 32, 7, domain="a")["image"])
    b = _floats(render_shapes(128, 32, 7, domain="b")["image"])
    assert clf.accuracy(a, 0) > 0.8 and clf.accuracy(b, 1) > 0.8
    assert clf.accuracy(a, 1) < 0.05 and clf.accuracy(b, 0) < 0.05
    # A flat grey image (an untrained generator's output) is neither domain.
    assert clf.predict(np.zeros((2, 32, 32, 3), "float32")).tolist() == [-1, -1]
    # Reversed roles swap the labels.
    assert HistogramDomainClassifier().fit(fit_b, fit_a).accuracy(b, 0) > 0.8
    with pytest.raises(ValueError, match="fit"):
        HistogramDomainClassifier().predict(a)
    with pytest.raises(ValueError, match="nearly the same colour statistics"):
        HistogramDomainClassifier().fit(a, a)


def _identity(name, size=32):
    image = keras.Input((size, size, 3), name="image")
    eye = keras.initializers.Constant(np.eye(3).reshape(1, 1, 3, 3))
    out = keras.layers.Conv2D(3, 1, kernel_initializer=eye, bias_initializer="zeros",
                              dtype="float32")(image)
    return keras.Model(image, out, name=name)


def test_cyclegan_report_of_identity_generators_finds_no_translation_and_no_cycle_error():
    d = lambda name: PatchGANDiscriminator(image_size=32, input_channels=3, base_filters=2,  # noqa: E731
                                           num_layers=1, norm="none", name=name)
    gan = CycleGAN(_identity("g_ab"), _identity("g_ba"), d("d_b"), d("d_a"))
    metrics = {m["name"]: m["value"] for m in cyclegan_shapes_report(gan, num=32)}
    assert metrics["cycle_l1_a"] == pytest.approx(0.0, abs=1e-6)
    assert metrics["l1_a_to_b_change"] == pytest.approx(0.0, abs=1e-6)
    # The images stay in their own domain: the classifier does not call them translated.
    assert metrics["a_to_b_classified_b"] < 0.1 and metrics["b_to_a_classified_a"] < 0.1
    assert metrics["domain_statistic_accuracy_real"] > 0.8
    # Unchanged images keep their shape: the classifier's accuracy is the real images'.
    assert metrics["class_accuracy_translated"] == pytest.approx(metrics["class_accuracy_real"])


def test_pix2pix_report_compares_with_the_identity_mapping():
    gan = build_pix2pix(image_size=32, base_filters=4, d_layers=2)
    metrics = {m["name"]: m for m in pix2pix_shapes_report(gan, untrained=gan, num=32)}
    batch = render_shapes(32, 32, 1000, outputs=("image", "edges"))
    identity = np.mean(np.abs(_floats(np.repeat(batch["edges"], 3, -1))
                              - _floats(batch["image"])))
    assert metrics["l1_identity"]["value"] == pytest.approx(identity, rel=1e-5)
    assert metrics["l1_untrained"]["value"] == pytest.approx(metrics["l1_held_out"]["value"])
    assert metrics["class_accuracy_real"]["value"] > 0.8
    assert all(m["protocol"] for m in metrics.values())
