"""`kerasgan train TARGET`: train a recipe, a zoo entry or a config.json with `model.fit`.

The flags are built for the target: the parser reads TARGET first, then
parses with the run's flags (`--data`, `--epochs`, ...) plus, for a recipe,
every argument the recipe registers (`recipe.all_arguments`: its sizes, its
data options, and the common training settings), and for a zoo entry or a
config.json the data options of the recipe it was trained with. So
`kerasgan train RECIPE --help` lists that recipe's own flags.
"""

import argparse
import copy
import dataclasses
import json
import os
import re
import shutil
import sys

from kerasgan.cli._common import (
    RUN_FILE,
    CommandError,
    Parser,
    flag,
    import_tensorflow,
    is_image_to_image,
    load_keras_file,
    load_model,
    positive_int,
    read_json_file,
    write_atomically,
)

NEEDS_TENSORFLOW = True
STRATEGIES = ("auto", "none", "default", "mirrored", "multiworker")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
# Settings of a run that resuming must not change (steps_per_epoch may change).
RUN_SETTINGS = ("data", "batch_size", "num_examples", "precision", "seed", "steps_per_epoch")
_RECIPE_DEST = "recipe_argument__"
_FIXED_DEST = "fixed_argument__"
_DESCRIPTION = (
    "Train with model.fit. TARGET is a recipe (see `kerasgan list`; `kerasgan train RECIPE "
    "--help` lists its flags), a zoo entry (trained from scratch with its card's recipe) or a "
    "config.json written by kerasgan. Running again with the same --out resumes: an "
    "interrupted run continues from its last epoch, a finished one trains on up to --epochs."
)


# ---------------------------------------------------------------------- parser
def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train", help="train a zoo entry, a config.json or a recipe with model.fit",
        description=_DESCRIPTION, expand=_expand,
    )
    _add_run_flags(parser)


def _add_run_flags(parser):
    """Adds TARGET and the flags of every run; returns the flags' actions."""
    parser.add_argument("target", help="recipe, zoo entry or config.json")
    run = _RecordingGroup(parser.add_argument_group("run options"))
    run.add_argument("--data", default=None,
                     help="data spec: shapes | folder:PATH | tfds:NAME[:split] "
                     "(default: the entry's dataset, else shapes)")
    run.add_argument("--batch-size", type=positive_int, default=None,
                     help="global batch size (default: the entry's, else 64)")
    run.add_argument("--epochs", type=positive_int, default=None,
                     help="total epochs (default: the entry's, else 5)")
    run.add_argument("--steps-per-epoch", type=positive_int, default=None)
    run.add_argument("--num-examples", type=positive_int, default=None,
                     help="images per epoch of the embedded shapes data")
    run.add_argument("--strategy", choices=STRATEGIES, default="auto",
                     help="auto: MirroredStrategy when several GPUs are visible; "
                     "none (= default): no distribution; multiworker: one of several "
                     "workers started with the same command, each with its own TF_CONFIG "
                     "(worker 0, the chief, writes --out; the others write nothing there)")
    run.add_argument("--precision", choices=PRECISIONS, default=None,
                     help="dtype policy (default float32)")
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--sample-every", type=positive_int, default=1,
                     help="write a sample grid every N epochs")
    run.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, default=None,
                     help="log losses and sample images to OUT/logs (default: when the "
                     "tensorboard package is installed)")
    run.add_argument("--init-weights", default=None, metavar="MODEL",
                     help="start from the weights of MODEL (a zoo entry, preset folder, run "
                     "folder or .keras file of the same architecture) instead of random ones; "
                     "optimizer state starts fresh")
    run.add_argument("--save-every-steps", type=positive_int, default=None, metavar="N",
                     help="write a crash-safe checkpoint every N steps, so a killed run loses "
                     "at most N steps (default: every --save-every-seconds, and at each "
                     "epoch's end)")
    run.add_argument("--save-every-seconds", type=positive_int, default=600, metavar="S",
                     help="without --save-every-steps, write a checkpoint every S seconds of "
                     "training (default 600)")
    run.add_argument("--run-eagerly", action="store_true",
                     help="run each training step eagerly instead of tracing it into a graph "
                     "(for debugging a model: no tracing time at the start, slower steps)")
    run.add_argument("--out", default=None, help="output folder (default: runs/TARGET)")
    return run.actions


class _RecordingGroup:
    """An argument group that keeps the actions it adds."""

    def __init__(self, group):
        self.group, self.actions = group, []

    def add_argument(self, *args, **kwargs):
        self.actions.append(self.group.add_argument(*args, **kwargs))
        return self.actions[-1]


