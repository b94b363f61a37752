"""The conditional GAN (Mirza & Osindero) and label flow through the base GAN."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data.shapes import render_shapes
from kerasgan.models import GAN
from kerasgan.models.conditional import CGANDiscriminator, CGANGenerator, build_cgan
from tests.helpers import run_gan_family_test

NUM_CLASSES = 6
TINY = {"image_size": 32, "base_filters": 4, "latent_dim": 8, "embedding_dim": 4}


def shapes_with_labels(n=16, seed=0):
    rendered = render_shapes(n, 32, seed=seed)
    return rendered["image"].astype("float32") / 127.5 - 1.0, rendered["label"].astype("int32")


def cgan_builder(**overrides):
    def build():
        gan = build_cgan(NUM_CLASSES, compile=False, synchronized_batch_norm=True,
                         **{**TINY, **overrides})
        return gan, {"loss": "non_saturating"}

    return build


@pytest.mark.heavy
def test_cgan_passes_family_checks(tmp_path):
    # ONNX with the labels input (SavedModel with labels: the BigGAN and export tests).
    run_gan_family_test(cgan_builder(), shapes_with_labels(), tmp_path, export_formats=("onnx",))


def test_wgan_gp_penalty_takes_the_labels(tmp_path):
    gan = build_cgan(NUM_CLASSES, compile_args={"loss": "wasserstein",
                                                "gradient_penalty_weight": 10.0}, **TINY)
    images, labels = shapes_with_labels(8)
    history = gan.fit(images, labels, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["gradient_penalty"]).all()


def test_labels_change_the_generator_and_discriminator_outputs():
    generator = CGANGenerator(NUM_CLASSES, **TINY)
    discriminator = CGANDiscriminator(NUM_CLASSES, image_size=32, base_filters=4)
    rng = np.random.default_rng(0)
    generator.get_layer("label_embedding").embeddings.assign(
        rng.normal(0, 3, (NUM_CLASSES, 4)).astype("float32"))
    discriminator.get_layer("label_plane").embeddings.assign(
        rng.normal(0, 3, (NUM_CLASSES, 32 * 32)).astype("float32"))
    z = np.repeat(rng.standard_normal((1, 8)).astype("float32"), 2, axis=0)
    images = np.asarray(generator([z, np.array([0, 5])], training=False))
    assert np.abs(images[0] - images[1]).max() > 1e-4
    x = np.repeat(images[:1], 2, axis=0)
    logits = np.asarray(discriminator([x, np.array([1, 4])], training=False))
    assert abs(float(logits[0, 0] - logits[1, 0])) > 1e-5


def test_fake_labels_uniform_or_from_the_data():
    def labels_of(gan, real, size):
        batch = {"labels": real, "replica_id": 0, "local": size, "global": size}
        return gan._draw(batch, 0)[1].numpy()

    uniform = build_cgan(NUM_CLASSES, **TINY)
    real = tf.constant([2, 2, 2, 2])
    drawn = labels_of(uniform, real, 4)
    assert drawn.min() >= 0 and drawn.max() < NUM_CLASSES
    wide = labels_of(uniform, tf.zeros([512], tf.int32), 512)
    assert set(wide.tolist()) == set(range(NUM_CLASSES))  # every class is drawn
    np.testing.assert_array_equal(drawn, labels_of(uniform, real, 4))
    from_data = build_cgan(NUM_CLASSES, fake_labels="data", **TINY)
    np.testing.assert_array_equal(labels_of(from_data, real, 4), real)


def test_generate_labels_default_cycle_and_validation():
    gan = build_cgan(NUM_CLASSES, **TINY)
    z = np.random.default_rng(1).standard_normal((1, 8)).astype("float32")
    same_z = np.repeat(z, NUM_CLASSES, axis=0)
    by_default = gan.generate(same_z)
    explicit = gan.generate(same_z, labels=np.arange(NUM_CLASSES))
    np.testing.assert_allclose(by_default, explicit, atol=1e-6)
    np.testing.assert_allclose(gan.generate(same_z[:2], labels=3)[0],
                               gan.generate(same_z[:2], labels=[3, 3])[1], atol=1e-6)
    with pytest.raises(ValueError, match=r"Labels must be in \[0, 6\)"):
        gan.generate(2, labels=[0, 6])
    with pytest.raises(ValueError, match="Expected one integer label or 2 of them"):
        gan.generate(2, labels=[0, 1, 2])


def test_conditional_gan_needs_labeled_data():
    gan = build_cgan(NUM_CLASSES, **TINY)
    images, _ = shapes_with_labels(4)
    with pytest.raises(ValueError, match="trains on \\(images, labels\\) data"):
        gan.fit(images, batch_size=4, epochs=1, verbose=0)


def test_unconditional_gan_refuses_labels_and_checks_num_classes():
    from kerasgan.models.dcgan import build_recipe

    unconditional = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8)
    with pytest.raises(ValueError, match="`labels` were given to an unconditional GAN"):
        unconditional.generate(2, labels=[0, 1])
    gan = build_cgan(NUM_CLASSES, **TINY)
    plain = GAN(gan.generator, gan.discriminator, num_classes=NUM_CLASSES)
    assert plain.get_config()["num_classes"] == NUM_CLASSES
    with pytest.raises(ValueError, match="Received: num_classes=1"):
        GAN(gan.generator, gan.discriminator, num_classes=1)
    with pytest.raises(ValueError, match="Received: fake_labels='sometimes'"):
        GAN(gan.generator, gan.discriminator, num_classes=3, fake_labels="sometimes")


def test_trains_on_the_embedded_shapes_labels():
    import kerasgan

    data = kerasgan.data.load("shapes", image_size=32, batch_size=8, num_examples=32,
                              labels=True)
    gan = build_cgan(NUM_CLASSES, **TINY)
    history = gan.fit(data, epochs=1, verbose=0)
    assert int(gan.step_counter.numpy()) == 4
    assert np.isfinite(history.history["g_loss"]).all()
