"""What the commands share: the one-line error, the parser, type helpers, model loading and the
checks of the model protocol.

Nothing here imports TensorFlow at module level: `kerasgan --help` builds every
command's parser without it.
"""

import argparse
import json
import os
import re
import sys
import tempfile

RUN_FILE = "run.json"
# absl's lines before logging is initialized, and TensorFlow's C++ start-up lines
# ("I0000 00:00:1796196126.498392   21908 port.cc:153] oneDNN custom operations ...").
_START_UP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    r"STDERR|[IWEF]\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\] .*|To enable the following "
    r"instructions: .*)$"
)


class CommandError(Exception):
    """A user-facing error of a command (printed as one line)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with where to get help), exit status 2.

    Args:
        expand: optional `expand(parser, arg_strings) -> parser or None`: a parser
            built for these arguments (e.g. one recipe's flags) that parses them
            instead of this one.
        help_hint: the command named in errors (default: `PROG --help`).
    """

    def __init__(self, *args, expand=None, help_hint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.expand = expand
        self.help_hint = help_hint

    def error(self, message):
        hint = self.help_hint or f"{self.prog} --help"
        self.exit(2, f"{self.prog}: error: {message} (see `{hint}`)\n")

    def parse_known_args(self, args=None, namespace=None):
        if self.expand is not None:
            arg_strings = list(sys.argv[1:] if args is None else args)
            expanded = self.expand(self, arg_strings)
            if expanded is not None:
                return expanded.parse_known_args(arg_strings, namespace)
        return super().parse_known_args(args, namespace)


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


def flag(name):
    """The command-line flag of a Python name: `base_filters` -> `--base-filters`."""
    return "--" + name.replace("_", "-")


# ------------------------------------------------------------------ TensorFlow
def is_start_up_noise(line):
    """Whether a line of stderr is one of TensorFlow's (absl's) C++ start-up lines."""
    return _START_UP_NOISE.match(line) is not None


def import_tensorflow():
    """Imports TensorFlow and Keras without their C++ start-up lines on stderr.

    Unless the user has set `TF_CPP_MIN_LOG_LEVEL` (then nothing is changed):
    sets it to 3, and holds file descriptor 2 in a temporary file during the
    import, because absl writes the lines logged before it is initialized
    (oneDNN, cudart) whatever the level. Whatever else the import printed is
    written back to stderr; if the import fails, all of it is.
    """
    if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        import keras  # noqa: F401
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable file descriptor 2
        import keras  # noqa: F401
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        failed = True
        try:
            import keras  # noqa: F401
            import tensorflow  # noqa: F401

            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines()
                    if failed or not is_start_up_noise(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()


# ---------------------------------------------------------------------- models
def read_json_file(path):
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as error:
        raise CommandError(f"{path} is not valid JSON: {error}") from None


def load_keras_file(path):
    import keras

    import kerasgan.models  # noqa: F401  (registers the serializable classes)

    return keras.saving.load_model(path, safe_mode=True)


def load_model(target):
    """(model, name): a run folder, a .keras file, or a preset (name, folder, URL)."""
    from kerasgan import presets

    if os.path.isdir(target):
        for file_name in ("model.keras", "checkpoint.keras"):
            path = os.path.join(target, file_name)
            if os.path.isfile(path):
                return load_keras_file(path), os.path.basename(os.path.normpath(target))
        if not os.path.isfile(os.path.join(target, presets.CARD_FILE)):
            raise CommandError(
                f"{target!r} holds no model.keras, checkpoint.keras or card.json (expected a "
                "run folder of `kerasgan train` or a preset folder)."
            )
    elif target.endswith(".keras"):
        if not os.path.isfile(target):
            raise CommandError(f"No such model file: {target!r}")
        return load_keras_file(target), os.path.splitext(os.path.basename(target))[0]
    card = presets.get_card(target)
    return presets.from_preset(target, compile=False), card.get("name", target)


def is_image_to_image(model):
    """Whether the model translates images (its task's inputs are images)."""
    from kerasgan.data.tasks import IMAGE_TO_IMAGE_TASKS

    return model.task in IMAGE_TO_IMAGE_TASKS


def require_model(model, what):
    """Refuses anything but a kerasgan training model (the model protocol)."""
    from kerasgan.models.base import AdversarialModel

    if not isinstance(model, AdversarialModel):
        raise CommandError(f"{what!r} is not a kerasgan GAN (a {type(model).__name__} has no "
                           "generate()).")


def require_latents(model, what, command):
    """Refuses image-to-image models in the commands that work on latents."""
    require_model(model, what)
    if is_image_to_image(model):
        raise CommandError(
            f"`kerasgan {command}` works on generators of latents; {what!r} is an "
            f"image-to-image model ({type(model).__name__}): translate images with "
            "`kerasgan sample MODEL --input FILE|FOLDER`.")


def num_classes(model):
    """The class count of the model's default endpoint (`None`: no labels)."""
    return model.serving_endpoints()[0].num_classes


def class_label(model, label, what):
    """The `--class` of a command, checked against the model's classes (default 0)."""
    classes = num_classes(model)
    if label is not None and not classes:
        raise CommandError(f"--class applies to class-conditional models; {what!r} is "
                           "unconditional.")
    if label is not None and not 0 <= label < classes:
        raise CommandError(f"--class must be in [0, {classes}). Received: --class {label}")
    return (label or 0) if classes else None


def choose_endpoint(model, name, what):
    """The serving endpoint `--direction NAME` selects (default: the model's first)."""
    from kerasgan.models.base import AdversarialModel

    endpoints = model.serving_endpoints() if isinstance(model, AdversarialModel) else []
    if name is None:
        return endpoints[0] if endpoints else None
    names = [endpoint.name for endpoint in endpoints]
    if len(names) < 2:
        raise CommandError(
            f"--direction applies to models with several serving endpoints; {what!r} has "
            f"{'one (' + names[0] + ')' if names else 'none'}. Received: --direction {name}")
    if name not in names:
        raise CommandError(f"--direction must be one of {', '.join(names)} for {what!r}. "
                           f"Received: --direction {name}")
    return endpoints[names.index(name)]


def make_parent_folder(path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


def write_atomically(path, write, stage=None, suffix=""):
    """Writes `path` through `write(temporary_path)`, then renames it into place.

    The temporary file sits in the same folder (so the rename is atomic),
    is fsynced, and is removed if `write` fails: a process killed at any
    moment leaves either the old file or the new one, never a partial file.
    `stage` names the write for the test-only pause hook of kill drills
    (`kerasgan.callbacks.checkpoint.test_pause`).
    """
    from kerasgan.callbacks.checkpoint import test_pause

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    base = os.path.basename(path)
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.tmp{suffix}")
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        if stage is not None:
            test_pause(stage, folder)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
