"""Every command and code block in README.md is exercised here (or by .ci/run)."""

import json
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kerasgan import cli, presets
from kerasgan.models import registry

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8").read()


def _between(marker):
    match = re.search(rf"<!-- {marker} -->\n(.*?)\n<!-- /{marker} -->", README, re.S)
    assert match, f"README.md lacks the {marker} markers"
    return match.group(1).strip()


def _code_blocks():
    """(language, text) of every fenced block of README.md."""
    blocks, language, lines = [], None, None
    for line in README.splitlines():
        if line.startswith("```"):
            if lines is None:
                language, lines = line[3:].strip(), []
            else:
                blocks.append((language, "\n".join(lines) + "\n"))
                lines = None
        elif lines is not None:
            lines.append(line)
    assert lines is None, "README.md has an unclosed code fence"
    return blocks


def _kerasgan_commands():
    """Every `kerasgan ...` invocation in README's shell blocks, as argv lists."""
    commands = []
    for language, block in _code_blocks():
        if language:
            continue
        for line in block.splitlines():
            for part in line.split("&&"):
                words = shlex.split(part.strip())
                if words and os.path.basename(words[0]) == "kerasgan":
                    commands.append(words[1:])
    # Inline commands in the prose, except those naming the command only or a placeholder.
    for span in re.findall(r"`(kerasgan [^`]+)`", README):
        words = shlex.split(span)
        if len(words) > 2 or (len(words) == 2 and words[1] in ("list",)):
            if not any(word.isupper() for word in words):
                commands.append(words[1:])
    return [list(argv) for argv in dict.fromkeys(tuple(argv) for argv in commands)]


def test_zoo_table_is_generated_from_the_cards():
    assert _between("zoo-table") == presets.zoo_table_markdown()


def test_recipe_table_is_generated_from_the_registry():
    from kerasgan.models import registry

    table = registry.recipe_table_markdown()
    assert _between("recipe-table") == table
    assert all(f"`{recipe.name}`" in table for recipe in registry.list_recipes())


def test_every_readme_command_parses_and_names_real_targets():
    commands = _kerasgan_commands()
    assert len(commands) >= 8
    parser = cli.build_parser()
    entries = set(presets.list_presets())
    for argv in commands:
        args = parser.parse_args(argv)  # exits (fails the test) on a wrong flag
        target = getattr(args, "target", None) or getattr(args, "model", None)
        if target is not None:
            assert target in entries or target in registry.recipe_names(), argv


def _short(argv):
    """A README command made quick: training stops after 1 epoch of 1 eager step (the traced
    steps of every recipe are checked by the family tests), evaluation uses 200 samples."""
    if argv[0] == "train":
        return argv + ["--epochs", "1", "--steps-per-epoch", "1", "--num-examples", "64",
                       "--run-eagerly"]
    if argv[0] == "evaluate" and "--num-samples" in argv:
        argv = list(argv)
        argv[argv.index("--num-samples") + 1] = "200"
    return argv


# Runs README items one after the other in one process (TensorFlow starts once), each in its
# own folder (argv[1]/<index>) with its own $KERASGAN_HOME and the float32 policy: a
# ["command", argv] as `kerasgan` would (`kerasgan.cli.main`), a ["python", text] in a fresh
# namespace. Writes {index: [exit code, stdout, stderr (a block's traceback)]}.
_DRIVER = """
import contextlib, io, json, os, sys, traceback
import keras
from kerasgan import cli
root, items = sys.argv[1], json.loads(sys.argv[2])
results = {}
for index, (kind, item) in enumerate(items):
    folder = os.path.join(root, str(index))
    os.makedirs(folder, exist_ok=True)
    os.chdir(folder)
    os.environ["KERASGAN_HOME"] = os.path.join(folder, "home")
    keras.mixed_precision.set_global_policy("float32")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if kind == "command":
                code = cli.main(item)
            else:
                exec(compile(item, f"README python block {index}", "exec"),
                     {"__name__": "__main__"})
                code = 0
        except SystemExit as exit:
            code = exit.code
        except BaseException:
            code = 1
            traceback.print_exc()
    results[index] = [code, out.getvalue(), err.getvalue()]
with open(os.path.join(root, "results.json"), "w") as f:
    json.dump(results, f)
"""


