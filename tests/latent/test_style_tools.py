"""Latent tools on W: inversion in Z, W and W+, the style mixing figure, `kerasgan invert
--space` and `kerasgan mix`."""

import os

import keras
import numpy as np
import pytest
from PIL import Image

from kerasgan.cli import main
from kerasgan.latent import invert, style_groups, style_mixing_grid, truncation_sweep
from kerasgan.models import GAN, DCGANDiscriminator, DCGANGenerator
from kerasgan.models.stylegan import StyleGANDiscriminator, StyleGANGenerator

# 32 px: 8 style layers (coarse 0-3, middle 4-7), no fine group.
TINY = dict(resolution=32, fmap_base=64, fmap_max=16)
TINY_G = dict(latent_dim=8, dlatent_dim=8, mapping_layers=2, mapping_fmaps=8,
              truncation_psi=0.7, truncation_cutoff=8, **TINY)


def _randomized(model, seed):
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        value = np.asarray(weight)
        if weight.trainable:
            weight.assign(value + 0.3 * rng.standard_normal(value.shape).astype(value.dtype))
    return model


@pytest.fixture(scope="module")
def generator():
    g = _randomized(StyleGANGenerator(**TINY_G), 1)
    g.w_avg.assign(np.linspace(-0.5, 0.5, 8).astype("float32"))
    return g


def test_style_groups_follow_the_layer_resolutions():
    assert style_groups(18) == [("coarse", 0, 4), ("middle", 4, 8), ("fine", 8, 18)]
    assert style_groups(8) == [("coarse", 0, 4), ("middle", 4, 8)]
    assert style_groups(6) == [("coarse", 0, 4), ("middle", 4, 6)]


def test_the_mixing_grid_copies_each_groups_styles_and_nothing_else(generator):
    images, labels = style_mixing_grid(generator, destinations=3, sources=2, seed=4)
    assert labels == ["destinations", "coarse", "coarse", "middle", "middle"]
    assert images.shape == (5 * 4, 32, 32, 3)
    grid = images.reshape(5, 4, 32, 32, 3)
    assert np.all(grid[0, 0] == -1.0)  # the blank corner
    # Rebuilt independently: the seed's z, mapped and truncated by hand.
    z = np.random.default_rng(4).standard_normal((3 + 4, 8)).astype(np.float32)
    w = np.asarray(generator.mapping(z))
    w_avg = np.asarray(generator.w_avg)
    w = w_avg + (w - w_avg) * 0.7  # every one of the 8 rows is below the cutoff
    destinations, sources = w[:3], w[3:]
    np.testing.assert_allclose(grid[0, 1:], np.asarray(generator.synthesis(destinations)),
                               atol=1e-5)
    for row, (first, end) in enumerate([(0, 4), (0, 4), (4, 8), (4, 8)], start=1):
        source = sources[row - 1]
        np.testing.assert_allclose(grid[row, 0], np.asarray(generator.synthesis(source[None]))[0],
                                   atol=1e-5)
        mixed = destinations.copy()
        mixed[:, first:end] = source[first:end]
        np.testing.assert_allclose(grid[row, 1:], np.asarray(generator.synthesis(mixed)),
                                   atol=1e-5)
        assert np.abs(grid[row, 1:] - grid[0, 1:]).max() > 1e-3  # the styles changed them


def test_w_plus_inversion_reconstructs_best(generator):
    # A target drawn from W+ with a different w per layer: reachable exactly in W+ only.
    rng = np.random.default_rng(7)
    w_plus = np.asarray(generator.mapping(rng.standard_normal((8, 8)).astype("float32")))
    target_w_plus = w_plus[np.arange(8), np.arange(8)][None]  # layer k from latent k
    target = np.clip(np.asarray(generator.synthesis(target_w_plus)), -1, 1)
    errors = {space: float(invert(generator, target, steps=150, learning_rate=0.05,
                                  space=space, init="mean").pixel_errors[0])
              for space in ("z", "w", "w+")}
    assert errors["w+"] < 0.5 * errors["w"] and errors["w+"] < 0.5 * errors["z"], errors
    result = invert(generator, target, steps=2, space="w+")
    assert result.latents.shape == (1, 8, 8)
    assert invert(generator, target, steps=2, space="w").latents.shape == (1, 8)


def test_spaces_a_generator_lacks_are_refused():
    dcgan = DCGANGenerator(image_size=16, latent_dim=4, base_filters=4)
    target = np.zeros((1, 16, 16, 3), "float32")
    with pytest.raises(ValueError, match="has no 'w\\+' space: it is driven from \\['z'\\]"):
        invert(dcgan, target, steps=1, space="w+")
    with pytest.raises(ValueError, match="`space` must be one of"):
        invert(dcgan, target, steps=1, space="x")
    with pytest.raises(ValueError, match="needs a style-based generator"):
        style_mixing_grid(dcgan)


