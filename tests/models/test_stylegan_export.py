"""StyleGAN exports: `serving_default` takes `z` and `truncation_psi`, and the synthesis
network is a second signature (`w_plus` -> images); parity in SavedModel, ONNX and LiteRT."""

import numpy as np
import onnxruntime
import pytest
import tensorflow as tf

from kerasgan.export import export
from kerasgan.models import GAN
from kerasgan.models.stylegan import StyleGANDiscriminator, StyleGANGenerator

TINY = dict(resolution=16, fmap_base=64, fmap_max=16)


@pytest.fixture(scope="module")
def gan():
    generator = StyleGANGenerator(latent_dim=8, dlatent_dim=8, mapping_layers=2,
                                  mapping_fmaps=8, truncation_psi=0.7, truncation_cutoff=4,
                                  **TINY)
    rng = np.random.default_rng(3)
    for weight in generator.trainable_weights:
        weight.assign(np.asarray(weight) + 0.2 * rng.standard_normal(weight.shape))
    generator.w_avg.assign(rng.standard_normal(8).astype("float32"))
    return GAN(generator, StyleGANDiscriminator(**TINY), name="tiny_style")


def test_the_endpoints_are_z_with_psi_and_the_synthesis_network(gan):
    endpoints = gan.serving_endpoints()
    assert [e.name for e in endpoints] == ["serving_default", "synthesis"]
    assert endpoints[1].network is gan.generator.synthesis


@pytest.mark.heavy
def test_exports_match_keras_with_psi_as_an_input(gan, tmp_path):
    z = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    generator = gan.generator
    w_plus = np.asarray(generator.mapping(z))
    # Expected, from the networks: psi 0.7 is the generator as sampled (its own psi), psi 1
    # the untruncated mapping, psi 0 the average w on the 4 cutoff rows.
    expected = {0.7: np.asarray(generator(z)), 1.0: np.asarray(generator.synthesis(w_plus))}
    center = np.asarray(generator.w_avg)
    zero = w_plus.copy()
    zero[:, :4] = center
    expected[0.0] = np.asarray(generator.synthesis(zero))

    results = export(gan, str(tmp_path), format="onnx")
    default, synthesis = results
    assert default.input_names == ["z", "truncation_psi"]
    assert synthesis.input_names == ["w_plus"]
    assert default.max_abs_diff < 1e-4 and synthesis.max_abs_diff < 1e-4
    session = onnxruntime.InferenceSession(default.path)
    for psi, images in expected.items():
        got = session.run(None, {"z": z, "truncation_psi": np.full(3, psi, "float32")})[0]
        np.testing.assert_allclose(got, images, atol=1e-4)
    session = onnxruntime.InferenceSession(synthesis.path)
    np.testing.assert_allclose(session.run(None, {"w_plus": w_plus})[0], expected[1.0],
                               atol=1e-4)

    saved = export(gan, str(tmp_path / "sm"), format="savedmodel")
    assert [r.signature for r in saved] == ["serving_default", "synthesis"]
    assert all(r.max_abs_diff < 1e-4 for r in saved)
    loaded = tf.saved_model.load(saved[0].path)
    out = loaded.signatures["synthesis"](w_plus=tf.constant(w_plus))
    np.testing.assert_allclose(next(iter(out.values())).numpy(), expected[1.0], atol=1e-4)

    litert = export(gan, str(tmp_path / "lite"), format="litert")
    assert all(r.max_abs_diff < 1e-4 for r in litert)
