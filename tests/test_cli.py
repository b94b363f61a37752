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
from kerasgan.cli._common import is_start_up_noise
from kerasgan.models import registry

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Sizes that build every recipe in a second or two (each recipe takes those it has).
TINY = {"image_size": 32, "base_filters": 4, "latent_dim": 8, "bottleneck_dim": 16}


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


def test_a_run_in_mixed_precision_gives_the_callers_policy_back(tmp_path):
    keras.mixed_precision.set_global_policy("float32")
    assert cli.main(["train", "dcgan", "--image-size", "16", "--base-filters", "4",
                     "--batch-size", "8", "--num-examples", "8", "--epochs", "1",
                     "--precision", "mixed_bfloat16", "--no-tensorboard",
                     "--out", str(tmp_path / "run")]) == 0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["settings"]["precision"] == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"  # the caller's is back


def test_train_writes_model_samples_and_history(tmp_path, capsys):
    out = tmp_path / "run"
    flags = ["train", "wgan_gp", "--image-size", "32", "--base-filters", "4", "--latent-dim",
             "8", "--batch-size", "8", "--num-examples", "16", "--out", str(out)]
    # Common flags of every recipe reach the optimizers (the recipe's D rate is 1e-4).
    assert registry.compile_settings("wgan_gp")["d_optimizer"]["config"]["learning_rate"] == 1e-4
    code = cli.main([*flags, "--epochs", "2", "--d-learning-rate", "3e-4", "--g-beta-1", "0.2"])
    assert code == 0
    model = keras.saving.load_model(out / "model.keras")
    assert float(model.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(model.g_optimizer.beta_1) == pytest.approx(0.2)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)  # the recipe's
    run = json.loads((out / "run.json").read_text())
    assert run["recipe"] == "wgan_gp" and run["training"]["recipe"] == "wgan_gp"
    # Every value set, and the defaults it resolved, recorded with the run (and its card).
    assert run["settings"]["recipe_arguments"] == {
        "image_size": 32, "channels": 3, "base_filters": 4, "latent_dim": 8,
        "d_learning_rate": 3e-4, "g_beta_1": 0.2}
    assert run["training"]["compile"]["d_optimizer"]["config"]["learning_rate"] == (
        pytest.approx(3e-4))
    # Resuming with another value of a recipe argument is refused, as other settings are.
    capsys.readouterr()
    assert cli.main([*flags, "--epochs", "3", "--d-learning-rate", "1e-4"]) == 2
    err = capsys.readouterr().err
    assert "was trained with d_learning_rate=0.0003; resuming with d_learning_rate=0.0001" in err
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


@pytest.mark.heavy
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


@pytest.mark.heavy
def test_cyclegan_recipe_exports_both_directions_and_samples_one(tmp_path, capsys):
    run = tmp_path / "cg"
    # Eager steps: this test is about exports and sampling (the family test traces the step).
    assert cli.main(["train", "cyclegan", "--image-size", "16", "--base-filters", "2",
                     "--batch-size", "2", "--epochs", "1", "--num-examples", "4",
                     "--no-jitter", "--no-tensorboard", "--run-eagerly", "--out", str(run)]) == 0
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


def _recipe_table(out):
    """{name: cells} of the recipe table `kerasgan list` prints."""
    table = out[out.index("Training recipes"):].splitlines()[1:]
    return {row[0]: row for row in (line.split(None, 5) for line in table
                                     if line.startswith("  "))}


def test_list_agrees_with_each_recipes_real_compile_settings(capsys):
    assert cli.main(["list"]) == 0
    rows = _recipe_table(capsys.readouterr().out)
    recipes = registry.list_recipes()
    assert len(recipes) >= 12 and {"sagan", "biggan", "pix2pix"} <= set(rows)
    # The two the hand-written table got wrong: both train with the hinge loss, BigGAN 2 D steps.
    assert rows["sagan"][3:5] == ["hinge", "d_steps=1"]
    assert rows["biggan"][3:5] == ["hinge", "d_steps=2"]
    for recipe in recipes:
        names = {argument.name for argument in recipe.all_arguments}
        classes = 3 if recipe.task == "class-conditional" else None
        gan = registry.build(recipe.name, num_classes=classes,
                             **{k: v for k, v in TINY.items() if k in names})
        compiled = gan.get_compile_config()
        assert rows[recipe.name][1:5] == [recipe.family, recipe.task, compiled["loss"],
                                          f"d_steps={compiled['d_steps']}"], recipe.name
        assert rows[recipe.name][5] == recipe.description
        settings = registry.compile_settings(recipe)
        assert (settings["loss"], settings["d_steps"]) == (compiled["loss"],
                                                           compiled["d_steps"]), recipe.name
        for side in ("g_optimizer", "d_optimizer"):
            expected, got = settings[side]["config"], compiled[side]["config"]
            assert compiled[side]["class_name"] == settings[side]["class_name"], recipe.name
            for key, value in expected.items():
                assert got[key] == pytest.approx(value, rel=1e-6), (recipe.name, side, key)
        for alias in recipe.aliases:
            assert rows[alias][1:] == ["alias", "of", recipe.name]


def _help(capsys, *argv):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


RUN_FLAGS = ("--data", "--epochs", "--batch-size", "--steps-per-epoch", "--num-examples",
             "--strategy", "--precision", "--seed", "--sample-every", "--tensorboard",
             "--init-weights", "--out")


