"""The family registry: every training recipe, registered by its family's own package.

A recipe is a complete training configuration: a builder of the model (its
networks and training model, uncompiled), the builder's arguments (type,
default and help: the source of `kerasgan train RECIPE`'s flags), the task
(which data pipeline it trains on), and the compile settings. Families
register their recipes when their package is imported (each
`<family>_recipes.py` calls `register_recipe`); `kerasgan list`, `kerasgan
train`, presets and the README's tables read them here, so nothing outside a
family's folder names it.

Every recipe also takes the settings users change most — both optimizers'
learning rates and betas, the loss, the discriminator steps, the penalty
weights and the generator EMA — as `COMMON_ARGUMENTS`.

Examples:

>>> recipe = get_recipe("wgan_gp")
>>> recipe.family, recipe.task, recipe.compile["d_steps"]
('dcgan', 'unconditional', 5)
>>> gan = build("wgan_gp", image_size=32, base_filters=4, latent_dim=8, d_learning_rate=3e-4)
>>> float(gan.d_optimizer.learning_rate), gan.gradient_penalty_weight
(0.0003..., 10.0)
"""

import copy
import dataclasses
import importlib
from collections.abc import Callable

from kerasgan.models.base import TASKS

__all__ = ["Argument", "COMMON_ARGUMENTS", "Recipe", "build", "compile_settings",
           "data_options", "get_recipe", "list_recipes", "register_recipe", "unregister_recipe"]


@dataclasses.dataclass(frozen=True)
class Argument:
    """One argument of a recipe: a keyword of its builder or of its data pipeline.

    Args:
        name: the Python name (`base_filters`); the CLI flag is `--base-filters`.
        type: `int`, `float`, `str` or `bool`.
        default: the default value (`None`: the builder's own default).
        help: one line for `kerasgan train RECIPE --help`.
        choices: the allowed values, if a fixed set.
        target: `"model"` (passed to the builder) or `"data"` (passed to the
            task's data pipeline, e.g. pix2pix's `jitter`).
    """

    name: str
    type: type
    default: object = None
    help: str = ""
    choices: tuple = None
    target: str = "model"

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"An argument name must be an identifier. Received: {self.name!r}")
        if self.type not in (int, float, str, bool):
            raise ValueError(f"Argument {self.name!r}: type must be int, float, str or bool. "
                             f"Received: {self.type!r}")
        if self.target not in ("model", "data", "compile"):
            raise ValueError(f"Argument {self.name!r}: target must be 'model', 'data' or "
                             f"'compile'. Received: {self.target!r}")

    def check(self, value, recipe):
        if value is None:
            return None
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise ValueError(f"Recipe {recipe!r}: `{self.name}` must be of type "
                             f"{self.type.__name__}. Received: {self.name}={value!r}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"Recipe {recipe!r}: `{self.name}` must be one of "
                             f"{list(self.choices)}. Received: {self.name}={value!r}")
        return value


