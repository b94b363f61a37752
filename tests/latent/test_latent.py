"""Latent tools: interpolation, arithmetic, truncation, style mixing, inversion, and their CLI."""

import numpy as np
import pytest
from PIL import Image

from kerasgan import cli, from_preset
from kerasgan.latent import (
    attribute_direction,
    interpolation_path,
    invert,
    lerp,
    mix_styles,
    slerp,
    truncate_latents,
    truncate_w,
    truncated_normal,
    vector_arithmetic,
)
from kerasgan.models.dcgan import build_recipe


def test_interpolation_endpoints_norm_and_midpoint():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    for method in ("lerp", "slerp"):
        path = interpolation_path(a, b, 7, method=method)
        assert path.shape == (7, 64)
        np.testing.assert_allclose(path[0], a, atol=1e-6)
        np.testing.assert_allclose(path[-1], b, atol=1e-6)
    np.testing.assert_allclose(lerp(a, b, 0.5), (a + b) / 2, atol=1e-6)
    b_scaled = b / np.linalg.norm(b) * np.linalg.norm(a)  # equal norms
    norms = np.linalg.norm(slerp(a, b_scaled, np.linspace(0, 1, 9)), axis=-1)
    np.testing.assert_allclose(norms, np.linalg.norm(a), rtol=1e-5)
    # lerp cuts through the centre; slerp does not.
    assert np.linalg.norm(lerp(a, -a, 0.5)) < 1e-6
    parallel = slerp(a, 2 * a, [0.0, 0.5, 1.0])
    assert np.all(np.isfinite(parallel))
    np.testing.assert_allclose(parallel[1], 1.5 * a, rtol=1e-5)
    with pytest.raises(ValueError, match="Received: steps=1"):
        interpolation_path(a, b, 1)