def test_train_recipe_help_lists_the_recipes_own_flags(capsys):
    paired = _help(capsys, "pix2pix")
    for option in (*RUN_FLAGS, "--jitter, --no-jitter", "--direction {AtoB,BtoA}",
                   "--d-layers", "--l1-weight", "--image-size", "--base-filters",
                   "--d-learning-rate", "--g-beta-1", "--loss", "--d-steps", "--ema-decay"):
        assert option in paired, option
    assert "(default: on)" in " ".join(paired.split())
    assert "(default: AtoB)" in " ".join(paired.split())
    assert "--latent-dim" not in paired and "--attention-resolution" not in paired
    latent = _help(capsys, "dcgan")
    for option in (*RUN_FLAGS, "--latent-dim", "--image-size", "--channels {1,3}"):
        assert option in latent, option
    assert "--jitter" not in latent and "--direction" not in latent
    assert "--attention-resolution" in _help(capsys, "sagan")
    # No target: the run's flags only; a zoo entry: its recipe's data options too.
    general = _help(capsys)
    assert all(option in general for option in RUN_FLAGS)
    assert "--image-size" not in general and "--jitter" not in general
    entry = _help(capsys, "pix2pix_facades_256")
    assert "--direction {AtoB,BtoA}" in entry and "--jitter" in entry
    assert "--image-size" not in entry and "--d-learning-rate" not in entry


@pytest.mark.parametrize("argv, option, recipe", [
    (["dcgan", "--jitter"], "--jitter", "dcgan"),
    (["dcgan", "--no-jitter"], "--no-jitter", "dcgan"),
    (["nsgan", "--direction", "BtoA"], "--direction", "dcgan"),
    (["pix2pix", "--latent-dim=8"], "--latent-dim", "pix2pix"),
    (["cgan", "--image-size", "32", "--attention-resolution", "8"], "--attention-resolution",
     "cgan"),
])
def test_a_flag_that_does_not_apply_to_the_recipe_is_an_argparse_error(argv, option, recipe,
                                                                       capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"{option} does not apply to the recipe {recipe!r}" in err
    assert f"kerasgan train {argv[0]} --help" in err


def test_settings_of_recipes_are_refused_for_a_zoo_entry(tmp_path, capsys):
    assert cli.main(["train", "dcgan_shapes_32", "--d-learning-rate", "1e-3", "--ema-decay",
                     "0.9", "--out", str(tmp_path / "r")]) == 2
    assert "--d-learning-rate, --ema-decay apply to recipes only" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_paired_entry_trains_with_its_recipes_data_options_and_decay(tmp_path, capsys):
    gan = registry.build("pix2pix", image_size=16, base_filters=4)
    card = {"training": {"recipe": "pix2pix", "epochs": 2, "settings": {
        "data": "shapes", "batch_size": 4, "num_examples": 8, "seed": 0,
        "precision": "float32", "jitter": True}}}  # a card written before recipe_arguments
    entry = kerasgan.save_to_preset(gan, tmp_path / "p2p", card=card)
    run = tmp_path / "run"
    assert cli.main(["train", entry, "--no-jitter", "--direction", "BtoA", "--no-tensorboard",
                     "--out", str(run)]) == 0
    # 2 steps per epoch, 2 epochs: the recipe's linear decay over this run's 4 steps.
    assert "constant for 2 steps, then linearly to 0 at step 4" in capsys.readouterr().out
    model = keras.saving.load_model(run / "model.keras")
    assert float(model.g_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    settings = json.loads((run / "run.json").read_text())["settings"]
    assert settings["recipe_arguments"] == {"jitter": False, "direction": "BtoA"}
    assert "jitter" not in settings


def test_start_up_lines_of_tensorflow_are_recognized():
    measured = [  # what `import tensorflow` printed on this machine (TF 2.21)
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796196126.498392   21908 port.cc:153] oneDNN custom operations are on. "
        "You may see slightly different numerical results.",
        "I0000 00:00:1796196126.498890   21908 cudart_stub.cc:31] Could not find cuda drivers on "
        "your machine, GPU will not be used.",
        "E0000 00:00:1796196126.607787   21908 cuda_driver.cc:152] failed call to cuInit: "
        "UNKNOWN ERROR (303)",
        "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild "
        "TensorFlow with the appropriate compiler flags.",
    ]
    assert all(is_start_up_noise(line) for line in measured)
    for line in ("kerasgan train: error: No such config file: 'x.json'",
                 "UserWarning: something the user should see", ""):
        assert not is_start_up_noise(line)


def _console_script(tmp_path, body="import sys\nfrom kerasgan.cli import main\nsys.exit(main())\n"):
    script = tmp_path / "kerasgan"  # named like the console script pip generates
    script.write_text(body)
    return script


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERASGAN_DEBUG", "PYTHONWARNINGS")}
    return {**env, "PYTHONPATH": REPO_ROOT, **extra}


def test_kerasgan_list_writes_nothing_on_stderr(tmp_path):
    proc = subprocess.run([sys.executable, str(_console_script(tmp_path)), "list"],
                          env=_clean_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert "Training recipes" in proc.stdout and "  pix2pix " in proc.stdout


def test_help_builds_every_parser_without_tensorflow(tmp_path):
    body = ("import sys\n"
            "from kerasgan.cli import build_parser\n"
            "try:\n"
            "    build_parser().parse_args(sys.argv[1:])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    script = _console_script(tmp_path, body)
    for argv in (["--help"], ["train", "--help"], ["sample", "--help"], ["export", "--help"]):
        proc = subprocess.run([sys.executable, str(script), *argv], env=_clean_env(),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        *_, tensorflow, keras_ = proc.stdout.splitlines()[-1].split()
        assert (tensorflow, keras_) == ("False", "False"), argv
    # `python -m kerasgan.cli --help` imports no TensorFlow either.
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "kerasgan.cli", "--help"],
                          env=_clean_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "COMMAND" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")]
    assert "kerasgan.cli" in imported
    assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras")]