COMMON_ARGUMENTS = (
    Argument("g_learning_rate", float, None, "generator learning rate (default: the recipe's)",
             target="compile"),
    Argument("d_learning_rate", float, None,
             "discriminator learning rate (default: the recipe's)", target="compile"),
    Argument("g_beta_1", float, None, "generator Adam beta_1", target="compile"),
    Argument("g_beta_2", float, None, "generator Adam beta_2", target="compile"),
    Argument("d_beta_1", float, None, "discriminator Adam beta_1", target="compile"),
    Argument("d_beta_2", float, None, "discriminator Adam beta_2", target="compile"),
    Argument("loss", str, None, "adversarial loss: non_saturating, minimax, wasserstein, "
             "least_squares or hinge (default: the recipe's)", target="compile"),
    Argument("d_steps", int, None, "discriminator updates per generator update",
             target="compile"),
    Argument("gradient_penalty_weight", float, None, "WGAN-GP penalty weight (lambda)",
             target="compile"),
    Argument("r1_weight", float, None, "R1 penalty weight (gamma)", target="compile"),
    Argument("ema_decay", float, None, "keep an exponential moving average of the "
             "generator with this decay (e.g. 0.999); used to sample and export"),
)
_COMMON_NAMES = {argument.name for argument in COMMON_ARGUMENTS}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A registered training recipe.

    Args:
        name: the recipe's name (`kerasgan train NAME`).
        family: the family (its package under `kerasgan/models/`).
        description: one line naming the paper.
        task: one of `TASKS`; picks the data pipeline.
        builder: `builder(**arguments) -> model`, uncompiled; it also takes
            `seed`, `ema_decay` and, for class-conditional tasks, `num_classes`.
        arguments: the recipe's own `Argument`s (beyond `COMMON_ARGUMENTS`).
        compile: `model.compile`'s keyword arguments (optimizers as config dicts).
        schedule: optional `schedule(compile_kwargs, total_steps) -> compile_kwargs`
            (e.g. a learning rate that decays to 0 at the last step).
        data: the default data spec when none is given.
        aliases: other names of the recipe.
        takes_batch_size: the builder also takes the run's global `batch_size`
            (a model that sets its own batch sizes by step, from this base).
    """

    name: str
    family: str
    description: str
    task: str
    builder: Callable
    arguments: tuple = ()
    compile: dict = dataclasses.field(default_factory=dict)
    schedule: Callable = None
    data: str = "shapes"
    aliases: tuple = ()
    takes_batch_size: bool = False

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"Recipe {self.name!r}: task must be one of {TASKS}. "
                             f"Received: task={self.task!r}")
        names = [argument.name for argument in self.arguments]
        clash = sorted((set(names) & _COMMON_NAMES) | {n for n in names if names.count(n) > 1})
        if clash:
            raise ValueError(f"Recipe {self.name!r}: arguments {clash} are defined twice.")

    @property
    def all_arguments(self):
        return tuple(self.arguments) + COMMON_ARGUMENTS

    def argument(self, name):
        for argument in self.all_arguments:
            if argument.name == name:
                return argument
        raise KeyError(name)


_RECIPES = {}
_ALIASES = {}
_FAMILY_PACKAGES_LOADED = [False]


def register_recipe(recipe, override=False):
    """Adds a recipe to the registry (families call this from their package)."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"Expected a Recipe. Received: {recipe!r}")
    for name in (recipe.name, *recipe.aliases):
        existing = _RECIPES.get(name) or _RECIPES.get(_ALIASES.get(name, ""))
        if existing is not None and not override and existing is not recipe:
            raise ValueError(f"A recipe named {name!r} is registered already (family "
                             f"{existing.family!r}).")
    _RECIPES[recipe.name] = recipe
    for alias in recipe.aliases:
        _ALIASES[alias] = recipe.name
    return recipe


def unregister_recipe(name):
    """Removes a recipe (and its aliases) from the registry."""
    recipe = _RECIPES.pop(name)
    for alias in recipe.aliases:
        _ALIASES.pop(alias, None)


def _load_families():
    if not _FAMILY_PACKAGES_LOADED[0]:
        _FAMILY_PACKAGES_LOADED[0] = True
        importlib.import_module("kerasgan.models")  # each family registers its recipes


def list_recipes():
    """Every registered recipe, sorted by name."""
    _load_families()
    return [_RECIPES[name] for name in sorted(_RECIPES)]


def recipe_names():
    """The names and aliases of every registered recipe."""
    _load_families()
    return sorted([*_RECIPES, *_ALIASES])


def get_recipe(name):
    """The recipe `name` (or alias)."""
    _load_families()
    key = _ALIASES.get(name, name)
    if key not in _RECIPES:
        raise ValueError(f"Unknown recipe. Expected one of {recipe_names()}. "
                         f"Received: recipe={name!r}")
    return _RECIPES[key]


def is_recipe(name):
    _load_families()
    return _ALIASES.get(name, name) in _RECIPES


def _checked(recipe, values):
    unknown = sorted(set(values) - {argument.name for argument in recipe.all_arguments})
    if unknown:
        raise ValueError(f"Recipe {recipe.name!r} takes no argument {unknown}. Expected any of "
                         f"{sorted(a.name for a in recipe.all_arguments)}.")
    return {name: recipe.argument(name).check(value, recipe.name)
            for name, value in values.items()}


def compile_settings(recipe, values=None, total_steps=None):
    """`model.compile`'s keyword arguments: the recipe's, with the common settings applied."""
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    values = _checked(recipe, dict(values or {}))
    settings = copy.deepcopy(recipe.compile)
    for side in ("g", "d"):
        key = f"{side}_optimizer"
        optimizer = settings.get(key) or {"class_name": "Adam",
                                          "config": {"learning_rate": 2e-4, "beta_1": 0.5}}
        optimizer = copy.deepcopy(optimizer)
        config = optimizer.setdefault("config", {})
        if values.get(f"{side}_learning_rate") is not None:
            config["learning_rate"] = values[f"{side}_learning_rate"]
        for beta in ("beta_1", "beta_2"):
            if values.get(f"{side}_{beta}") is not None:
                config[beta] = values[f"{side}_{beta}"]
        settings[key] = optimizer
    for key in ("loss", "d_steps", "gradient_penalty_weight", "r1_weight"):
        if values.get(key) is not None:
            settings[key] = values[key]
    if recipe.schedule is not None and total_steps:
        settings = recipe.schedule(settings, int(total_steps))
    return settings


