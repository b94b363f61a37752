"""BigGAN: the official 128x128 parameter counts, the recipe, truncation, family checks."""

import numpy as np
import pytest

from kerasgan.export import export
from kerasgan.layers import SelfAttention
from kerasgan.models.biggan import BigGANDiscriminator, BigGANGenerator, build_biggan
from tests.helpers import run_gan_family_test
from tests.models.test_cgan import shapes_with_labels

TINY = {"image_size": 32, "base_filters": 4, "latent_dim": 16, "shared_dim": 8,
        "attention_resolution": 16}


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def test_official_imagenet_128_parameter_counts():
    # ajbrock/BigGAN-PyTorch (BigGAN.py, layers.py) at G_ch = D_ch = 96, dim_z = 120,
    # shared_dim = 128, hier, G_shared, attention at 64, 1,000 classes, counted as its
    # parameters() (conv/linear weights and biases, the ccbn gain/bias linear maps without
    # bias, the attention's four bias-free 1x1 kernels and gamma, the output BN's gain and
    # bias, the shared embedding, D's SN embedding; SN's u/sv and BN statistics are buffers):
    # G = 491,520 (linear 20 -> 4x4x1536) + 45,740,544 + 17,789,184 + 4,618,368 + 1,240,128
    #     + 352,800 (up-blocks 1536->1536->768->384->192->96, with their CBN maps from the
    #     148-d condition) + 46,081 (attention at 192 ch) + 192 (output BN) + 2,595 (to RGB)
    #     + 128,000 (shared embedding) = 70,433,988
    # D = 86,112 + 516,672 + 2,065,536 + 8,259,840 + 33,034,752 + 42,470,400 (blocks
    #     3->96->192->384->768->1536->1536) + 11,521 (attention at 96 ch) + 1,537 (linear)
    #     + 1,536,000 (class embedding) = 87,982,370
    # Glorot initialization only to build faster: the counts do not depend on it.
    generator = BigGANGenerator(1000, kernel_initializer="glorot_uniform")
    discriminator = BigGANDiscriminator(1000, kernel_initializer="glorot_uniform")
    assert _trainable(generator) == 70_433_988
    assert _trainable(discriminator) == 87_982_370
    for network in (generator, discriminator):
        attention = [layer for layer in network.layers if isinstance(layer, SelfAttention)]
        assert len(attention) == 1 and attention[0].input.shape[1:3] == (64, 64)
    # Hierarchical latent: 6 chunks of 20 (one for the linear map, one per block).
    chunks = generator.get_layer("z_chunks").output
    assert [c.shape[-1] for c in chunks] == [20] * 6
    assert generator.get_layer("block1_cbn1").input[1].shape[-1] == 148


def test_biggan_recipe_follows_the_paper():
    gan = build_biggan(num_classes=6, **TINY)
    assert gan.loss_name == "hinge" and gan.d_steps == 2
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(5e-5)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert gan.g_optimizer.beta_1 == 0.0 and gan.g_optimizer.beta_2 == 0.999
    assert gan.ema_decay == 0.9999 and gan.ema_start_step == 20_000
    # Orthogonal regularization enters the generator's loss, the discriminator has none.
    assert gan.generator.losses and not gan.discriminator.losses
    assert float(sum(gan.generator.losses)) > 0


def test_orthogonal_regularization_changes_the_generator_update():
    import keras

    from kerasgan.models import GAN

    images, labels = shapes_with_labels(4)
    results = {}
    for beta in (0.0, 1.0):
        keras.utils.set_random_seed(3)
        # Glorot kernels (orthogonal ones have no off-diagonal Gram terms to penalize) and
        # plain SGD (Adam's first step is lr * sign(gradient) and would hide the term).
        generator = BigGANGenerator(6, orthogonal_reg=beta, kernel_initializer="glorot_uniform",
                                    **TINY)
        discriminator = BigGANDiscriminator(6, image_size=32, base_filters=4,
                                            attention_resolution=16)
        gan = GAN(generator, discriminator, num_classes=6)
        # Eagerly: one step, so tracing it would cost more than it runs.
        gan.compile(loss="hinge", g_optimizer={"class_name": "SGD",
                                               "config": {"learning_rate": 0.1}},
                    run_eagerly=True)
        gan.train_on_batch(images, labels)
        results[beta] = generator.get_layer("block1_conv1_sn").layer.kernel.numpy()
    assert np.abs(results[0.0] - results[1.0]).max() > 1e-4


