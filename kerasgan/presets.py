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
Keras's `safe_mode`, weights are HDF5 tensors.

This module imports Keras only inside the functions that build models, so
reading cards (`list_presets`, `get_card`) stays fast.
"""

import difflib
import importlib.util
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

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


def _read_json_url(url, timeout=30.0):
    from kerasgan.utils import download

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        raise download.DownloadError(
            f"Could not read the preset file {url}: HTTP {error.code} {error.reason}."
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise download.DownloadError(
            f"Could not read the preset file {url}: {reason}. If this machine is offline, copy "
            "the preset folder here and pass its path instead."
        ) from None
    return _parse_json(raw, url)


def _parse_json(raw, source):
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"The preset file {source} is not valid JSON: {error}") from None


def _read_json(location, file_name):
    """Reads `file_name` from a preset folder or URL base."""
    if _is_url(location):
        return _read_json_url(urllib.parse.urljoin(location, file_name))
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


def get_card(preset):
    """The card (a dict) of a preset name, folder or URL.

    Examples:

    >>> get_card("dcgan_shapes_32")["family"]
    'dcgan'
    """
    location, _ = _resolve(preset)
    return _read_json(location, CARD_FILE)


def _weights_path(location, kind, card, progress=None):
    """A verified local path of the preset's weight file."""
    from kerasgan.utils import download

    weights = card["weights"]
    name = card.get("name") or "preset"
    for key in ("file", "sha256"):
        if not weights.get(key):
            raise ValueError(f"The card of preset {name!r} lists weights without {key!r}.")
    url = weights.get("url") or weights["file"]
    if kind != "url":
        beside = Path(location) / weights["file"]
        if beside.is_file() or not _is_url(url):
            return download.fetch(str(beside), weights["sha256"], size=weights.get("size"))
    else:
        url = urllib.parse.urljoin(location, url)
    return download.fetch(
        url, weights["sha256"], size=weights.get("size"), fname=weights["file"],
        cache_subdir=os.path.join("presets", name), progress=progress,
    )


def from_preset(preset, load_weights=True, compile=True, progress=None):
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
        progress: show download progress (default: when stderr is a terminal).

    Returns:
        The model (a `kerasgan.models.GAN` or subclass).

    Examples:

    >>> gan = from_preset("dcgan_shapes_32")
    >>> gan.generate(4).shape
    TensorShape([4, 32, 32, 3])
    """
    import keras

    import kerasgan.models  # noqa: F401  (registers the serializable classes)

    location, kind = _resolve(preset)
    card = _read_json(location, CARD_FILE)
    config = _read_json(location, CONFIG_FILE)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"The {CONFIG_FILE} of preset {preset!r} is not a serialized Keras object "
            "(expected a dict with 'class_name' and 'config')."
        )
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    name = card.get("name", preset)
    if load_weights:
        if card.get("weights"):
            model.load_weights(_weights_path(location, kind, card, progress))
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
            unless `card` has a `name`.
        card: a dict of card fields (description, paper, dataset, training,
            metrics, license, ...).
        overwrite: replace an existing non-empty folder.
        include_weights: write the weights; `False` publishes the architecture
            only (the card's `weights` is `null`; say why in `weights_note`).

    Returns:
        The folder's path.

    Examples:

    >>> path = save_to_preset(gan, "my_gan", card={"description": "My GAN."})
    >>> reloaded = from_preset(path)
    """
    import keras

    from kerasgan.utils.download import default_mode, file_sha256

    preset_dir = Path(preset_dir)
    if preset_dir.exists() and any(preset_dir.iterdir()) and not overwrite:
        raise FileExistsError(
            f"The preset folder {str(preset_dir)!r} exists and is not empty; pass "
            "overwrite=True to replace it."
        )
    card = dict(card or {})
    name = card.setdefault("name", preset_dir.name)
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
            weights_file = f"{name}.weights.h5"
            # An uncompiled copy: the weights file holds the model's weights
            # without optimizer state (half the size for Adam).
            serialized = keras.saving.serialize_keras_object(model)
            serialized.pop("compile_config", None)
            bare = keras.saving.deserialize_keras_object(serialized, safe_mode=True)
            bare.set_weights(model.get_weights())
            bare.save_weights(str(staging / weights_file))
            card["weights"] = {
                "file": weights_file,
                "url": weights_file,
                "sha256": file_sha256(staging / weights_file),
                "size": (staging / weights_file).stat().st_size,
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
