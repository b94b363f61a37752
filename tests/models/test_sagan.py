"""SAGAN: the official 128x128 networks' parameter counts and the family checks."""

import numpy as np
import pytest

from kerasgan.layers import SelfAttention
from kerasgan.models.sagan import SAGANDiscriminator, SAGANGenerator, build_sagan
from tests.helpers import run_gan_family_test
from tests.models.test_cgan import shapes_with_labels

TINY = {"image_size": 32, "base_filters": 8, "latent_dim": 8, "attention_resolution": 16}


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def test_official_imagenet_128_parameter_counts():
    # brain-research/self-attention-gan, generator_test / discriminator_test with gf_dim =
    # df_dim = 64, z_dim = 128, 1,000 classes, counted from its variables (weights, biases,
    # per-class CBN gamma/beta, the attention's four 1x1 kernels and sigma, the final BN's
    # gamma/beta, the SN linear and SN embedding; SN's u vectors are not trainable):
    # G = 2,113,536 (linear) + 24,022,016 + 10,675,712 + 3,437,312 + 1,243,520 + 502,976
    #     (blocks) + 81,921 (attention) + 128 (BN) + 1,731 (to RGB) = 42,078,852
    # D = 38,976 + 229,760 + 918,272 + 3,671,552 + 14,683,136 + 18,876,416 (blocks)
    #     + 20,481 (attention) + 1,025 (linear) + 1,024,000 (embedding) = 39,463,618
    generator = SAGANGenerator(1000)
    discriminator = SAGANDiscriminator(1000)
    assert _trainable(generator) == 42_078_852
    assert _trainable(discriminator) == 39_463_618
    attention = [layer for layer in generator.layers if isinstance(layer, SelfAttention)]
    assert len(attention) == 1 and attention[0].input.shape[1:3] == (32, 32)
    attention = [layer for layer in discriminator.layers if isinstance(layer, SelfAttention)]
    assert len(attention) == 1 and attention[0].input.shape[1:3] == (32, 32)


def test_sagan_recipe_follows_the_paper():
    gan = build_sagan(num_classes=6, **TINY)
    assert gan.loss_name == "hinge" and gan.d_steps == 1
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert gan.d_optimizer.beta_1 == 0.0 and gan.d_optimizer.beta_2 == 0.9


def sagan_builder():
    def build():
        gan = build_sagan(num_classes=6, compile=False, synchronized_batch_norm=True, **TINY)
        return gan, {"loss": "hinge"}

    return build


@pytest.mark.heavy
def test_sagan_passes_family_checks(tmp_path):
    # Export: the README's `kerasgan export sagan_shapes_32 --format onnx --truncation`
    # (tests/test_readme.py) converts every SAGAN layer and checks parity.
    run_gan_family_test(sagan_builder(), shapes_with_labels(), tmp_path)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match=r"Received: image_size=48"):
        SAGANGenerator(6, image_size=48)
    with pytest.raises(ValueError, match=r"Received: num_classes=1"):
        SAGANDiscriminator(1, image_size=32)
