"""Zoo presets: load a model by name, folder or URL; publish one of your own.

A preset is a folder (or the same files under a URL) holding:

- `config.json`: the model serialized by `keras.saving.serialize_keras_object`
  (its `get_config` plus the class to build);
- `card.json`: what the entry is: description, paper, dataset spec, the
  training recipe with the command that reproduced the weights, the weight
  file (`file`, `url`, `sha256`, `size`) or `null` when no weights are
  published, measured metrics with their protocol, and the license;
- the weight file named by the card (`*.weights.h5`), unless the card's
  `url` points elsewhere.

The built-in entries live in the `zoo/` folder of the project, installed as
the package data `kerasgan.zoo`. Weight files are verified by sha256 before use;
ones not beside the card are fetched once into `$KERASGAN_HOME`.

Nothing here deserializes with code execution: configs are JSON read with
Keras's `safe_mode`, weights are HDF5 tensors. Nothing a card says can write
or read outside its folders: the card's `name`, its weight `file` and a
relative weight `url` must be plain names (`kerasgan.utils.paths`), checked
when the card is read, before any path is built from them; every path is
then built with `path_under` inside its folder (the preset folder, or the cache
under `$KERASGAN_HOME`). A card read from a server may not point its weights
at a local `file://` URL.

This module imports Keras only inside the functions that build models, so
reading cards (`list_presets`, `get_card`) stays fast.
"""

import difflib
import importlib.util
import json
import os
import shutil
import tempfile
import urllib.parse
import warnings
from pathlib import Path

from kerasgan.utils.paths import path_under, validate_name

CONFIG_FILE = "config.json"
CARD_FILE = "card.json"
_URL_SCHEMES = ("http://", "https://", "file://")


def zoo_dir():
    """The folder of the built-in zoo entries (installed package data or the source tree)."""
    spec = importlib.util.find_spec("kerasgan.zoo")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    source = Path(__file__).resolve().parent.parent / "zoo"
    if source.is_dir():
        return source
    raise FileNotFoundError(
        "The kerasgan zoo folder is missing from this installation (expected the package "
        "data `kerasgan.zoo`); reinstall kerasgan."
    )


def list_presets():
    """Names of the built-in zoo entries, sorted.

    Examples:

    >>> "dcgan_shapes_32" in list_presets()
    True
    """
    root = zoo_dir()
    return sorted(p.name for p in root.iterdir() if (p / CARD_FILE).is_file())


def _is_url(location):
    return str(location).startswith(_URL_SCHEMES)


def _read_json_url(url, timeout=None):
    from kerasgan.utils import download

    raw = download.read_url(
        url, timeout=timeout, what="the preset file",
        hint="If this machine is offline, copy the preset folder here and pass its path instead.",
    )
    return _parse_json(raw, url)


def _parse_json(raw, source):
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"The preset file {source} is not valid JSON: {error}") from None


def _read_json(location, file_name, timeout=None):
    """Reads `file_name` from a preset folder or URL base."""
    if _is_url(location):
        return _read_json_url(urllib.parse.urljoin(location, file_name), timeout)
    path = Path(location) / file_name
    if not path.is_file():
        raise FileNotFoundError(
            f"The preset folder {str(location)!r} has no {file_name} (expected a folder written "
            "by `kerasgan.save_to_preset` or a zoo entry)."
        )
    return _parse_json(path.read_bytes(), str(path))


def _resolve(preset):
    """Maps a preset name, folder or URL to (location, kind)."""
    preset = os.fspath(preset)
    if _is_url(preset):
        return (preset if preset.endswith("/") else preset + "/"), "url"
    if os.path.isdir(preset):
        return preset, "folder"
    names = list_presets()
    if preset in names:
        return str(zoo_dir() / preset), "zoo"
    hint = difflib.get_close_matches(preset, names, n=3)
    hint_text = f" Did you mean {' or '.join(map(repr, hint))}?" if hint else ""
    raise ValueError(
        f"Unknown preset. Expected a zoo entry name ({', '.join(names)}), a preset folder or a "
        f"URL. Received: preset={preset!r}.{hint_text}"
    )


