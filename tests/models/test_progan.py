"""Progressive GAN networks: the official CelebA-HQ 1024 parameter counts, the fade-in at every
level of detail against the smaller networks, config and `.keras` round trips."""

import math

import keras
import numpy as np
import pytest

from kerasgan.layers import EqualizedConv2D, MinibatchStdDev
from kerasgan.models.progan import ProGANDiscriminator, ProGANGenerator

TINY = {"fmap_base": 64, "fmap_max": 16}  # nf(1) = nf(2) = 16, nf(3) = 8, nf(4) = 4
RNG = np.random.default_rng(0)


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def test_official_celebahq_1024_parameter_counts():
    # tkarras/progressive_growing_of_gans networks.py, G_paper / D_paper with config.py's
    # CelebA-HQ settings (resolution 1024, 3 channels, fmap_base 8192, fmap_decay 1.0,
    # fmap_max 512, latent_size = nf(0) = 512, no labels, mbstd_group_size 4).
    # nf(stage) = min(8192 / 2**stage, 512): nf(1..4) = 512, nf(5..10) = 256, 128, 64, 32, 16, 8.
    # Every conv/dense is get_weight() (one kernel) + apply_bias() (one bias per output map).
    # G: 4x4: Dense 512 x (512*16) = 4,194,304 + bias over the reshaped maps 512,
    #         Conv 3x3 512->512 = 2,359,296 + 512                          = 6,554,624
    #    8x8, 16x16, 32x32: Conv0_up 3x3 512->512 + Conv1 3x3 512->512
    #         = 2 * (2,359,296 + 512) = 4,719,616 each                      = 14,158,848
    #    64: 9*512*256+256 + 9*256*256+256 = 1,769,984; 128: 442,624; 256: 110,720;
    #    512: 27,712; 1024: 6,944                                           = 2,357,984
    #    ToRGB_lod0..8 (1x1, 3 maps): 4x (512*3+3) + 256*3+3 + 128*3+3 + 64*3+3 + 32*3+3 + 16*3+3
    #         + 8*3+3 = 6,156 + 771 + 387 + 195 + 99 + 51 = 7,659
    #    G total = 6,554,624 + 14,158,848 + 2,357,984 + 7,659 = 23,079,115.
    # D: FromRGB_lod0..8 (1x1 from 3 maps + bias): 4 * nf for nf = 8, 16, ..., 512, 512, 512, 512
    #         = 64+128+256+512+1,024+4*2,048 = 10,176
    #    1024: Conv0 9*8*8+8 + Conv1_down 9*8*16+16 = 6,960; 512: 27,744; 256: 110,784;
    #    128: 442,752; 64: 9*256*256+256 + 9*256*512+512 = 1,770,240;
    #    32, 16, 8: 4,719,616 each                                           = 16,516,328
    #    4x4: Conv 3x3 (512+1 mbstd)->512 = 2,364,416; Dense0 8192->512 = 4,194,816;
    #         Dense1 512->1 = 513                                            = 6,559,745
    #    D total = 10,176 + 16,516,328 + 6,559,745 = 23,087,249.
    # The paper's Table 2 lists 23.1M for each network.
    generator = ProGANGenerator(resolution=1024)
    discriminator = ProGANDiscriminator(resolution=1024)
    assert _trainable(generator) == 23_079_115
    assert _trainable(discriminator) == 23_087_249
    assert generator.latent_dim == 512 and generator.max_lod == 8
    assert len(generator.non_trainable_weights) == 1  # lod
    assert generator.get_layer("4x4_dense").gain == pytest.approx(math.sqrt(2) / 4)
    to_rgb = [layer for layer in generator.layers if layer.name.endswith("_torgb")]
    assert len(to_rgb) == 9 and all(layer.gain == 1.0 for layer in to_rgb)
    from_rgb = [layer for layer in discriminator.layers
                if isinstance(layer, EqualizedConv2D) and layer.name.endswith("_fromrgb")]
    assert len(from_rgb) == 9
    assert all(layer.gain == pytest.approx(math.sqrt(2)) for layer in from_rgb)
    assert discriminator.get_layer("4x4_dense1").gain == 1.0
    mbstd = [layer for layer in discriminator.layers if isinstance(layer, MinibatchStdDev)]
    assert len(mbstd) == 1 and tuple(mbstd[0].input.shape[1:]) == (4, 4, 512)


def _copy_by_name(source, target):
    """Copies the weights of every layer of `target` from `source`'s layer of the same name."""
    for layer in target.layers:
        if layer.weights and layer.name != "lod":
            layer.set_weights(source.get_layer(layer.name).get_weights())


def _with_random_biases(model):
    """Non-zero biases (the official initial zeros would hide a bias applied in the wrong place)."""
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(RNG.standard_normal(layer.bias.shape).astype("float32") * 0.1)
    return model


def _upscale(images, factor):
    return images.repeat(factor, axis=1).repeat(factor, axis=2)


