"""Every command and code block in README.md is exercised here (or by .ci/run)."""

import os
import re
import shlex
import subprocess
import sys

import pytest
from PIL import Image

from kerasgan import cli, presets

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
    return commands


def test_zoo_table_is_generated_from_the_cards():
    assert _between("zoo-table") == presets.zoo_table_markdown()


def test_every_readme_command_parses_and_names_real_targets():
    commands = _kerasgan_commands()
    assert len(commands) >= 8
    parser = cli.build_parser()
    entries = set(presets.list_presets())
    for argv in commands:
        args = parser.parse_args(argv)  # exits (fails the test) on a wrong flag
        target = getattr(args, "target", None) or getattr(args, "model", None)
        if target is not None:
            assert target in entries or target in ("dcgan", "wgan_gp", "nsgan"), argv


def test_main_command_runs(tmp_path, monkeypatch):
    """The README's main command, run in-process from a fresh folder (train limited to 2 steps)."""
    main = _between("main-command").strip("`\n")
    runs = [argv for argv in _kerasgan_commands() if " ".join(argv) in main]
    assert [argv[0] for argv in runs] == ["sample", "train"]
    monkeypatch.chdir(tmp_path)
    for argv in runs:
        extra = ["--steps-per-epoch", "2"] if argv[0] == "train" else []
        assert cli.main(argv + extra) == 0, argv
    with Image.open(tmp_path / "samples.png") as image:
        assert image.size == (8 * 32 + 9 * 2,) * 2  # 64 samples, 8 x 8 grid
    assert (tmp_path / "runs" / "dcgan_shapes_32" / "model.keras").is_file()
    assert len(os.listdir(tmp_path / "runs" / "dcgan_shapes_32" / "samples")) == 3


def test_ci_runs_exactly_the_test_command():
    proc = subprocess.run(
        ["bash", "-c", "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    assert _between("test-command").strip("`\n") in proc.stdout
    assert "python -m pytest" in _between("test-command")
    assert "sed -n '/<!-- test-command -->/" in open(os.path.join(REPO_ROOT, ".ci", "run")).read()


PYTHON_BLOCKS = [text for language, text in _code_blocks() if language == "python"]


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_block_runs(index, tmp_path):
    """Each python block of the README runs as written, in a fresh process and folder."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, KERASGAN_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-c", PYTHON_BLOCKS[index]], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
