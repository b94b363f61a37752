"""`kerasgan.utils.paths`: plain names and paths that stay under their root, on real folders."""

import os

import pytest

from kerasgan.utils.paths import MAX_NAME_LENGTH, path_under, validate_name

EXPECTED = ("expected a plain name of letters, digits, '.', '_' or '-' (at most 128 characters, "
            "not starting with '.' or '-', without folders)")


@pytest.mark.parametrize("name", ["dcgan_shapes_32", "tiny.weights.h5", "A-1_b.c", "x",
                                  "a..b", "x" * MAX_NAME_LENGTH, "v1.0-"])
def test_plain_names_are_returned_unchanged(name):
    assert validate_name(name, "preset name") == name


@pytest.mark.parametrize("value, problem", [
    ("../x", "it contains a path separator"),
    ("/abs", "it contains a path separator"),
    ("a/b", "it contains a path separator"),
    ("a\\b", "it contains a path separator"),
    ("..\\x", "it contains a path separator"),
    ("..", "it names a folder itself"),
    (".", "it names a folder itself"),
    ("", "it is empty"),
    (".bashrc", "it starts with '.'"),
    ("-rf", "it starts with '-'"),
    ("a b", "it contains ' '"),
    ("C:x", "it contains ':'"),
    ("nul\0byte", "it contains '\\x00'"),
    ("café", "it contains 'é'"),
    ("a*?", "it contains '*', '?'"),
    ("x" * (MAX_NAME_LENGTH + 1), "it has 129 characters"),
    (None, "it is of type NoneType, not a string"),
    (3, "it is of type int, not a string"),
    (["a"], "it is of type list, not a string"),
])
def test_names_that_are_not_plain_are_refused_with_the_reason(value, problem):
    with pytest.raises(ValueError) as info:
        validate_name(value, "preset name in card.json of http://127.0.0.1/p/")
    assert str(info.value) == (
        f"Invalid preset name in card.json of http://127.0.0.1/p/ ({problem}): {EXPECTED}. "
        f"Received: name={value!r}"
    )


def test_the_quoted_field_can_be_named():
    with pytest.raises(ValueError, match=r"Received: file='\.\./w\.h5'$"):
        validate_name("../w.h5", "weight file name", key="file")


def test_path_under_joins_and_returns_the_real_path(tmp_path):
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    assert path_under(root, "a", "b.h5") == str(root / "a" / "b.h5")  # need not exist
    assert path_under(str(root), "a/b/../c") == str(root / "a" / "c")
    assert path_under(root) == str(root)  # the root itself is inside
    assert path_under(root, "a", "..") == str(root)
    os.symlink(root / "a", root / "inside_link")  # a link that stays inside is fine
    assert path_under(root, "inside_link", "f") == str(root / "a" / "f")
    os.symlink(root, tmp_path / "root_link")  # a linked root is compared as its target
    assert path_under(tmp_path / "root_link", "a") == str(root / "a")


@pytest.mark.parametrize("parts", [("..", "victim"), ("a", "..", "..", "victim"),
                                   ("{victim}",), ("../root2/f",), ("out_link", "f"),
                                   ("out_link",)])
def test_path_under_refuses_paths_that_leave_the_root(tmp_path, parts):
    root, victim = tmp_path / "root", tmp_path / "victim"
    (root / "a").mkdir(parents=True)
    victim.mkdir()
    os.symlink(victim, root / "out_link")  # inside by name, outside for real
    parts = tuple(p.format(victim=victim) for p in parts)
    with pytest.raises(ValueError) as info:
        path_under(root, *parts)
    message = str(info.value)
    joined = os.path.realpath(os.path.join(root, *parts))
    assert message == (
        f"The path {joined!r} (from {str(root)!r} joined with {parts!r}) lies outside "
        f"{str(root)!r}, the folder it must stay in; refusing to use it."
    )
    assert not joined.startswith(str(root) + os.sep)  # "root2" is not inside "root"