def _downscale(images, factor):
    n, h, w, c = images.shape
    return images.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))


def test_generator_at_each_integer_lod_is_the_smaller_generator_upscaled():
    g16 = _with_random_biases(ProGANGenerator(resolution=16, **TINY))
    z = RNG.standard_normal((3, g16.latent_dim)).astype("float32")
    full = np.asarray(g16(z))
    assert full.shape == (3, 16, 16, 3) and g16.lod == 0.0
    for lod, size in ((1, 8), (2, 4)):
        smaller = ProGANGenerator(resolution=size, **TINY)
        _copy_by_name(g16, smaller)
        g16.set_lod(lod)
        np.testing.assert_allclose(np.asarray(g16(z)), _upscale(np.asarray(smaller(z)), 2**lod),
                                   rtol=1e-5, atol=1e-5)
    # Between integers the 8x8 stage fades in linearly over the upscaled 4x4 image.
    g16.set_lod(2)
    at_4 = np.asarray(g16(z))
    g16.set_lod(1)
    at_8 = np.asarray(g16(z))
    g16.set_lod(1.25)
    np.testing.assert_allclose(np.asarray(g16(z)), 0.75 * at_8 + 0.25 * at_4, rtol=1e-5, atol=1e-5)
    g16.set_lod(0.5)
    np.testing.assert_allclose(np.asarray(g16(z)), 0.5 * full + 0.5 * at_8, rtol=1e-5, atol=1e-5)
    assert np.abs(at_8 - full).max() > 1e-3 and np.abs(at_4 - at_8).max() > 1e-3


def test_discriminator_at_each_integer_lod_is_the_smaller_discriminator_on_pooled_images():
    d16 = _with_random_biases(ProGANDiscriminator(resolution=16, **TINY))
    images = RNG.standard_normal((4, 16, 16, 3)).astype("float32")
    full = np.asarray(d16(images))
    for lod, factor in ((1, 2), (2, 4)):
        smaller = ProGANDiscriminator(resolution=16 // factor, **TINY)
        _copy_by_name(d16, smaller)
        d16.set_lod(lod)
        expected = np.asarray(smaller(_downscale(images, factor)))
        np.testing.assert_allclose(np.asarray(d16(images)), expected, rtol=1e-4, atol=1e-5)
        assert np.abs(expected - full).max() > 1e-4
    # At lod 0.25 the 16x16 stage's pooled features are blended with the pooled image's 8x8
    # FromRGB: 0.75 of the first and 0.25 of the second.
    d16.set_lod(0.25)
    grow = d16.get_layer("16x16_grow")
    probe = keras.Model(d16.input, [grow.input[0], grow.input[1], grow.output])
    stage, from_rgb, blended = (np.asarray(t) for t in probe(images))
    np.testing.assert_allclose(blended, 0.75 * stage + 0.25 * from_rgb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        from_rgb, np.asarray(keras.Model(d16.input, d16.get_layer("8x8_fromrgb_lrelu").output)(
            images)), rtol=1e-6)


def test_config_round_trips_and_keras_files_keep_weights_and_lod(tmp_path):
    g = ProGANGenerator(resolution=8, latent_dim=12, pixelnorm_epsilon=1e-4, **TINY)
    d = ProGANDiscriminator(resolution=8, mbstd_group_size=2, **TINY)
    for network in (g, d):
        rebuilt = type(network).from_config(network.get_config())
        assert rebuilt.get_config() == network.get_config()
        assert rebuilt.count_params() == network.count_params()
    assert g.get_config()["latent_dim"] == 12 and d.get_config()["mbstd_group_size"] == 2
    g.set_lod(0.5)
    d.set_lod(0.75)
    z = RNG.standard_normal((2, 12)).astype("float32")
    images = RNG.standard_normal((2, 8, 8, 3)).astype("float32")
    for network, x in ((g, z), (d, images)):
        path = tmp_path / f"{network.name}.keras"
        network.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        assert type(loaded) is type(network) and loaded.lod == network.lod
        np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(network(x)), atol=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Received: resolution=30"):
        ProGANGenerator(resolution=30)
    with pytest.raises(ValueError, match=r"Received: resolution=2"):
        ProGANDiscriminator(resolution=2)
    with pytest.raises(ValueError, match=r"last stage would have 0 feature maps"):
        ProGANGenerator(resolution=64, fmap_base=16)
    with pytest.raises(ValueError, match=r"Received: mbstd_group_size=-1"):
        ProGANDiscriminator(resolution=8, mbstd_group_size=-1, **TINY)
    g = ProGANGenerator(resolution=16, **TINY)
    with pytest.raises(ValueError, match=r"in \[0, 2\]. Received: lod=2.5"):
        g.set_lod(2.5)
    with pytest.raises(ValueError, match=r"Received: lod=-1"):
        g.set_lod(-1)
