"""kerasgan: a Keras 3 model zoo of generative adversarial networks.

Only the TensorFlow backend of Keras is supported (the training steps rely
on `tf.distribute` and `tf.GradientTape`). Importing this package is cheap:
Keras and TensorFlow load with the first submodule that needs them.
"""

import importlib
import json
import os
import sys

__version__ = "0.1.0"

_SUBMODULES = ("callbacks", "data", "latent", "layers", "losses", "metrics", "models", "presets",
               "utils")
# Public functions, loaded with their module on first use.
_FUNCTIONS = {
    "from_preset": "presets",
    "list_presets": "presets",
    "save_to_preset": "presets",
    "get_card": "presets",
    "export": "export",
}


def _configured_backend():
    """The Keras backend this process will use, found without importing Keras."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return keras.backend.backend(), "the already imported keras module"
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "the KERAS_BACKEND environment variable"
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    config_path = os.path.join(keras_home, "keras.json")
    try:
        with open(config_path) as f:
            backend = json.load(f).get("backend")
    except (OSError, ValueError):
        backend = None
    if backend:
        return backend, config_path
    return None, None


def _require_tensorflow_backend():
    backend, source = _configured_backend()
    if backend is None:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        return
    if backend != "tensorflow":
        raise ImportError(
            "kerasgan requires the TensorFlow backend of Keras. "
            f"Received: backend={backend!r} (from {source}). Set KERAS_BACKEND=tensorflow "
            "before Keras is imported."
        )


_require_tensorflow_backend()


def _invoked_as_command():
    """True inside the `kerasgan` console script or `python -m kerasgan.cli`, which import
    what each command needs."""
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if program in ("kerasgan", "kerasgan.exe"):
        return True
    argv = list(getattr(sys, "orig_argv", ()))  # while `-m` imports the package: argv[0] "-m"
    return program == "-m" and "-m" in argv and argv[argv.index("-m") + 1:][:1] == ["kerasgan.cli"]


if not _invoked_as_command():
    # Importing the submodules registers every serializable class, so
    # `keras.saving.load_model` finds them after a plain `import kerasgan`.
    from kerasgan import callbacks, data, layers, losses, models, presets, utils  # noqa: E402,F401

    # `kerasgan.export` is the function (its module stays importable as `kerasgan.export`
    # through `from kerasgan.export import ...`).
    from kerasgan.export import export  # noqa: E402,F401
    from kerasgan.presets import (  # noqa: E402,F401
        from_preset,
        get_card,
        list_presets,
        save_to_preset,
    )


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"kerasgan.{name}")
    if name in _FUNCTIONS:
        module = importlib.import_module(f"kerasgan.{_FUNCTIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'kerasgan' has no attribute {name!r}")
