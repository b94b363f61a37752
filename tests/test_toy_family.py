"""A family added from this module alone: its networks and recipe registered here, then
listed, trained with `kerasgan train`, sampled and exported with no change elsewhere."""

import json
import os

import keras
import numpy as np
import pytest
from PIL import Image

from kerasgan.cli import main
from kerasgan.models import GAN
from kerasgan.models.registry import Argument, Recipe, register_recipe, unregister_recipe


def _toy_networks(image_size, channels, latent_dim, width):
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Dense(width, activation="relu", name="toy_hidden")(z)
    x = keras.layers.Dense(image_size * image_size * channels, activation="tanh",
                           dtype="float32")(x)
    images = keras.layers.Reshape((image_size, image_size, channels))(x)
    generator = keras.Model(z, images, name="toy_generator")
    inputs = keras.Input((image_size, image_size, channels), name="images")
    y = keras.layers.Flatten()(inputs)
    y = keras.layers.Dense(width, activation="relu")(y)
    discriminator = keras.Model(inputs, keras.layers.Dense(1, dtype="float32")(y),
                                name="toy_discriminator")
    return generator, discriminator


def _build_toy(image_size=16, channels=3, latent_dim=8, width=16, seed=0, ema_decay=None):
    generator, discriminator = _toy_networks(image_size, channels, latent_dim, width)
    return GAN(generator, discriminator, seed=seed, ema_decay=ema_decay)


TOY = Recipe(
    name="toy_gan", family="toy", description="A toy family registered by a test module.",
    task="unconditional", builder=_build_toy,
    arguments=(
        Argument("image_size", int, 16, "image side"),
        Argument("channels", int, 3, "image channels", choices=(1, 3)),
        Argument("latent_dim", int, 8, "size of z"),
        Argument("width", int, 16, "hidden units of both toy networks"),
    ),
    compile={"loss": "hinge", "d_steps": 2,
             "g_optimizer": {"class_name": "Adam", "config": {"learning_rate": 1e-3}},
             "d_optimizer": {"class_name": "Adam", "config": {"learning_rate": 1e-3}}},
)


@pytest.fixture
def toy_family():
    register_recipe(TOY)
    yield TOY
    unregister_recipe(TOY.name)


def test_the_toy_family_is_listed_with_its_real_settings(toy_family, capsys):
    assert main(["list"]) == 0
    line = next(row for row in capsys.readouterr().out.splitlines() if "toy_gan" in row)
    assert "toy" in line and "hinge" in line and "d_steps=2" in line and "unconditional" in line


def test_train_help_of_the_toy_recipe_lists_its_own_arguments(toy_family, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "toy_gan", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--width" in text and "hidden units of both toy networks" in text
    assert "--d-learning-rate" in text  # the settings every recipe takes
    assert "--jitter" not in text  # another recipe's data argument


def test_the_toy_family_trains_samples_and_exports_through_the_cli(toy_family, tmp_path):
    run = tmp_path / "run"
    code = main(["train", "toy_gan", "--width", "8", "--epochs", "1", "--num-examples", "32",
                 "--batch-size", "8", "--d-learning-rate", "3e-4", "--sample-every", "1",
                 "--no-tensorboard", "--out", str(run)])
    assert code == 0
    record = json.loads((run / "run.json").read_text())
    assert json.dumps(record).count('"width": 8') >= 1, record
    model = keras.saving.load_model(str(run / "model.keras"))
    assert model.generator.get_layer("toy_hidden").units == 8
    assert float(model.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert model.d_steps == 2 and model.loss_name == "hinge"
    assert int(model.step_counter.numpy()) == 4  # 32 images / batch 8

    samples = tmp_path / "samples.png"
    assert main(["sample", str(run), "-n", "4", "--out", str(samples)]) == 0
    with Image.open(samples) as image:
        assert image.size[0] >= 2 * 16 and image.mode == "RGB"
        assert np.asarray(image).std() > 0

    exports = tmp_path / "exports"
    assert main(["export", str(run), "--format", "onnx", "--out", str(exports)]) == 0
    assert os.path.isfile(exports / "run.onnx")