def test_bad_configurations_are_refused():
    with pytest.raises(ValueError, match=r"Received: image_size=48"):
        BigGANGenerator(6, image_size=48)
    with pytest.raises(ValueError, match=r"divisible by the number of blocks \+ 1 \(4 at 32px\)"):
        BigGANGenerator(6, image_size=32, latent_dim=10)
    with pytest.raises(ValueError, match=r"Received: num_classes=1"):
        BigGANDiscriminator(1, image_size=32)


def test_generate_with_truncation_stays_near_the_mode():
    gan = build_biggan(num_classes=6, compile=False, **TINY)
    plain = gan.generate(32, seed=1, labels=2)
    tight = gan.generate(32, seed=1, labels=2, truncation=0.1)
    assert tight.shape == plain.shape == (32, 32, 32, 3)
    # Less diverse: the samples spread less around their mean.
    assert tight.std(axis=0).mean() < plain.std(axis=0).mean()
    with pytest.raises(ValueError, match="Received: truncation=-1"):
        gan.generate(4, truncation=-1)


@pytest.mark.heavy
def test_export_with_labels_and_truncation_matches_keras(tmp_path):
    gan = build_biggan(num_classes=6, compile=False, ema_decay=None, **TINY)
    for fmt in ("savedmodel", "onnx"):
        result = export(gan, str(tmp_path), format=fmt, name=f"big_{fmt}", truncation=True)
        assert result.input_names == ["z", "labels", "truncation"]
        assert result.max_abs_diff <= 1e-4
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / "big_onnx.onnx"),
                                   providers=["CPUExecutionProvider"])
    z = np.random.default_rng(0).standard_normal((3, 16)).astype("float32")
    labels = np.array([0, 3, 5], "int32")
    onnx_images = session.run(["images"], {"z": z, "labels": labels,
                                           "truncation": np.full((3,), 0.7, "float32")})[0]
    keras_images = gan.generate(z, labels=labels, truncation=0.7)
    np.testing.assert_allclose(onnx_images, keras_images, atol=1e-4)


def biggan_builder():
    def build():
        gan = build_biggan(num_classes=6, compile=False, synchronized_batch_norm=True,
                           ema_decay=0.999, ema_start_step=1, **TINY)
        # One D step per G step (the recipe takes 2; `d_steps` belongs to the shared step,
        # tests/models/test_gan.py), which keeps the traced step small.
        return gan, {"loss": "hinge", "d_steps": 1}

    return build


@pytest.mark.heavy
def test_biggan_passes_family_checks(tmp_path):
    # Export with labels and truncation: test_export_with_labels_and_truncation_matches_keras.
    # Parity to 1e-4, not 1e-5: Adam (epsilon 1e-7) on near-zero bias gradients amplifies
    # the reduction-order rounding of one versus two replicas (seen: 5.2e-5 on a bias).
    run_gan_family_test(biggan_builder(), shapes_with_labels(), tmp_path, parity_atol=1e-4)


def test_official_zoo_entries_hold_the_official_configurations():
    import json
    import os

    from kerasgan import get_card
    from kerasgan.models.sagan import SAGANGenerator
    from kerasgan.presets import CONFIG_FILE, zoo_dir

    expected = {"biggan_imagenet_128": (BigGANGenerator, 70_433_988, 87_982_370),
                "sagan_imagenet_128": (SAGANGenerator, 42_078_852, 39_463_618)}
    for name, (cls, g_count, d_count) in expected.items():
        card = get_card(name)
        assert card["parameters"] == {"generator": g_count, "discriminator": d_count}
        assert card.get("weights") is None and card["weights_note"]
        with open(os.path.join(zoo_dir(), name, CONFIG_FILE)) as f:
            config = json.load(f)["config"]
        stored = config["generator"]["config"]
        official = cls(1000, kernel_initializer="glorot_uniform").get_config() if (
            cls is BigGANGenerator) else cls(1000).get_config()
        for key in ("num_classes", "image_size", "latent_dim", "base_filters",
                    "attention_resolution"):
            assert stored[key] == official[key], (name, key)
        assert config["num_classes"] == 1000