def test_kerasgan_mix_and_invert_in_w_plus(tmp_path, capsys, generator):
    gan = GAN(generator, StyleGANDiscriminator(**TINY))
    path = str(tmp_path / "tiny.keras")
    gan.save(path)
    out = str(tmp_path / "mix.png")
    assert main(["mix", path, "--destinations", "3", "--sources", "1", "--out", out]) == 0
    assert "3 rows (destinations, then 1 sources per group: coarse, middle)" in (
        capsys.readouterr().out)
    with Image.open(out) as grid:
        assert grid.size == (4 * 32 + 5 * 2, 3 * 32 + 4 * 2)  # padding 2 around each cell
    target = str(tmp_path / "target.png")
    sample = np.asarray(generator(np.zeros((1, 8), "float32")))[0]
    Image.fromarray(np.uint8(np.clip((sample + 1) * 127.5, 0, 255))).save(target)
    inverted = str(tmp_path / "inverted.png")
    assert main(["invert", path, "--image", target, "--space", "w+", "--steps", "5",
                 "--out", inverted]) == 0
    assert "in w+: pixel MSE" in capsys.readouterr().out
    assert np.load(os.path.splitext(inverted)[0] + ".npy").shape == (8, 8)

    dcgan = GAN(DCGANGenerator(image_size=16, latent_dim=4, base_filters=4),
                DCGANDiscriminator(image_size=16, base_filters=4))
    dcgan_path = str(tmp_path / "dcgan.keras")
    dcgan.save(dcgan_path)
    assert main(["mix", dcgan_path, "--out", str(tmp_path / "no.png")]) == 2
    assert "needs a style-based generator" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "no.png")
    assert main(["invert", dcgan_path, "--image", target, "--space", "w", "--out",
                 str(tmp_path / "no2.png")]) == 2
    assert "has no 'w' space" in capsys.readouterr().err
    keras.backend.clear_session()


def test_the_truncation_sweep_goes_from_the_sample_to_the_average_and_beyond(generator,
                                                                              tmp_path, capsys):
    images = truncation_sweep(generator, psis=(1.0, 0.0, -1.0), num=2, seed=2)
    assert images.shape == (6, 32, 32, 3)
    z = np.random.default_rng(2).standard_normal((2, 8)).astype(np.float32)
    w = np.asarray(generator.mapping(z))
    center = np.asarray(generator.w_avg)
    # Values reach about 10 here; batches of other sizes may take other oneDNN kernels.
    np.testing.assert_allclose(images[:2], np.asarray(generator.synthesis(w)), atol=1e-5,
                               rtol=1e-5)
    average = np.asarray(generator.synthesis(np.broadcast_to(center, w.shape)))
    np.testing.assert_allclose(images[2:4], average, atol=1e-5,  # psi 0: the same image
                               rtol=1e-5)
    np.testing.assert_allclose(images[4:], np.asarray(generator.synthesis(2 * center - w)),
                               atol=1e-5, rtol=1e-5)
    gan = GAN(generator, StyleGANDiscriminator(**TINY))
    path = str(tmp_path / "tiny.keras")
    gan.save(path)
    out = str(tmp_path / "sweep.png")
    assert main(["mix", path, "--psi-sweep", "1,0.5,0", "--destinations", "2", "--out",
                 out]) == 0
    assert "3 rows (psi 1, 0.5, 0) x 2 latents" in capsys.readouterr().out
    assert main(["mix", path, "--psi-sweep", "1,a", "--out", out]) == 2
    assert "--psi-sweep takes comma-separated numbers" in capsys.readouterr().err


def test_generate_and_kerasgan_sample_take_a_truncation_psi_in_w(generator, tmp_path, capsys):
    gan = GAN(generator, StyleGANDiscriminator(**TINY))
    z = np.random.default_rng(4).standard_normal((3, 8)).astype(np.float32)
    w = np.asarray(generator.mapping(z))
    center = np.asarray(generator.w_avg)
    clip = lambda images: np.clip(np.asarray(images), -1, 1)  # noqa: E731
    np.testing.assert_allclose(gan.generate(z, psi=1.0), clip(generator.synthesis(w)),
                               atol=1e-4)
    # The model's own psi (0.7 on the first 8 rows: all of them at 32 px) is generate()'s.
    np.testing.assert_allclose(gan.generate(z, psi=0.7), gan.generate(z), atol=1e-4)
    average = gan.generate(z, psi=0.0)
    np.testing.assert_allclose(average, clip(generator.synthesis(
        np.broadcast_to(center, w.shape))), atol=1e-4)
    assert np.abs(average - gan.generate(z, psi=1.0)).max() > 0.05
    # Only the cutoff's rows are truncated.
    partial = StyleGANGenerator(**dict(TINY_G, truncation_cutoff=2))
    partial.set_weights(generator.get_weights())
    expected = w.copy()
    expected[:, :2] = center
    np.testing.assert_allclose(np.asarray(partial.truncate_w(w, 0.0)), expected, atol=1e-6)

    path = str(tmp_path / "tiny.keras")
    gan.save(path)
    out = str(tmp_path / "psi0.png")
    assert main(["sample", path, "-n", "4", "--psi", "0", "--out", out]) == 0
    with Image.open(out) as grid:
        cells = np.asarray(grid)
    first, second = cells[2:34, 2:34], cells[2:34, 36:68]
    np.testing.assert_array_equal(first, second)  # psi 0: every sample the average image
    dcgan = GAN(DCGANGenerator(image_size=16, latent_dim=4, base_filters=4),
                DCGANDiscriminator(image_size=16, base_filters=4))
    dcgan_path = str(tmp_path / "dcgan.keras")
    dcgan.save(dcgan_path)
    capsys.readouterr()
    assert main(["sample", dcgan_path, "--psi", "0.5", "--out", str(tmp_path / "no.png")]) == 2
    assert "`psi` (the truncation trick in W) needs an unconditional style-based" in (
        capsys.readouterr().err)
    assert not os.path.exists(tmp_path / "no.png")
    keras.backend.clear_session()