def _checked_card(card, preset, kind):
    """Refuses a card whose names would become paths outside their folders.

    The card's `name` (a cache folder), the weight `file` (a file in the
    preset folder and in the cache) and a relative weight `url` (a file
    beside the card) must be plain names; a card read from a URL may point its
    weights only at `http(s)` URLs. Runs before any path is built from them.
    """
    where = f"{CARD_FILE} of {os.fspath(preset)}"
    if not isinstance(card, dict):
        raise ValueError(f"The {where} is not a JSON object. Received: {type(card).__name__}")
    if card.get("name") is not None:
        validate_name(card["name"], f"preset name in {where}")
    weights = card.get("weights")
    if weights is None:
        return card
    if not isinstance(weights, dict):
        raise ValueError(f"The `weights` of the {where} must be an object or null. "
                         f"Received: weights={weights!r}")
    if weights.get("file") is not None:
        validate_name(weights["file"], f"weight file name in {where}", key="file")
    url = weights.get("url")
    if url is not None:
        if not isinstance(url, str):
            raise ValueError(f"The weight `url` in the {where} must be a string. "
                             f"Received: url={url!r}")
        if not _is_url(url):
            validate_name(url, f"weight file URL in {where} (a relative URL names a file "
                          "beside the card)", key="url")
        elif kind == "url" and url.startswith("file://"):
            raise ValueError(
                f"Invalid weight file URL in {where}: a card read from a URL may not point at "
                f"a local file. Received: url={url!r}"
            )
    return card


def _read_card(location, kind, preset, timeout=None):
    return _checked_card(_read_json(location, CARD_FILE, timeout), preset, kind)


def get_card(preset, timeout=None):
    """The card (a dict) of a preset name, folder or URL.

    The card's names are checked (see `from_preset`): a card whose `name` or
    weight file name is not a plain name raises `ValueError`.

    Args:
        preset: a zoo entry name, a preset folder or a URL.
        timeout: seconds to wait for a server (`None`: `$KERASGAN_TIMEOUT`,
            else 30).

    Examples:

    >>> get_card("dcgan_shapes_32")["family"]
    'dcgan'
    """
    location, kind = _resolve(preset)
    return _read_card(location, kind, preset, timeout)


def _weights_path(location, kind, card, progress=None, timeout=None):
    """A verified local path of the preset's weight file (the card is already checked)."""
    from kerasgan.utils import download

    weights = card["weights"]
    name = card.get("name") or "preset"
    for key in ("file", "sha256"):
        if not weights.get(key):
            raise ValueError(f"The card of preset {name!r} lists weights without {key!r}.")
    url = weights.get("url") or weights["file"]
    if kind != "url":
        beside = path_under(location, weights["file"])
        if os.path.isfile(beside) or not _is_url(url):
            return download.fetch(beside, weights["sha256"], size=weights.get("size"))
    else:
        url = urllib.parse.urljoin(location, url)
    return download.fetch(
        url, weights["sha256"], size=weights.get("size"), fname=weights["file"],
        cache_subdir=os.path.join("presets", name), progress=progress, timeout=timeout,
    )


def from_preset(preset, load_weights=True, compile=True, progress=None, timeout=None):
    """Builds a zoo model from a preset name, folder or URL.

    Args:
        preset: a built-in entry name (see `list_presets()`), a folder written
            by `save_to_preset`, or the URL of such a folder
            (`https://...`, `file://...`).
        load_weights: load the entry's weights (sha256-verified; downloaded
            into `$KERASGAN_HOME` when not beside the card). An entry that
            publishes no weights warns and returns the architecture with
            fresh random weights.
        compile: compile the model with the training configuration on the
            card, so `fit` continues training. Call `from_preset` inside a
            strategy scope to train under that strategy.
        progress: show download progress (default: when stdout is a terminal).
        timeout: seconds to wait for the server of a URL preset, for each
            connection and read (the card, the config and the weights).
            `None` reads the environment variable `KERASGAN_TIMEOUT`, else
            30 s. The whole weight download also has a deadline (see
            `kerasgan.utils.download.fetch`).

    A card's `name`, weight `file` and relative weight `url` must be plain
    names (letters, digits, `.`, `_`, `-`; no folders), so a card cannot make
    this function write or read outside the preset folder and
    `$KERASGAN_HOME`; a card that breaks this is refused with a `ValueError`
    before anything is fetched or written.

    Returns:
        The model (a `kerasgan.models.GAN` or subclass).

    Examples:

    >>> gan = from_preset("dcgan_shapes_32")
    >>> gan.generate(4).shape
    (4, 32, 32, 3)
    """
    import keras

    import kerasgan.models  # noqa: F401  (registers the serializable classes)
    from kerasgan.utils.download import network_timeout

    if timeout is not None:
        network_timeout(timeout)  # a bad value fails here, not at the first download
    location, kind = _resolve(preset)
    card = _read_card(location, kind, preset, timeout)
    config = _read_json(location, CONFIG_FILE, timeout)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"The {CONFIG_FILE} of preset {preset!r} is not a serialized Keras object "
            "(expected a dict with 'class_name' and 'config')."
        )
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    name = card.get("name", preset)
    if load_weights:
        if card.get("weights"):
            model.load_weights(_weights_path(location, kind, card, progress, timeout))
        else:
            command = card.get("training", {}).get("command")
            warnings.warn(
                f"The preset {name!r} publishes no weights: returning its architecture with "
                "random weights."
                + (f" Train it with: {command}" if command else ""),
                stacklevel=2,
            )
    if isinstance(card.get("name"), str) and card["name"].isidentifier():
        model.name = card["name"]  # exports and checkpoints take the preset's name
    compile_config = card.get("training", {}).get("compile")
    if compile and compile_config:
        model.compile_from_config(compile_config)
    return model