def _value_flags():
    """The run flags that take a value (to find TARGET among the arguments)."""
    actions = _add_run_flags(argparse.ArgumentParser(add_help=False))
    return {option for action in actions if action.nargs != 0
            for option in action.option_strings}


def _candidates(arg_strings):
    """The positional arguments, in order (a flag unknown here is taken to have no value)."""
    value_flags, found, skip = _value_flags(), [], False
    for position, text in enumerate(arg_strings):
        if skip:
            skip = False
        elif text == "--":
            return found + arg_strings[position + 1:]
        elif text.startswith("-") and len(text) > 1:
            skip = "=" not in text and text in value_flags
        else:
            found.append(text)
    return found


@dataclasses.dataclass
class Target:
    """What `kerasgan train` was asked to train."""

    kind: str  # "recipe", "preset" or "config"
    location: str
    recipe: object = None  # the registry's Recipe (for an entry or config: its card's, if any)
    defaults: dict = dataclasses.field(default_factory=dict)  # a card's or run's "training"


def resolve_target(text, strict=True):
    """The `Target` of `kerasgan train TEXT`; with `strict=False`, `None` when it is unknown
    (the command reports it)."""
    from kerasgan import presets
    from kerasgan.models import registry

    if text.endswith(".json"):
        if not os.path.isfile(text):
            if strict:
                raise CommandError(f"No such config file: {text!r}")
            return None
        folder = os.path.dirname(os.path.abspath(text))
        defaults = {}
        for side in (presets.CARD_FILE, RUN_FILE):
            path = os.path.join(folder, side)
            if os.path.isfile(path) and os.path.abspath(path) != os.path.abspath(text):
                defaults = read_json_file(path).get("training", {})
                break
        return Target("config", text, _recipe_of(defaults), defaults)
    if registry.is_recipe(text):
        return Target("recipe", text, registry.get_recipe(text))
    try:
        card = presets.get_card(text)
    except Exception as error:
        if not strict:
            return None
        names = ", ".join(recipe.name for recipe in registry.list_recipes())
        raise CommandError(f"{error} Training recipes are also accepted: {names}.") from None
    defaults = card.get("training", {})
    return Target("preset", text, _recipe_of(defaults), defaults)


def _recipe_of(training):
    from kerasgan.models import registry

    name = training.get("recipe")
    return registry.get_recipe(name) if isinstance(name, str) and registry.is_recipe(name) else None


def _every_argument():
    """{name: Argument} of every registered recipe's arguments."""
    from kerasgan.models import registry

    return {argument.name: argument for recipe in registry.list_recipes()
            for argument in recipe.all_arguments}


def _option_strings(argument):
    names = [flag(argument.name)]
    if argument.type is bool:
        names.append("--no-" + flag(argument.name)[2:])
    return names


def _help(argument):
    text = argument.help or argument.name.replace("_", " ")
    if argument.default is None:
        return text
    shown = ("on" if argument.default else "off") if argument.type is bool else argument.default
    return f"{text} (default: {shown})"


def _add_argument(group, argument, dest_prefix, hidden=False):
    kwargs = {"dest": dest_prefix + argument.name, "default": None,
              "help": argparse.SUPPRESS if hidden else _help(argument)}
    if argument.type is bool:
        group.add_argument(flag(argument.name), action=argparse.BooleanOptionalAction, **kwargs)
        return
    if not hidden:
        kwargs["type"] = argument.type
        kwargs["choices"] = argument.choices
        if argument.choices is None:
            kwargs["metavar"] = {int: "N", float: "X"}.get(argument.type, "TEXT")
    group.add_argument(flag(argument.name), **kwargs)


