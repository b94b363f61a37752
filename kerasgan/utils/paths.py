"""Names from cards, URLs and files, checked before they become paths.

A preset card (and a URL, and a user's argument) can hand kerasgan a string
that is then joined to a folder: the preset's name becomes a cache folder
under `$KERASGAN_HOME`, the weight file's name becomes a file in it, an export
name becomes a file under `--out`. `validate_name` accepts only plain names,
so such a string cannot climb out of its folder (`../x`), replace it (`/abs`),
nest (`a/b`), hide (`.x`) or pass for a command line option (`-x`).
`path_under` joins parts to a root and checks, on real paths (symlinks
resolved), that the result is still inside that root.

This module is standard library only (the downloader, which must not import
Keras or TensorFlow, uses it).
"""

import os
import re

MAX_NAME_LENGTH = 128
_NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
_EXPECTED = (
    "expected a plain name of letters, digits, '.', '_' or '-' (at most "
    f"{MAX_NAME_LENGTH} characters, not starting with '.' or '-', without folders)"
)


def _problem(value):
    """Why `value` is not a plain name, or None when it is one."""
    if not isinstance(value, str):
        return f"it is of type {type(value).__name__}, not a string"
    if not value:
        return "it is empty"
    if "/" in value or "\\" in value:
        return "it contains a path separator"
    if value in (".", ".."):
        return "it names a folder itself"
    if os.path.isabs(value):
        return "it is an absolute path"
    if value[0] in ".-":
        return f"it starts with {value[0]!r}"
    if not _NAME_PATTERN.fullmatch(value):
        bad = sorted({c for c in value if not _NAME_PATTERN.fullmatch(c)})
        return "it contains " + ", ".join(repr(c) for c in bad)
    if len(value) > MAX_NAME_LENGTH:
        return f"it has {len(value)} characters"
    return None


def validate_name(value, what, key="name"):
    """Returns `value` if it is a plain name, safe to join to a folder.

    A plain name is a non-empty string of at most 128 characters from
    `[A-Za-z0-9._-]` that does not start with `.` or `-`. So it has no path
    separator (`/`, `\\`), is not `.` or `..`, and is not absolute.

    Args:
        value: the name to check (any object: non-strings are refused).
        what: where the name came from, for the error message, e.g.
            `"preset name in card.json of https://example.org/p/"`.
        key: the field the message quotes (`Received: <key>=...`).

    Returns:
        `value`, unchanged.

    Raises:
        ValueError: `value` is not a plain name. The message says where it
            came from, why it is refused, and quotes it.

    Examples:

    >>> validate_name("dcgan_shapes_32", "preset name")
    'dcgan_shapes_32'
    >>> validate_name("../x", "preset name in card.json of ./p")
    Traceback (most recent call last):
    ...
    ValueError: Invalid preset name in card.json of ./p (it contains a path separator): ...
    """
    problem = _problem(value)
    if problem is not None:
        raise ValueError(f"Invalid {what} ({problem}): {_EXPECTED}. Received: {key}={value!r}")
    return value


def _inside(path, root):
    try:
        return path == root or os.path.commonpath([path, root]) == root
    except ValueError:  # Windows: paths on different drives
        return False


def path_under(root, *parts):
    """Joins `parts` to `root` and checks the real result is inside `root`.

    Both sides are compared as real paths (`os.path.realpath`): `..`
    components and symbolic links are resolved, so neither a `../` in a part,
    an absolute part, nor a link inside `root` that points elsewhere can lead
    out of it. The path need not exist. `root` itself counts as inside.

    Args:
        root: str or path-like. The folder the result must stay in.
        *parts: str or path-like. Path components to join to `root`.

    Returns:
        The real path of the joined path, as a string.

    Raises:
        ValueError: the joined path resolves outside `root`; the message
            names both.

    Examples:

    >>> path_under("/tmp/home", "presets", "tiny", "tiny.weights.h5")
    '/tmp/home/presets/tiny/tiny.weights.h5'
    >>> path_under("/tmp/home", "..", "victim")
    Traceback (most recent call last):
    ...
    ValueError: The path '/tmp/victim' (from '/tmp/home' joined with ('..', 'victim')) ...
    """
    real_root = os.path.realpath(os.fspath(root))
    parts = tuple(os.fspath(part) for part in parts)
    joined = os.path.realpath(os.path.join(real_root, *parts))
    if not _inside(joined, real_root):
        raise ValueError(
            f"The path {joined!r} (from {os.fspath(root)!r} joined with {parts!r}) lies outside "
            f"{real_root!r}, the folder it must stay in; refusing to use it."
        )
    return joined