def save_to_preset(model, preset_dir, card=None, overwrite=False, include_weights=True):
    """Writes `model` as a preset folder that `from_preset` loads.

    Writes `config.json`, `<name>.weights.h5` and `card.json`; the card's
    `weights` entry (file, sha256, size) and `training.compile` (when the model
    is compiled) are filled in, the rest is taken from `card`.

    Args:
        model: a `kerasgan.models.GAN` (or any serializable Keras model).
        preset_dir: the folder to write; its base name is the preset's name
            unless `card` has a `name`. The name must be a plain name
            (letters, digits, `.`, `_`, `-`; it names the weight file and,
            when loaded from a URL, the cache folder); a bad one raises
            `ValueError` before anything is written.
        card: a dict of card fields (description, paper, dataset, training,
            metrics, license, ...).
        overwrite: replace an existing non-empty folder.
        include_weights: write the weights; `False` publishes the architecture
            only (the card's `weights` is `null`; say why in `weights_note`).

    Returns:
        The folder's path.

    Examples:

    >>> gan = from_preset("dcgan_shapes_32")
    >>> path = save_to_preset(gan, "my_gan", card={"description": "My GAN."})
    >>> reloaded = from_preset(path)
    >>> bool((reloaded.generate(2, seed=1) == gan.generate(2, seed=1)).all())
    True
    """
    import keras

    from kerasgan.utils.download import default_mode, file_sha256

    preset_dir = Path(preset_dir)
    card = dict(card or {})
    source = "the card" if "name" in card else f"the folder name of {str(preset_dir)!r}"
    name = validate_name(card.setdefault("name", preset_dir.name),
                         f"preset name (from {source}) for save_to_preset")
    weights_file = validate_name(f"{name}.weights.h5", "weight file name of save_to_preset",
                                 key="file")
    if preset_dir.exists() and any(preset_dir.iterdir()) and not overwrite:
        raise FileExistsError(
            f"The preset folder {str(preset_dir)!r} exists and is not empty; pass "
            "overwrite=True to replace it."
        )
    card.setdefault("format_version", 1)
    training = dict(card.get("training") or {})
    compile_config = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    if compile_config:
        training["compile"] = compile_config
    card["training"] = training

    # Write into a sibling temporary folder, then move it into place.
    preset_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{preset_dir.name}.", dir=preset_dir.parent))
    os.chmod(staging, default_mode(directory=True))  # mkdtemp makes it private
    try:
        if include_weights:
            weights_path = path_under(staging, weights_file)
            # An uncompiled copy: the weights file holds the model's weights
            # without optimizer state (half the size for Adam).
            serialized = keras.saving.serialize_keras_object(model)
            serialized.pop("compile_config", None)
            bare = keras.saving.deserialize_keras_object(serialized, safe_mode=True)
            bare.set_weights(model.get_weights())
            bare.save_weights(weights_path)
            card["weights"] = {
                "file": weights_file,
                "url": weights_file,
                "sha256": file_sha256(weights_path),
                "size": os.path.getsize(weights_path),
            }
        else:
            card["weights"] = None
        config = keras.saving.serialize_keras_object(model)
        config.pop("compile_config", None)  # the card's `training.compile` holds it
        (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
        (staging / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
        if preset_dir.exists():
            shutil.rmtree(preset_dir)
        os.replace(staging, preset_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return str(preset_dir)


def zoo_table_markdown():
    """The README's zoo table (markdown), generated from the cards of the built-in entries."""
    lines = [
        "| entry | family | size | dataset | weights | parameters (G / D) | metric |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in list_presets():
        card = get_card(name)
        weights = card.get("weights")
        weights_text = f"yes ({weights['size'] / 2**20:.1f} MB)" if weights else "no"
        params = card.get("parameters") or {}
        params_text = " / ".join(f"{params[k]:,}" for k in ("generator", "discriminator")
                                 if k in params) or "—"
        metrics = card.get("metrics") or []
        metric_text = f"{metrics[0]['name']} {metrics[0]['value']:.3f}" if metrics else "—"
        lines.append(
            f"| `{name}` | {card.get('family', '?')} | {card.get('resolution', '?')} | "
            f"`{card.get('dataset', {}).get('spec', '?')}` | {weights_text} | {params_text} | "
            f"{metric_text} |"
        )
    return "\n".join(lines)