class _TargetParser(Parser):
    """The parser of one train target; turns its recipe flags into `args.recipe_values` and
    its refused flags into `args.fixed_flags`."""

    def __init__(self, *args, recipe_name=None, own_flags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.recipe_name = recipe_name
        self.own_flags = set(own_flags)

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if self.recipe_name is not None:
            every = {option for argument in _every_argument().values()
                     for option in _option_strings(argument)}
            for text in extras:
                option = text.split("=", 1)[0]
                if option in every and option not in self.own_flags:
                    self.error(f"{option} does not apply to the recipe {self.recipe_name!r}")
        values, fixed = {}, []
        for key in list(vars(namespace)):
            value = getattr(namespace, key)
            if key.startswith(_RECIPE_DEST):
                delattr(namespace, key)
                if value is not None:
                    values[key[len(_RECIPE_DEST):]] = value
            elif key.startswith(_FIXED_DEST):
                delattr(namespace, key)
                if value is not None:
                    fixed.append(flag(key[len(_FIXED_DEST):]))
        namespace.recipe_values = values
        namespace.fixed_flags = fixed
        return namespace, extras


def _expand(parser, arg_strings):
    """The parser for the target among `arg_strings` (`None`: no target given)."""
    candidates = _candidates(arg_strings)
    if not candidates:
        return None
    import_tensorflow()  # the registry imports the families
    found = None
    for text in candidates:
        try:
            found = resolve_target(text, strict=False)
        except CommandError:  # e.g. a config.json that is not JSON: `run` reports it
            found = None
        if found is not None:
            break
    recipe = found.recipe if found is not None else None
    is_recipe = found is not None and found.kind == "recipe"
    name = found.location if found is not None else candidates[0]
    own = recipe.all_arguments if is_recipe else tuple(
        argument for argument in (recipe.arguments if recipe else ()) if argument.target == "data")
    description = _DESCRIPTION
    if recipe is not None:
        description = (f"{'Recipe' if is_recipe else 'Trained with the recipe'} {recipe.name!r} "
                       f"({recipe.task}): {recipe.description} {_DESCRIPTION}")
    expanded = _TargetParser(
        prog=parser.prog, description=description, help_hint=f"{parser.prog} {name} --help",
        recipe_name=recipe.name if is_recipe else None,
        own_flags=[option for argument in own for option in _option_strings(argument)],
    )
    _add_run_flags(expanded)
    if is_recipe:
        mine = expanded.add_argument_group(f"arguments of the recipe {recipe.name!r}")
        for argument in recipe.arguments:
            _add_argument(mine, argument, _RECIPE_DEST)
        common = expanded.add_argument_group("training settings (every recipe)")
        for argument in recipe.all_arguments[len(recipe.arguments):]:
            _add_argument(common, argument, _RECIPE_DEST)
        return expanded
    if own:
        data = expanded.add_argument_group(f"data options of the recipe {recipe.name!r}")
        for argument in own:
            _add_argument(data, argument, _RECIPE_DEST)
    names = {argument.name for argument in own}
    for argument in _every_argument().values():  # fixed by the entry: refused by `run`
        if argument.name not in names:
            _add_argument(expanded, argument, _FIXED_DEST, hidden=True)
    return expanded


# -------------------------------------------------------------------- helpers
def _make_strategy(name):
    import tensorflow as tf

    if name == "auto":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        from kerasgan.distribute import ClusterConfigError, multi_worker_strategy

        try:
            return multi_worker_strategy()
        except ClusterConfigError as error:
            raise CommandError(f"--strategy multiworker: {error}") from None
    return tf.distribute.get_strategy()


def _check_batch(batch_size, strategy, where="--batch-size"):
    from kerasgan.distribute import check_global_batch

    try:
        check_global_batch(batch_size, strategy)
    except ValueError as error:
        raise CommandError(f"{where} {batch_size}: {error}") from None


def _check_resume(out, target):
    """The run file of a previous run in `out`, checking it trained the same target."""
    run_path = os.path.join(out, RUN_FILE)
    if not os.path.isfile(run_path):
        return None
    run = read_json_file(run_path)
    if run.get("target") != target:
        raise CommandError(
            f"{out!r} holds a run of {run.get('target')!r}, not {target!r}; pass another --out."
        )
    return run


def _refuse_change(out, key, was, now):
    raise CommandError(
        f"{out!r} was trained with {key}={was!r}; resuming with {key}={now!r} would not "
        "continue the same run. Pass another --out."
    )


def _recipe_arguments(target, given, settings, previous, out):
    """The recipe arguments of the run: the flags given, else the previous run's or the card's,
    else the recipe's defaults (for an entry or config: its recipe's data options only)."""
    recipe = target.recipe
    if recipe is None:
        return {}
    recorded = dict(settings.get("recipe_arguments") or {})
    for argument in recipe.arguments:  # runs and cards written before recipe_arguments
        if argument.target == "data" and argument.name in settings:
            recorded.setdefault(argument.name, settings.pop(argument.name))
    if previous:
        for name, value in given.items():
            if value != recorded.get(name):
                _refuse_change(out, name, recorded.get(name), value)
    arguments = recipe.all_arguments if target.kind == "recipe" else [
        argument for argument in recipe.arguments if argument.target == "data"]
    resolved = {}
    for argument in arguments:
        value = given.get(argument.name, recorded.get(argument.name, argument.default))
        if value is not None:
            resolved[argument.name] = value
    return resolved


def _build(target, values, settings):
    """The model of a new run, uncompiled (inside the current strategy scope)."""
    import keras

    from kerasgan import presets
    from kerasgan.data import describe
    from kerasgan.models import registry

    if target.kind == "recipe":
        classes = None
        if target.recipe.task == "class-conditional":
            classes = describe(settings["data"]).get("num_classes")
            if not classes:
                raise CommandError(
                    f"The recipe {target.location!r} is class-conditional and needs labeled data "
                    "(shapes, a folder with one subfolder per class, or a TFDS dataset with "
                    f"labels). Received: --data {settings['data']} (no classes)."
                )
        return registry.build(target.recipe.name, num_classes=classes, seed=settings["seed"],
                              compile=False, batch_size=settings["batch_size"], **values)
    if target.kind == "preset":
        return presets.from_preset(target.location, load_weights=False, compile=False)
    import kerasgan.models  # noqa: F401  (registers the serializable classes)

    config = read_json_file(target.location)
    if not isinstance(config, dict) or "class_name" not in config:
        raise CommandError(
            f"{target.location!r} is not a serialized kerasgan model (expected the config.json "
            "written by `kerasgan train` or `kerasgan.save_to_preset`, with 'class_name' and "
            "'config')."
        )
    return keras.saving.deserialize_keras_object(config, safe_mode=True)


def _compile_settings(target, values, total_steps):
    """`compile`'s keyword arguments of a new run: the recipe's with the flags given, or the
    entry's / config's own, with the recipe's schedule over `total_steps` steps."""
    from kerasgan.models import registry

    if target.kind == "recipe":
        return registry.compile_settings(target.recipe, values, total_steps)
    settings = copy.deepcopy(target.defaults.get("compile"))
    if settings is None:
        return registry.compile_settings(target.recipe, {}, total_steps) if target.recipe else {}
    if target.recipe is not None and target.recipe.schedule is not None and total_steps:
        settings = target.recipe.schedule(settings, total_steps)
    return settings


def _describe_rate(optimizer_config):
    """The learning rate of an optimizer config, in words when it is a schedule."""
    import keras

    rate = optimizer_config.get("config", {}).get("learning_rate")
    if not isinstance(rate, dict):
        return None
    schedule = keras.saving.deserialize_keras_object(rate)
    if type(schedule).__str__ is not object.__str__:
        return str(schedule)
    return f"{type(schedule).__name__}({json.dumps(schedule.get_config())})"


def _init_weights(gan, source):
    """Copies the weights of `source` (same architecture) into the freshly built `gan`."""
    model, _ = load_model(source)
    mine, theirs = gan.weights, model.weights
    shapes = [tuple(w.shape) for w in mine], [tuple(w.shape) for w in theirs]
    if type(model) is not type(gan) or shapes[0] != shapes[1]:
        raise CommandError(
            f"--init-weights {source!r} is a {type(model).__name__} with {len(theirs)} weights; "
            f"the model to train is a {type(gan).__name__} with {len(mine)}: the architectures "
            "must be the same.")
    for target, value in zip(mine, theirs):
        target.assign(value)
    print(f"Initialized the weights from {source}.")


def _fixed_inputs(gan, spec, settings, pipeline):
    """8 fixed inputs for the sample grids of an image-to-image model (or one batch of a
    smaller dataset); `None` for a generator of latents (the grids draw their own)."""
    from kerasgan.data import load_for_task

    if not is_image_to_image(gan):
        return None
    try:
        fixed = load_for_task(gan.task, spec, batch_size=8, seed=settings["seed"],
                              shuffle=False, **pipeline)
    except ValueError:
        fixed = load_for_task(gan.task, spec, batch_size=settings["batch_size"],
                              seed=settings["seed"], shuffle=False, **pipeline)
    return next(iter(fixed))[0].numpy()


# ------------------------------------------------------------------------- run
def run(args):
    import keras

    from kerasgan.callbacks.checkpoint import is_chief
    from kerasgan.distribute import worker_scratch_dir

    target = resolve_target(args.target)
    if target.kind != "recipe" and args.fixed_flags:
        raise CommandError(
            f"{', '.join(args.fixed_flags)} apply to recipes only; {args.target!r} fixes its "
            "architecture (edit its config.json to change it)."
        )
    default_name = os.path.splitext(os.path.basename(os.path.normpath(args.target)))[0]
    out = args.out or os.path.join("runs", default_name)
    previous = _check_resume(out, args.target)
    settings = dict(target.defaults.get("settings") or {})
    if previous:
        settings.update(previous["settings"])
    for key in RUN_SETTINGS:
        value = getattr(args, key)
        if value is not None:
            if previous and key != "steps_per_epoch" and value != previous["settings"].get(key):
                _refuse_change(out, key, previous["settings"].get(key), value)
            settings[key] = value
    settings.setdefault("data", "shapes")
    settings.setdefault("batch_size", 64)
    settings.setdefault("precision", "float32")
    settings.setdefault("seed", 0)
    arguments = _recipe_arguments(target, args.recipe_values, settings, previous, out)
    if target.recipe is not None:
        settings["recipe_arguments"] = arguments
    epochs = args.epochs or target.defaults.get("epochs") or 5

    done = previous.get("epochs_done", 0) if previous else 0
    model_path = os.path.join(out, "model.keras")
    if previous and done >= epochs and os.path.isfile(model_path):
        print(f"{out} already holds {done} trained epochs of {args.target}; pass --epochs "
              f"greater than {done} to train on.")
        return 0

    # The run's precision is set for the run only: a program calling `main` gets its own
    # global policy back.
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(settings["precision"])
    try:
        keras.utils.set_random_seed(settings["seed"])
        strategy = _make_strategy(args.strategy)
        _check_batch(settings["batch_size"], strategy)
        chief = is_chief(strategy)
        # Only the chief writes the run folder; other workers write to a temporary one.
        folder = out if chief else worker_scratch_dir("worker")
        os.makedirs(folder, exist_ok=True)
        try:
            return _train(args, target, arguments, settings, epochs, previous, out, folder,
                          strategy)
        finally:
            if not chief:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        keras.mixed_precision.set_global_policy(policy)


def _atomic_json(path, value):
    write_atomically(path, lambda tmp: _dump_json(tmp, value), stage="run")


def _dump_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _save_model(gan, path):
    """`gan.save(path)`, written to a temporary file and renamed: never a partial file."""
    write_atomically(path, gan.save, stage="model", suffix=".keras")


def _epoch_model(path):
    """A callback keeping `checkpoint.keras` (the model after the last finished epoch),
    written atomically."""
    import keras

    class EpochModel(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            _save_model(self.model, path)

    return EpochModel()


def _train(args, target, arguments, settings, epochs, previous, out, folder, strategy):
    import keras

    from kerasgan import callbacks as gan_callbacks
    from kerasgan.callbacks.checkpoint import CheckpointState, CrashSafeCheckpoint, resume_fit
    from kerasgan.data import batches_per_pass, load_scheduled
    from kerasgan.models import registry

    model_path = os.path.join(folder, "model.keras")
    _remove_stale_temporaries(folder)
    checkpoint = CrashSafeCheckpoint(
        os.path.join(out, "checkpoints"), save_every_steps=args.save_every_steps,
        save_every_seconds=None if args.save_every_steps else args.save_every_seconds,
        restore_on_train_begin=False)
    with strategy.scope():
        gan = _build(target, arguments, settings)
        if not previous and args.init_weights:
            _init_weights(gan, args.init_weights)
            settings["init_weights"] = args.init_weights

    pipeline = dict(gan.data_requirements())
    if target.recipe is not None:
        pipeline.update(registry.data_options(target.recipe, arguments))
    if settings.get("num_examples") is not None:
        pipeline["num_examples"] = settings["num_examples"]

    segments = gan.batch_segments(settings["batch_size"])
    for start, size in segments:
        _check_batch(size, strategy, where=f"The model's global batch size from step {start}:")

    def stream(start_batch):
        return load_scheduled(gan.task, settings["data"], segments=segments,
                              seed=settings["seed"], start_batch=start_batch, **pipeline)

    # An epoch is a pass over the data at the first batch size, unless --steps-per-epoch.
    per_pass = batches_per_pass(load_scheduled(gan.task, settings["data"],
                                               segments=segments[:1], seed=settings["seed"],
                                               start_batch=0, **pipeline))
    if len(segments) > 1 and not previous:
        print("Global batch size by step: " + ", ".join(
            f"{size} from step {start}" for start, size in segments) + ".")
    steps = settings.get("steps_per_epoch") or per_pass
    if previous and previous.get("steps_per_epoch") not in (None, steps):
        _refuse_change(out, "steps_per_epoch", previous["steps_per_epoch"], steps)
    fixed_inputs = _fixed_inputs(gan, settings["data"], settings, pipeline)
    with strategy.scope():
        if previous and previous.get("training", {}).get("compile"):
            # The same compile settings (and schedule) as the run's first process.
            gan.compile_from_config(previous["training"]["compile"])
        else:
            compile_settings = _compile_settings(target, arguments, steps * epochs)
            if compile_settings:
                gan.compile(**compile_settings)
            else:
                gan.compile()
    gan.run_eagerly = bool(args.run_eagerly)
    rate = _describe_rate(gan.get_compile_config().get("g_optimizer", {}))
    if rate is not None and not previous:
        print(f"Learning rate {rate}.")

    state = checkpoint.restore(gan)
    legacy = os.path.join(folder, "model.keras")
    if state is None and previous and previous.get("epochs_done") and os.path.isfile(legacy):
        # A run written before crash-safe checkpoints: continue from its last model.
        gan.set_weights(load_keras_file(legacy).get_weights())
        done = int(previous["epochs_done"])
        state = CheckpointState(global_step=done * steps, epoch=done, step_in_epoch=0,
                                history=_read_history(folder), path=legacy,
                                steps_per_epoch=steps)
    if state is not None:
        print(f"Resuming {args.target} from {state.path} at epoch {state.epoch + 1}, step "
              f"{state.step_in_epoch} of {steps} (global step {state.global_step}).")
    elif previous:
        print(f"{out} holds no usable checkpoint of {args.target}; training from the start.")
    _atomic_json(os.path.join(folder, "config.json"), keras.saving.serialize_keras_object(gan))

    recipe_name = target.recipe.name if target.recipe is not None else None

    def write_run(epochs_done):
        _atomic_json(os.path.join(folder, RUN_FILE), {
            "target": args.target,
            "recipe": recipe_name,
            "settings": settings,
            "steps_per_epoch": steps,
            "epochs_done": epochs_done,
            "training": {"recipe": recipe_name, "compile": gan.get_compile_config(),
                         "settings": settings, "epochs": epochs},
        })

    write_run(state.epoch if state is not None else 0)
    callbacks = [
        checkpoint,
        _epoch_model(os.path.join(folder, "checkpoint.keras")),
        gan_callbacks.SampleGrid(
            out_dir=os.path.join(folder, "samples"), every_n_epochs=args.sample_every,
            seed=settings["seed"], latents=fixed_inputs,
        ),
    ]
    if args.tensorboard is not False:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            if args.tensorboard:
                raise CommandError("--tensorboard needs the tensorboard package: "
                                   "pip install 'kerasgan[tensorboard]'") from None
            args.tensorboard = False
    if args.tensorboard is not False:
        log_dir = os.path.join(folder, "logs")
        callbacks += [
            keras.callbacks.TensorBoard(log_dir),
            gan_callbacks.TensorBoardImages(log_dir, every_n_epochs=args.sample_every,
                                            latents=fixed_inputs),
        ]
    verbose = 1 if sys.stdout.isatty() else 2
    with checkpoint.install_preemption_handler():
        history = resume_fit(gan, stream, epochs, steps, callbacks=callbacks, state=state,
                             verbose=verbose)
    history_path = os.path.join(folder, "history.json")
    if checkpoint.preempted:
        write_run(checkpoint.state.epoch)
        _atomic_json(history_path, _plain_history(history.history))
        print(checkpoint.preemption_message())
        print(f"Resume with the same command: kerasgan train {args.target} --out {out}")
        return 0
    _save_model(gan, model_path)
    write_run(epochs)
    _atomic_json(history_path, _plain_history(history.history))
    if folder != out:
        print(f"Finished; the chief wrote the trained model and sample grids to {out}.")
        return 0
    print(f"Saved the trained model to {model_path} and sample grids to "
          f"{os.path.join(folder, 'samples')}")
    return 0


_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp(\.keras)?$")


def _remove_stale_temporaries(folder):
    """Removes the temporary files that killed processes left (`write_atomically`'s)."""
    for name in os.listdir(folder):
        match = _TEMPORARY.match(name)
        if match and not _alive(int(match.group(1))):
            os.remove(os.path.join(folder, name))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != 0


def _plain_history(history):
    return {key: [float(v) for v in values] for key, values in history.items()}


def _read_history(folder):
    path = os.path.join(folder, "history.json")
    return read_json_file(path) if os.path.isfile(path) else {}