def _run_in_one_process(tmp_path, items, timeout):
    """Runs `items` with `_DRIVER`; returns their [exit code, stdout, stderr] by index."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    proc = subprocess.run([sys.executable, "-c", _DRIVER, str(tmp_path), json.dumps(items)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results) == len(items)
    return results


def _prepare_inputs(argv, folder):
    """The files a command reads: an image folder, images to translate."""
    if "folder:my_images" in argv:
        images = folder / "my_images"
        images.mkdir()
        rng = np.random.default_rng(0)
        for k in range(64):  # one batch of the entry (64)
            Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(
                images / f"{k}.png")
    if "--input" in argv:  # image-to-image sampling: shapes images to translate
        from kerasgan.data.shapes import render_shapes

        target = folder / argv[argv.index("--input") + 1]
        images = render_shapes(3, 64, seed=3)["image"]
        if target.suffix:
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(images[0]).save(target)
        else:
            target.mkdir(parents=True)
            for k, image in enumerate(images):
                Image.fromarray(image).save(target / f"{k}.png")


def _check_outputs(argv, folder, stdout):
    if argv[0] == "sample" and "--input" in argv:
        out = folder / argv[argv.index("--out") + 1]
        written = sorted(out.iterdir()) if out.is_dir() else [out]
        assert written and all(Image.open(path).size[0] == 64 for path in written), argv
    elif argv[0] == "sample":
        out = argv[argv.index("--out") + 1]
        with Image.open(folder / out) as image:
            n = int(argv[argv.index("-n") + 1]) if "-n" in argv else 64
            num_classes = presets.get_card(argv[1]).get("num_classes")
            # A conditional entry's grid has one row per class (unless --class is given).
            cols = int(np.ceil(n / num_classes if num_classes and "--class" not in argv
                               else np.sqrt(n)))
            assert image.size[0] == cols * 32 + (cols + 1) * 2, argv
    if argv[0] == "train":
        out = argv[argv.index("--out") + 1]
        assert (folder / out / "model.keras").is_file(), argv
    if argv[0] == "export":
        assert "max |difference| to the Keras model" in stdout, argv


@pytest.mark.heavy
def test_every_readme_command_runs(tmp_path):
    """Each `kerasgan` command of the README runs from a fresh folder with a fresh home.

    Training commands stop after one eager step and evaluation uses 200 samples; every
    other command runs as written. The
    commands share one process, one after the other (the CLI's `main`: TensorFlow starts
    once, not once per command).
    """
    commands = [_short(argv) for argv in _kerasgan_commands()]
    for index, argv in enumerate(commands):
        (tmp_path / str(index)).mkdir()
        _prepare_inputs(argv, tmp_path / str(index))
    results = _run_in_one_process(tmp_path, [["command", argv] for argv in commands], 1500)
    failed = [(commands[int(i)], err[-1500:]) for i, (code, _, err) in results.items() if code]
    assert not failed, failed
    for index, argv in enumerate(commands):
        _check_outputs(argv, tmp_path / str(index), results[str(index)][1])


def test_main_command_is_sample_then_train():
    main = _between("main-command")
    runs = [argv for argv in _kerasgan_commands() if " ".join(argv) in main]
    assert [argv[0] for argv in runs] == ["sample", "train"]
    assert main.count("kerasgan ") == 2


def test_ci_runs_exactly_the_test_command():
    proc = subprocess.run(
        ["bash", "-c", "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    assert _between("test-command").strip("`\n") in proc.stdout
    assert "python -m pytest" in _between("test-command")
    assert "sed -n '/<!-- test-command -->/" in open(os.path.join(REPO_ROOT, ".ci", "run")).read()


PYTHON_BLOCKS = [text for language, text in _code_blocks() if language == "python"]


@pytest.mark.heavy
def test_every_python_block_runs(tmp_path):
    """Each python block of the README runs as written, in a fresh namespace and folder
    (one process for all of them: TensorFlow starts once)."""
    assert len(PYTHON_BLOCKS) >= 5
    results = _run_in_one_process(tmp_path, [["python", text] for text in PYTHON_BLOCKS], 1200)
    failed = {index: err[-2000:] for index, (code, _, err) in results.items() if code}
    assert not failed, failed
