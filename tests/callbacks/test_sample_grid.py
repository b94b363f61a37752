import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.callbacks import SampleGrid
from kerasgan.models import GAN
from tests.helpers import tiny_data, tiny_networks


def tiny_gan(**kwargs):
    generator, discriminator = tiny_networks()
    gan = GAN(generator, discriminator, **kwargs)
    gan.compile()
    return gan


def test_grids_every_n_epochs_with_the_expected_size(tmp_path):
    gan = tiny_gan()
    callback = SampleGrid(out_dir=tmp_path / "s", every_n_epochs=2, num_samples=6)
    gan.fit(tiny_data(8), batch_size=4, epochs=4, verbose=0, callbacks=[callback])
    assert sorted(os.listdir(tmp_path / "s")) == ["samples_epoch_0002.png",
                                                  "samples_epoch_0004.png"]
    image = Image.open(tmp_path / "s" / "samples_epoch_0004.png")
    # 6 samples of 4x4 -> a 3x2 grid (ceil(sqrt(6)) = 3 columns), padding 2.
    assert image.size == (3 * 6 + 2, 2 * 6 + 2)


def test_fixed_noise_gives_identical_grids_until_the_model_changes(tmp_path):
    gan = tiny_gan()
    callback = SampleGrid(out_dir=tmp_path, num_samples=4, seed=3)
    callback.set_model(gan)
    first, second = callback.sample_grid(), callback.sample_grid()
    np.testing.assert_array_equal(first, second)
    gan.fit(tiny_data(8), batch_size=4, epochs=2, verbose=0)
    assert np.abs(callback.sample_grid().astype(int) - first.astype(int)).max() > 0


def test_uses_the_ema_generator_when_asked(tmp_path):
    gan = tiny_gan(ema_decay=0.5)
    for weight in gan.ema_generator.weights:
        weight.assign(weight.numpy() * 0.0)  # EMA outputs tanh(0) = 0 -> gray 128
    latents = np.random.RandomState(0).normal(size=(4, 4)).astype("float32")
    ema = SampleGrid(out_dir=tmp_path, latents=latents)
    ema.set_model(gan)
    raw = SampleGrid(out_dir=tmp_path, latents=latents, use_ema=False)
    raw.set_model(gan)
    ema_grid = ema.sample_grid()
    assert set(np.unique(ema_grid)) <= {128, 255}  # images all 128, padding 255
    assert len(np.unique(raw.sample_grid())) > 2


def test_argument_validation(tmp_path):
    with pytest.raises(ValueError, match="Received: every_n_epochs=0"):
        SampleGrid(out_dir=tmp_path, every_n_epochs=0)
    with pytest.raises(ValueError, match="Received: num_samples=0"):
        SampleGrid(out_dir=tmp_path, num_samples=0)
    SampleGrid(out_dir=tmp_path / "new" / "dir")
    assert (tmp_path / "new" / "dir").is_dir()


def test_fixed_inputs_are_the_models_example_inputs(tmp_path):
    gan = tiny_gan(latent_distribution="uniform")
    callback = SampleGrid(out_dir=tmp_path, num_samples=5, seed=7)
    callback.set_model(gan)
    np.testing.assert_array_equal(callback.fixed_latents(), gan.example_inputs(5, seed=7))
    assert callback.fixed_latents().min() >= -1.0  # uniform latents, as the model draws them


def test_an_image_to_image_grid_shows_each_input_beside_its_output(tmp_path):
    from kerasgan.models import registry
    from kerasgan.utils.images import to_uint8

    gan = registry.build("pix2pix", image_size=16, base_filters=4)
    callback = SampleGrid(out_dir=tmp_path, num_samples=3, seed=1)  # no inputs given
    callback.set_model(gan)
    grid = callback.sample_grid()
    # 3 (input, output) pairs in one row of 6 tiles of 16 px, padding 2.
    assert grid.shape == (16 + 4, 6 * 18 + 2, 3)
    inputs = gan.example_inputs(3, seed=1)
    np.testing.assert_array_equal(grid[2:18, 2:18], to_uint8(inputs)[0])
    np.testing.assert_array_equal(grid[2:18, 20:36], to_uint8(gan.translate(inputs))[0])