def test_vector_arithmetic_and_directions():
    smiling_woman = np.array([[1.0, 1.0, 0.0]] * 3) + np.array([[0.1, 0, 0], [-0.1, 0, 0],
                                                                [0, 0, 0]])
    neutral_woman = np.array([[0.0, 1.0, 0.0]] * 3)
    neutral_man = np.array([[0.0, 0.0, 1.0]] * 3)
    smiling_man = vector_arithmetic([smiling_woman, neutral_woman, neutral_man], [1, -1, 1])
    np.testing.assert_allclose(smiling_man, [1.0, 0.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(attribute_direction(smiling_woman, neutral_woman), [1, 0, 0],
                               atol=1e-6)
    with pytest.raises(ValueError, match="one sign per group"):
        vector_arithmetic([smiling_woman], [1, -1])


def test_truncation_trick():
    z = truncated_normal((4000, 8), 0.7, seed=3)
    assert np.abs(z).max() <= 0.7
    np.testing.assert_array_equal(z, truncated_normal((4000, 8), 0.7, seed=3))
    spreads = [truncated_normal((4000, 8), t, seed=1).std() for t in (2.0, 1.0, 0.5)]
    assert spreads[0] > spreads[1] > spreads[2]
    # The deterministic map has the same distribution as resampling.
    normal = np.random.default_rng(5).standard_normal(40_000).astype("float32")
    for t in (0.5, 1.5):
        mapped = np.sort(np.asarray(truncate_latents(normal, t)))
        resampled = np.sort(truncated_normal((40_000,), t, seed=9))
        assert np.abs(mapped).max() <= t + 1e-6
        assert np.abs(mapped - resampled).max() < 0.03  # quantiles agree
    np.testing.assert_allclose(np.asarray(truncate_latents(normal[:100], 10.0)), normal[:100],
                               atol=2e-3)
    np.testing.assert_allclose(truncate_w(np.ones(3), np.zeros(3), 0.25), [0.25] * 3)
    with pytest.raises(ValueError, match="Received: truncation=0"):
        truncated_normal((2, 2), 0)


def test_style_mixing_takes_the_right_layers():
    a, b = np.zeros((2, 5, 3)), np.ones((2, 5, 3))
    mixed = mix_styles(a, b, [2, 4])
    assert mixed[0, :, 0].tolist() == [0, 0, 1, 1, 1]
    assert mixed[1, :, 0].tolist() == [0, 0, 0, 0, 1]
    with pytest.raises(ValueError, match=r"crossover` must be integers in \[0, 5\]"):
        mix_styles(a, b, 6)


@pytest.fixture(scope="module")
def shapes_gan():
    return from_preset("dcgan_shapes_32", compile=False)


def test_inversion_recovers_a_generated_image(shapes_gan):
    z_true = np.random.default_rng(11).standard_normal((2, shapes_gan.latent_dim))
    target = shapes_gan.generate(z_true.astype("float32"))
    result = invert(shapes_gan, target, steps=300, learning_rate=0.05, init="random", seed=4)
    random_images = shapes_gan.generate(2, seed=99)
    random_error = np.mean(np.square(random_images - target), axis=(1, 2, 3))
    print(f"inversion MSE {result.pixel_errors}, random-latent MSE {random_error}")
    assert result.latents.shape == (2, shapes_gan.latent_dim)
    assert np.all(result.pixel_errors < 0.3 * random_error)
    assert result.losses[-1] < result.losses[0]
    with pytest.raises(ValueError, match=r"Expected target images of shape \[n, 32, 32, 3\]"):
        invert(shapes_gan, np.zeros((1, 16, 16, 3), "float32"), steps=1)


def test_interpolate_cli_writes_a_strip_and_a_gif(tmp_path):
    strip = tmp_path / "strip.png"
    assert cli.main(["interpolate", "dcgan_shapes_32", "--steps", "5", "--out",
                     str(strip)]) == 0
    assert np.asarray(Image.open(strip)).shape == (32 + 4, 5 * 34 + 2, 3)
    gif = tmp_path / "anim.gif"
    assert cli.main(["interpolate", "dcgan_shapes_32", "--steps", "4", "--method", "lerp",
                     "--out", str(gif)]) == 0
    assert Image.open(gif).n_frames == 6  # there and back


def test_invert_cli_and_its_errors(tmp_path, capsys):
    gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8)
    image = ((gan.generate(1, seed=2)[0] + 1) * 127.5).astype("uint8")
    Image.fromarray(image).save(tmp_path / "target.png")
    out = tmp_path / "inv.png"
    assert cli.main(["invert", "dcgan_shapes_32", "--image", str(tmp_path / "target.png"),
                     "--steps", "5", "--out", str(out)]) == 0
    assert out.is_file() and (tmp_path / "inv.npy").is_file()
    assert np.load(tmp_path / "inv.npy").shape == (100,)
    capsys.readouterr()
    assert cli.main(["invert", "dcgan_shapes_32", "--image", str(tmp_path / "nope.png")]) == 2
    assert "No such image file" in capsys.readouterr().err
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert cli.main(["invert", "dcgan_shapes_32", "--image", str(tmp_path / "bad.png")]) == 2
    assert "bad.png" in capsys.readouterr().err
    assert cli.main(["interpolate", "dcgan_shapes_32", "--out", str(tmp_path / "x.jpg")]) == 2
    assert "--out must end in .png" in capsys.readouterr().err


def test_inversion_starts_from_an_encoder(shapes_gan):
    import keras

    z_true = np.random.default_rng(12).standard_normal((1, shapes_gan.latent_dim))
    target = shapes_gan.generate(z_true.astype("float32"))
    # A stand-in encoder that already knows the answer: the optimization starts there.
    encoder = keras.Sequential([
        keras.Input((32, 32, 3)), keras.layers.Flatten(),
        keras.layers.Dense(shapes_gan.latent_dim, kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(z_true[0]))])
    result = invert(shapes_gan, target, steps=1, learning_rate=1e-4, init=encoder)
    assert result.pixel_errors[0] < 1e-4
    assert np.abs(result.latents - z_true).max() < 1e-3
