"""The `kerasgan` command line, run in-process through `kerasgan.cli.main`."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import kerasgan
from kerasgan import cli


def test_list_prints_the_zoo_table_and_every_recipe(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("dcgan", "minimax", "wgan", "wgan_gp", "lsgan", "hinge", "nsgan"):
        assert f"  {name} " in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ")}
    assert rows["dcgan_shapes_32"][1:5] == ["dcgan", "32px", "shapes", "yes"]
    assert rows["dcgan_celeba_64"][1:5] == ["dcgan", "64px", "tfds:celeb_a", "no"]
    assert rows["dcgan_shapes_32"][5] == "fsd"
    for name in ("cgan", "sagan", "biggan", "pix2pix", "cyclegan", "context_encoder"):
        assert f"  {name} " in out
    assert rows["pix2pix_shapes_64"][1:5] == ["pix2pix", "64px", "shapes:pairs=edges,domain=b",
                                             "yes"]


def test_info_shows_the_card(capsys):
    assert cli.main(["info", "dcgan_shapes_32"]) == 0
    out = capsys.readouterr().out
    card = kerasgan.get_card("dcgan_shapes_32")
    assert card["weights"]["sha256"] in out
    assert card["training"]["command"] in out
    assert cli.main(["info", "dcgan_celeba_64", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["weights"] is None


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
    assert config["class_name"] == "GAN" and config["config"]["latent_dim"] == 8
    assert (out / "checkpoint.keras").exists()


def test_train_unknown_recipe_is_a_clear_error(capsys, tmp_path):
    assert cli.main(["train", "dragan", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "Received: preset='dragan'" in err and "recipes are also accepted" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", [["--epochs", "0"], ["--batch-size", "-3"]])
def test_train_rejects_non_positive_numbers(bad, capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "dcgan", *bad])
    assert "expected a positive integer" in capsys.readouterr().err


def _tiny_entry(tmp_path):
    """A preset folder of a tiny DCGAN whose card trains 2 steps of 8 images per epoch."""
    from kerasgan.models.dcgan import build_recipe

    gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=8,
                       gan={"ema_decay": 0.5})
    card = {"training": {"epochs": 1, "settings": {
        "data": "shapes", "batch_size": 8, "num_examples": 16, "seed": 0,
        "precision": "float32"}}}
    return kerasgan.save_to_preset(gan, tmp_path / "tiny", card=card)


def test_train_an_entry_resume_sample_and_export(tmp_path, capsys):
    entry = _tiny_entry(tmp_path)
    run = tmp_path / "run"
    assert cli.main(["train", entry, "--out", str(run)]) == 0
    first = keras.saving.load_model(run / "model.keras")
    assert int(first.step_counter.numpy()) == 2
    state = json.loads((run / "run.json").read_text())
    assert state["epochs_done"] == 1 and state["settings"]["num_examples"] == 16
    assert list((run / "logs").rglob("events.out.tfevents.*"))  # tensorboard is installed

    # Run again with more epochs: continues from the saved model, history grows.
    assert cli.main(["train", entry, "--out", str(run), "--epochs", "3"]) == 0
    assert "Resuming" in capsys.readouterr().out
    resumed = keras.saving.load_model(run / "model.keras")
    assert int(resumed.step_counter.numpy()) == 6
    assert int(resumed.g_optimizer.iterations.numpy()) == 6
    assert len(json.loads((run / "history.json").read_text())["g_loss"]) == 3
    # Same command again: nothing left to do.
    assert cli.main(["train", entry, "--out", str(run), "--epochs", "3"]) == 0
    assert "already holds 3 trained epochs" in capsys.readouterr().out
    # A different target or batch size in the same folder is refused.
    assert cli.main(["train", "dcgan", "--out", str(run)]) == 2
    assert "holds a run of" in capsys.readouterr().err
    assert cli.main(["train", entry, "--out", str(run), "--batch-size", "4",
                     "--epochs", "4"]) == 2
    assert "was trained with batch_size=8" in capsys.readouterr().err

    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(run), "-n", "6", "--out", str(grid)]) == 0
    with Image.open(grid) as image:
        assert image.size == (3 * 32 + 4 * 2, 2 * 32 + 3 * 2)  # 3 x 2 grid, 2px padding
    assert cli.main(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "exp")]) == 0
    assert "max |difference|" in capsys.readouterr().out
    assert list((tmp_path / "exp").glob("*.onnx"))


def test_train_flags_that_change_a_fixed_architecture_are_refused(tmp_path, capsys):
    entry = _tiny_entry(tmp_path)
    assert cli.main(["train", entry, "--image-size", "64", "--out", str(tmp_path / "r")]) == 2
    assert "--image-size apply to recipes only" in capsys.readouterr().err


def test_sample_an_unknown_model_is_one_line(tmp_path, capsys):
    assert cli.main(["sample", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "holds no model.keras" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["sample", "nosuch_entry"]) == 2
    assert "Received: preset='nosuch_entry'" in capsys.readouterr().err


def test_console_errors_are_one_line_without_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KERASGAN_DEBUG"}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for argv, expected in (
        (["info", "nosuch"], "Received: preset='nosuch'"),
        (["train", "dcgan", "--data", "folder:" + str(tmp_path / "missing"), "--out",
          str(tmp_path / "r"), "--image-size", "32"], str(tmp_path / "missing")),
    ):
        proc = subprocess.run([sys.executable, "-m", "kerasgan.cli", *argv], env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2
        lines = [line for line in proc.stderr.splitlines() if line.startswith("kerasgan ")]
        assert len(lines) == 1 and expected in lines[0], proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr


def test_train_sample_and_export_the_conditional_recipe(tmp_path, capsys):
    run = tmp_path / "cgan"
    assert cli.main(["train", "cgan", "--image-size", "32", "--base-filters", "4",
                     "--latent-dim", "8", "--batch-size", "8", "--epochs", "1",
                     "--num-examples", "16", "--out", str(run)]) == 0
    model = keras.saving.load_model(run / "model.keras")
    assert model.num_classes == 6 and int(model.step_counter.numpy()) == 2
    grid = tmp_path / "class2.png"
    assert cli.main(["sample", str(run), "-n", "12", "--class", "2", "--out", str(grid)]) == 0
    by_class = tmp_path / "by_class.png"
    assert cli.main(["sample", str(run), "-n", "12", "--out", str(by_class)]) == 0
    class2 = np.asarray(Image.open(grid))  # 12 images, 4 columns
    rows = np.asarray(Image.open(by_class))
    # Without --class: one row per class (6 rows of 2), the same latents as with --class.
    assert rows.shape == (6 * 34 + 2, 2 * 34 + 2, 3)

    def tile(image, row, col):
        return image[2 + row * 34:2 + row * 34 + 32, 2 + col * 34:2 + col * 34 + 32]

    # Images 4 and 5 are class 2 in both grids: row 2 of the default grid.
    np.testing.assert_array_equal(tile(rows, 2, 0), tile(class2, 1, 0))
    np.testing.assert_array_equal(tile(rows, 2, 1), tile(class2, 1, 1))
    assert np.abs(tile(rows, 2, 0).astype(int) - tile(rows, 0, 0).astype(int)).max() > 0
    assert cli.main(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "e")]) == 0
    import onnxruntime as ort

    session = ort.InferenceSession(str(next((tmp_path / "e").glob("*.onnx"))),
                                   providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["z", "labels"]
    capsys.readouterr()
    # --class on an unconditional model, and the conditional recipe on unlabeled data.
    assert cli.main(["sample", "dcgan_shapes_32", "--class", "1", "--out",
                     str(tmp_path / "x.png")]) == 2
    assert "--class applies to class-conditional models" in capsys.readouterr().err
    flat = tmp_path / "flat"
    flat.mkdir()
    for k in range(2):
        Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(flat / f"{k}.png")
    assert cli.main(["train", "cgan", "--data", f"folder:{flat}", "--image-size", "32",
                     "--out", str(tmp_path / "y")]) == 2
    assert "needs labeled data" in capsys.readouterr().err


@pytest.mark.parametrize("argv, expected", [
    (["train", "dcgan", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["export", "dcgan_shapes_32", "--format", "pt", "--out", "x"], "invalid choice: 'pt'"),
    (["sample"], "the following arguments are required: model"),
    ([], "the following arguments are required: COMMAND"),
])
def test_flag_errors_are_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err and "--help" in err


def _write_pngs(folder, images):
    folder.mkdir()
    for k, image in enumerate(images):
        Image.fromarray(image).save(folder / f"img{k}.png")


def test_pix2pix_recipe_trains_with_decay_and_translates_files_and_folders(tmp_path, capsys):
    run = tmp_path / "p2p"
    assert cli.main(["train", "pix2pix", "--image-size", "16", "--base-filters", "4",
                     "--batch-size", "4", "--epochs", "2", "--num-examples", "8",
                     "--no-tensorboard", "--out", str(run)]) == 0
    out = capsys.readouterr().out
    # 2 steps per epoch, 2 epochs: the rate holds for 2 steps, then falls to 0 at step 4.
    assert "constant for 2 steps, then linearly to 0 at step 4" in out
    model = keras.saving.load_model(run / "model.keras")
    assert type(model).__name__ == "Pix2Pix" and int(model.step_counter.numpy()) == 4
    assert float(model.g_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    with Image.open(run / "samples" / "samples_epoch_0002.png") as grid:
        assert grid.size == (8 * 18 + 2, 2 * 18 + 2)  # 8 (input, output) pairs of 16 px

    from kerasgan.data.paired import render_pairs

    pairs = render_pairs("edges", 3, 24, seed=5)  # 24 px inputs: resized to the model's 16
    _write_pngs(tmp_path / "edges", list(pairs[..., :3]))
    assert cli.main(["sample", str(run), "--input", str(tmp_path / "edges"), "--out",
                     str(tmp_path / "translated")]) == 0
    written = sorted(os.listdir(tmp_path / "translated"))
    assert written == ["img0.png", "img1.png", "img2.png"]
    inputs = np.stack([np.asarray(Image.open(tmp_path / "edges" / f).resize((16, 16),
                                  Image.BILINEAR)) for f in written])
    with Image.open(tmp_path / "translated" / "img1.png") as image:
        translated = np.asarray(image)
    expected = model.translate(inputs.astype("float32") / 127.5 - 1)[1]
    assert translated.shape == (16, 16, 3)
    assert np.abs(translated.astype(float) - (expected + 1) * 127.5).max() <= 2.0
    assert cli.main(["sample", str(run), "--input", str(tmp_path / "edges" / "img0.png"),
                     "--out", str(tmp_path / "one.png")]) == 0
    assert np.asarray(Image.open(tmp_path / "one.png")).shape == (16, 16, 3)
    assert cli.main(["sample", str(run), "--input", str(tmp_path / "edges"), "--grid",
                     "--out", str(tmp_path / "grid.png")]) == 0
    assert Image.open(tmp_path / "grid.png").size == (6 * 18 + 2, 18 + 2)
    capsys.readouterr()
    assert cli.main(["sample", str(run), "--out", str(tmp_path / "x.png")]) == 2
    assert "pass the images to translate with --input" in capsys.readouterr().err
    assert cli.main(["sample", str(run), "--input", str(tmp_path / "nothing")]) == 2
    assert "No such --input file or folder" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "bad.png").write_bytes(b"not a png")
    assert cli.main(["sample", str(run), "--input", str(tmp_path / "broken")]) == 2
    assert "Cannot read --input image" in capsys.readouterr().err
    assert cli.main(["sample", "dcgan_shapes_32", "--input", str(tmp_path / "edges")]) == 2
    assert "--input and --grid apply to image-to-image models" in capsys.readouterr().err
    assert cli.main(["export", str(run), "--direction", "b_to_a", "--out",
                     str(tmp_path / "e")]) == 2
    assert ("--direction applies to models with several serving endpoints; "
            f"{str(run)!r} has one (serving_default)") in capsys.readouterr().err
    for command in (["evaluate", str(run)], ["interpolate", str(run)],
                    ["invert", str(run), "--image", str(tmp_path / "one.png")]):
        assert cli.main(command) == 2
        assert "is an image-to-image model (Pix2Pix)" in capsys.readouterr().err


def test_cyclegan_recipe_exports_both_directions_and_samples_one(tmp_path, capsys):
    run = tmp_path / "cg"
    assert cli.main(["train", "cyclegan", "--image-size", "16", "--base-filters", "2",
                     "--batch-size", "2", "--epochs", "1", "--num-examples", "4",
                     "--no-jitter", "--no-tensorboard", "--out", str(run)]) == 0
    assert cli.main(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "e")]) == 0
    out = capsys.readouterr().out
    assert out.count("max |difference| to the Keras model") == 2
    assert sorted(os.listdir(tmp_path / "e")) == ["cg_a_to_b.onnx", "cg_b_to_a.onnx"]
    assert cli.main(["export", str(run), "--out", str(tmp_path / "sm")]) == 0
    import tensorflow as tf

    loaded = tf.saved_model.load(str(tmp_path / "sm" / "cg" / "1"))
    assert set(loaded.signatures) == {"serving_default", "a_to_b", "b_to_a"}
    image = np.random.RandomState(0).uniform(-1, 1, (1, 16, 16, 3)).astype("float32")
    model = keras.saving.load_model(run / "model.keras")
    np.testing.assert_allclose(loaded.signatures["b_to_a"](image=image)["images"],
                               model.translate(image, direction="b_to_a"), atol=1e-5)
    _write_pngs(tmp_path / "in", [((image[0] + 1) * 127.5).astype(np.uint8)])
    for direction in ("a_to_b", "b_to_a"):
        out = str(tmp_path / f"{direction}.png")
        assert cli.main(["sample", str(run), "--input", str(tmp_path / "in" / "img0.png"),
                         "--direction", direction, "--out", out]) == 0
    assert not np.array_equal(np.asarray(Image.open(tmp_path / "a_to_b.png")),
                              np.asarray(Image.open(tmp_path / "b_to_a.png")))
    capsys.readouterr()
    with pytest.raises(SystemExit) as refused:  # a flag of other recipes: an argparse error
        cli.main(["train", "cyclegan", "--latent-dim", "8", "--out", str(tmp_path / "x")])
    assert refused.value.code == 2
    assert "--latent-dim does not apply" in capsys.readouterr().err


def test_context_encoder_recipe_fills_the_center_of_input_images(tmp_path):
    run = tmp_path / "ce"
    assert cli.main(["train", "context_encoder", "--image-size", "32", "--base-filters", "4",
                     "--batch-size", "4", "--epochs", "1", "--num-examples", "8",
                     "--no-tensorboard", "--out", str(run)]) == 0
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    _write_pngs(tmp_path / "in", [photo])
    assert cli.main(["sample", str(run), "--input", str(tmp_path / "in" / "img0.png"),
                     "--out", str(tmp_path / "filled.png")]) == 0
    filled = np.asarray(Image.open(tmp_path / "filled.png")).astype(int)
    # The context is kept; the hole's interior (16x16 center less the 4 px overlap) is new.
    border = np.ones((32, 32), bool)
    border[12:20, 12:20] = False
    assert np.abs(filled[border] - photo[border]).max() <= 1
    assert np.abs(filled[12:20, 12:20] - photo[12:20, 12:20]).mean() > 10


def test_init_weights_starts_from_another_run_of_the_same_architecture(tmp_path, capsys):
    flags = ["--image-size", "32", "--latent-dim", "8", "--batch-size", "8", "--epochs", "1",
             "--num-examples", "16", "--no-tensorboard"]
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli.main(["train", "dcgan", "--base-filters", "4", *flags, "--out", str(first)]) == 0
    assert cli.main(["train", "dcgan", "--base-filters", "4", *flags, "--init-weights",
                     str(first), "--out", str(second)]) == 0
    assert f"Initialized the weights from {first}" in capsys.readouterr().out
    a = keras.saving.load_model(first / "model.keras")
    b = keras.saving.load_model(second / "model.keras")
    # Two Adam steps of 2e-4 away from the first run's weights, not a new random draw.
    worst = max(float(np.abs(x.numpy() - y.numpy()).max()) for x, y in
                zip(a.generator.trainable_weights, b.generator.trainable_weights))
    assert worst < 2e-3, worst
    assert int(b.step_counter.numpy()) == 4  # the first run's 2 steps, then 2 more
    assert json.loads((second / "run.json").read_text())["settings"]["init_weights"] == str(first)
    assert cli.main(["train", "dcgan", "--base-filters", "8", *flags, "--init-weights",
                     str(first), "--out", str(tmp_path / "third")]) == 2
    assert "the architectures must be the same" in capsys.readouterr().err