def data_options(recipe, values=None):
    """The keyword arguments of the task's data pipeline that the recipe sets."""
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    values = _checked(recipe, dict(values or {}))
    return {argument.name: values.get(argument.name, argument.default)
            for argument in recipe.arguments
            if argument.target == "data"
            and values.get(argument.name, argument.default) is not None}


def build(name, *, num_classes=None, seed=0, compile=True, total_steps=None, batch_size=None,
          **values):
    """Builds the model of recipe `name`, compiled with its settings.

    Args:
        name: a registered recipe name (see `list_recipes()`).
        num_classes: the data's class count (class-conditional recipes).
        seed: seeds the model's per-step randomness.
        compile: compile with `compile_settings(recipe, values)`.
        total_steps: the run's length, for recipes with a schedule.
        batch_size: the run's global batch size, for recipes that take it
            (`takes_batch_size`; ignored by the others).
        **values: the recipe's arguments and `COMMON_ARGUMENTS`.
    """
    recipe = get_recipe(name)
    values = _checked(recipe, values)
    kwargs = {argument.name: values.get(argument.name, argument.default)
              for argument in recipe.arguments if argument.target == "model"}
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    if values.get("ema_decay") is not None:
        kwargs["ema_decay"] = values["ema_decay"]
    if recipe.task == "class-conditional":
        if not num_classes:
            raise ValueError(f"The recipe {recipe.name!r} is class-conditional and needs the "
                             "data's number of classes. Received: num_classes=None")
        kwargs["num_classes"] = int(num_classes)
    if recipe.takes_batch_size and batch_size is not None:
        kwargs["batch_size"] = int(batch_size)
    model = recipe.builder(seed=seed, **kwargs)
    if model.task != recipe.task:
        raise ValueError(f"Recipe {recipe.name!r} declares task {recipe.task!r} but its builder "
                         f"made a {type(model).__name__} for task {model.task!r}.")
    if compile:
        model.compile(**compile_settings(recipe, values, total_steps))
    return model


def image_arguments(image_size=64, channels=3, base_filters=None, latent_dim=None):
    """The size arguments most recipes share (defaults: the recipe's own)."""
    arguments = [
        Argument("image_size", int, image_size, "image side in pixels"),
        Argument("channels", int, channels, "image channels", choices=(1, 3)),
        Argument("base_filters", int, base_filters, "width of the networks' first layers"),
    ]
    if latent_dim is not False:
        arguments.append(Argument("latent_dim", int, latent_dim, "size of the latent z"))
    return tuple(arguments)


def _optimizer_text(config):
    inner = (config or {}).get("config", {})
    rate = inner.get("learning_rate", "?")
    text = f"{config.get('class_name', '?')} {rate:g}" if isinstance(rate, float) else (
        f"{config.get('class_name', '?')} {rate}")
    defaults = {"beta_1": 0.9, "beta_2": 0.999} if config.get("class_name") == "Adam" else {}
    betas = [inner.get(key, defaults.get(key)) for key in ("beta_1", "beta_2")
             if key in inner or key in defaults]
    if betas:
        text += ", β=(" + ", ".join(f"{b:g}" for b in betas) + ")"
    return text


def recipe_table_markdown():
    """The README's recipe table, generated from the registry (a test keeps them equal)."""
    rows = ["| recipe | family | task | loss | D steps | G optimizer | D optimizer | description |",
            "|---|---|---|---|---|---|---|---|"]
    for recipe in list_recipes():
        settings = compile_settings(recipe)
        name = f"`{recipe.name}`" + "".join(f" (`{alias}`)" for alias in recipe.aliases)
        extras = [f"{key} {settings[key]:g}" for key in ("gradient_penalty_weight",
                                                         "r1_weight", "weight_clip")
                  if settings.get(key)]
        loss = settings.get("loss", "?") + ("" if not extras else ", " + ", ".join(extras))
        rows.append(f"| {name} | {recipe.family} | {recipe.task} | {loss} | "
                    f"{settings.get('d_steps', 1)} | {_optimizer_text(settings['g_optimizer'])} | "
                    f"{_optimizer_text(settings['d_optimizer'])} | {recipe.description} |")
    return "\n".join(rows)
