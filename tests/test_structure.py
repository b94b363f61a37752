"""A family is one folder: the CLI, export, callbacks and evaluation name no family or recipe
and probe no model's capabilities; they read the registry and the model protocol."""

import ast
import io
import os
import re
import tokenize

import pytest

from kerasgan.models import registry

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKED = ("kerasgan/cli", "kerasgan/export.py", "kerasgan/callbacks",
           "kerasgan/metrics/evaluation.py")
# What the code used to ask models instead of the protocol (`task`, `serving_endpoints()`,
# `example_inputs()`, `prepare_inputs()`).
PROBES = ("hasattr", "translation", "direction_generator", "serving_model", "mask_center")
# A word of a string: letters, digits and underscores, hyphenated compounds kept whole
# ("class-conditional" is a task, not the family "conditional").
_WORD = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*")


def checked_files():
    files = []
    for entry in CHECKED:
        path = os.path.join(REPO_ROOT, entry)
        if os.path.isdir(path):
            files += sorted(os.path.join(path, name) for name in os.listdir(path)
                            if name.endswith(".py"))
        elif os.path.isfile(path):
            files.append(path)
    return files


def forbidden_names():
    """Every registered family, recipe and alias name (lower case)."""
    families = {recipe.family for recipe in registry.list_recipes()}
    return sorted({name.lower() for name in (*families, *registry.recipe_names())})


def _parts(word):
    return [part for part in word.lower().split("_") if part]


def _contains(word, name):
    """Whether `name` is `word` or a run of its `_`-separated parts (`build_wgan_gp` holds
    `wgan_gp` and `wgan`; `cgan_x` does not hold `gan`)."""
    parts, wanted = _parts(word), _parts(name)
    return any(parts[i:i + len(wanted)] == wanted for i in range(len(parts) - len(wanted) + 1))


def _docstring_starts(source):
    """The first lines of the module's, classes' and functions' docstrings."""
    starts = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                starts.add(body[0].lineno)
    return starts


def violations(source, names):
    """`(line, kind, text)` of every family/recipe name and probe in the code of `source`:
    its identifiers and its strings (comments and docstrings are documentation, not code)."""
    found, docstrings = [], _docstring_starts(source)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        line = token.start[0]
        if token.type == tokenize.STRING and line in docstrings:
            continue
        if token.type == tokenize.NAME:
            words = [token.string]
            if token.string in PROBES:
                found.append((line, "probe", token.string))
        elif token.type == tokenize.STRING:
            words = _WORD.findall(token.string)
            if re.fullmatch(r"[rbuRBU]?(['\"])translation\1", token.string):
                found.append((line, "probe", token.string))
        else:
            continue
        for word in words:
            for name in names:
                if _contains(word, name):
                    found.append((line, "name", f"{name} in {word!r}"))
    return found


def test_the_checker_finds_what_it_must_and_only_that():
    names = forbidden_names()
    assert len(names) >= 13
    for name in ("dcgan", "nsgan", "wgan_gp", "pix2pix", "cyclegan", "context_encoder",
                 "conditional", "biggan"):
        assert name in names
    planted = (
        'recipe = "pix2pix"\n'
        "if hasattr(model, 'x'):\n"
        "    gan = build_context_encoder()\n"
        "    model.direction_generator('a_to_b')\n"
        "flag = getattr(model, 'translation', False)\n"
        'message = f"a CycleGAN of {size}"\n'
        "entry = 'dcgan_shapes_32'\n"
        "# a comment naming sagan is not code\n"
        "def f():\n"
        '    """A docstring example: from_preset("sagan_shapes_32")."""\n'
        '    return "sagan"\n'
    )
    found = violations(planted, names)
    assert {line for line, _, _ in found} == {1, 2, 3, 4, 5, 6, 7, 11}
    assert (2, "probe", "hasattr") in found and (4, "probe", "direction_generator") in found
    innocent = (
        'help = "class-conditional models: one row per class"\n'
        "task = 'image-to-image'\n"
        "def choose_endpoint(model, name):\n"
        "    return model.serving_endpoints()[0]\n"
    )
    assert violations(innocent, names) == []


def test_cli_export_callbacks_and_evaluation_name_no_family_and_probe_no_model():
    files = checked_files()
    relative = {os.path.relpath(path, REPO_ROOT) for path in files}
    commands = ("list", "info", "train", "sample", "export", "evaluate", "interpolate",
                "invert")
    assert {f"kerasgan/cli/{name}.py" for name in commands} <= relative
    assert {"kerasgan/export.py", "kerasgan/callbacks/sample_grid.py",
            "kerasgan/metrics/evaluation.py"} <= relative
    assert not os.path.exists(os.path.join(REPO_ROOT, "kerasgan", "cli.py"))
    names = forbidden_names()
    report = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        assert source.strip(), path
        report += [f"{os.path.relpath(path, REPO_ROOT)}:{line}: {kind} {text}"
                   for line, kind, text in violations(source, names)]
    assert not report, "\n".join(report)


@pytest.mark.parametrize("word, name, expected", [
    ("build_wgan_gp", "wgan_gp", True), ("build_wgan_gp", "wgan", True),
    ("CycleGAN", "cyclegan", True), ("context_encoder_paris_128", "context_encoder", True),
    ("class-conditional", "conditional", False), ("num_classes", "cgan", False),
    ("hinges", "hinge", False),
])
def test_name_matching_is_on_word_parts(word, name, expected):
    assert _contains(word, name) is expected
