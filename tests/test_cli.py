"""The `kerasgan` command line, run in-process through `kerasgan.cli.main`."""

import json
import os

import keras
import numpy as np
import pytest

from kerasgan import cli


def test_list_prints_every_recipe(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("dcgan", "minimax", "wgan", "wgan_gp", "lsgan", "hinge", "nsgan"):
        assert name in out


def test_train_writes_model_samples_and_history(tmp_path):
    out = tmp_path / "run"
    code = cli.main([
        "train", "wgan_gp", "--image-size", "32", "--base-filters", "4", "--latent-dim", "8",
        "--batch-size", "8", "--epochs", "2", "--num-examples", "16", "--out", str(out),
    ])
    assert code == 0
    model = keras.saving.load_model(out / "model.keras")
    assert int(model.g_optimizer.iterations.numpy()) == 4  # 2 epochs x 2 steps
    samples = sorted(os.listdir(out / "samples"))
    assert len(samples) == 2 and all(name.endswith(".png") for name in samples)
    history = json.loads((out / "history.json").read_text())
    assert len(history["d_loss"]) == 2 and np.isfinite(history["d_loss"]).all()
    config = json.loads((out / "config.json").read_text())
    assert config["latent_dim"] == 8
    assert (out / "checkpoint.keras").exists()


def test_train_unknown_recipe_is_a_clear_error(capsys, tmp_path):
    assert cli.main(["train", "dragan", "--out", str(tmp_path / "x")]) == 2
    assert "Received: recipe='dragan'" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--epochs", "0"], ["--batch-size", "-3"]])
def test_train_rejects_non_positive_numbers(bad, capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "dcgan", *bad])
    assert "expected a positive integer" in capsys.readouterr().err
