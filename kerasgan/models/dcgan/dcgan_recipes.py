"""Named training recipes on the DCGAN networks: each a complete training configuration.

A recipe is plain data: the generator's and discriminator's constructor
arguments, the GAN's, and `compile`'s (loss, optimizers, penalties, critic
steps). `build_recipe` turns one into a compiled `GAN`.

- `dcgan` (alias `nsgan`): non-saturating loss, 1 D step, batch norm, Adam 2e-4 beta=(0.5, 0.999).
- `minimax`: the saturating minimax loss, otherwise as `dcgan`.
- `wgan`: Wasserstein loss, 5 critic steps, batch norm, weights clipped to 0.01, RMSprop 5e-5.
- `wgan_gp`: Wasserstein loss, 5 critic steps, no critic normalization, gradient penalty
  lambda = 10, Adam 1e-4 beta=(0, 0.9).
- `lsgan`: least-squares loss (0-1 coding), otherwise as `dcgan`.
- `hinge`: hinge loss, otherwise as `dcgan`.

Sources: DCGAN (Radford et al., 2016; pytorch/examples dcgan), WGAN
(Arjovsky et al., 2017: RMSprop 5e-5, n_critic = 5, c = 0.01, linear critic
output, no batch norm on the critic's last layer), WGAN-GP (Gulrajani et al.,
2017: lambda = 10, n_critic = 5, Adam 1e-4 beta = (0, 0.9), no batch norm in the
critic), LSGAN (Mao et al., 2017: 0-1 coding, Adam 2e-4 beta1 = 0.5), hinge
(Lim & Ye, 2017).
"""

import copy

import tensorflow as tf

from kerasgan.models.dcgan.dcgan_discriminator import DCGANDiscriminator
from kerasgan.models.dcgan.dcgan_generator import DCGANGenerator
from kerasgan.models.gan import GAN
from kerasgan.models.registry import Recipe, image_arguments, register_recipe


def _adam(learning_rate, beta_1, beta_2=0.999):
    return {
        "class_name": "Adam",
        "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2},
    }


_DCGAN_ADAM = _adam(2e-4, 0.5)


def _recipe(description, loss, d_normalization="batch", g_optimizer=_DCGAN_ADAM,
            d_optimizer=_DCGAN_ADAM, **compile_extra):
    return {
        "description": description,
        "generator": {"upsampling": "transpose", "batch_norm": True},
        "discriminator": {"normalization": d_normalization},
        "gan": {"latent_distribution": "normal"},
        "compile": {
            "loss": loss,
            "g_optimizer": g_optimizer,
            "d_optimizer": d_optimizer,
            "d_steps": 1,
            **compile_extra,
        },
    }


RECIPES = {
    "dcgan": _recipe("DCGAN with the non-saturating loss (Radford et al., 2016).",
                     "non_saturating"),
    "minimax": _recipe("The original minimax game with its saturating generator loss "
                       "(Goodfellow et al., 2014) on DCGAN networks.", "minimax"),
    "wgan": _recipe(
        "WGAN with weight clipping (Arjovsky et al., 2017).",
        "wasserstein",
        g_optimizer={"class_name": "RMSprop", "config": {"learning_rate": 5e-5}},
        d_optimizer={"class_name": "RMSprop", "config": {"learning_rate": 5e-5}},
        d_steps=5,
        weight_clip=0.01,
    ),
    "wgan_gp": _recipe(
        "WGAN-GP: gradient penalty on interpolates, no critic batch norm "
        "(Gulrajani et al., 2017).",
        "wasserstein",
        d_normalization="none",
        g_optimizer=_adam(1e-4, 0.0, 0.9),
        d_optimizer=_adam(1e-4, 0.0, 0.9),
        d_steps=5,
        gradient_penalty_weight=10.0,
    ),
    "lsgan": _recipe("Least-squares GAN, 0-1 coding (Mao et al., 2017).", "least_squares"),
    "hinge": _recipe("Hinge loss (Lim & Ye, 2017) on DCGAN networks.", "hinge"),
}
RECIPE_ALIASES = {"nsgan": "dcgan"}

# Arguments that apply to both networks and are routed to each that takes them.
_SHARED_NETWORK_ARGS = {
    "image_size": ("generator", "discriminator"),
    "channels": ("generator", "discriminator"),
    "synchronized_batch_norm": ("generator", "discriminator"),
    "kernel_initializer_stddev": ("generator", "discriminator"),
    "latent_dim": ("generator",),
    "base_filters": ("generator", "discriminator"),
    "max_filters": ("generator", "discriminator"),
}


def get_recipe(name):
    """Returns a deep copy of the recipe `name` (plain data).

    Examples:

    >>> get_recipe("wgan_gp")["compile"]["gradient_penalty_weight"]
    10.0
    """
    key = RECIPE_ALIASES.get(name, name)
    if key not in RECIPES:
        raise ValueError(
            f"Unknown recipe. Expected one of {sorted(RECIPES) + sorted(RECIPE_ALIASES)}. "
            f"Received: recipe={name!r}"
        )
    recipe = copy.deepcopy(RECIPES[key])
    recipe["name"] = key
    return recipe


def list_recipes():
    return sorted(RECIPES) + sorted(RECIPE_ALIASES)


def build_recipe(name, compile=True, generator=None, discriminator=None, gan=None,
                 compile_args=None, **network_args):
    """Builds the GAN of recipe `name`, compiled with the recipe's training configuration.

    Batch norm is synchronized across replicas automatically when built
    inside a strategy scope with more than one replica (pass
    `synchronized_batch_norm=False` to opt out).

    Args:
        name: a recipe name (see `list_recipes()`).
        compile: compile the GAN with the recipe's `compile` arguments.
        generator, discriminator, gan, compile_args: dicts overriding the
            recipe's arguments of each part.
        **network_args: shared network arguments (`image_size`, `channels`,
            `latent_dim`, `base_filters`, `max_filters`,
            `synchronized_batch_norm`, `kernel_initializer_stddev`).

    Returns:
        A `kerasgan.models.GAN`.

    Examples:

    >>> gan = build_recipe("wgan_gp", image_size=32, base_filters=8, latent_dim=16)
    >>> gan.d_steps, gan.gradient_penalty_weight
    (5, 10.0)
    """
    recipe = get_recipe(name)
    unknown = set(network_args) - set(_SHARED_NETWORK_ARGS)
    if unknown:
        raise ValueError(
            f"Unknown network arguments {sorted(unknown)}. Expected any of "
            f"{sorted(_SHARED_NETWORK_ARGS)}, or pass per-network dicts as "
            "`generator=` / `discriminator=`."
        )
    if "synchronized_batch_norm" not in network_args:
        network_args["synchronized_batch_norm"] = (
            tf.distribute.get_strategy().num_replicas_in_sync > 1
        )
    for key, value in network_args.items():
        for part in _SHARED_NETWORK_ARGS[key]:
            recipe[part][key] = value
    recipe["generator"].update(generator or {})
    recipe["discriminator"].update(discriminator or {})
    recipe["gan"].update(gan or {})
    recipe["compile"].update(compile_args or {})

    model = GAN(
        DCGANGenerator(**recipe["generator"]),
        DCGANDiscriminator(**recipe["discriminator"]),
        **recipe["gan"],
    )
    if compile:
        model.compile(**recipe["compile"])
    return model


def _registered_builder(name):
    def builder(seed=0, ema_decay=None, **network_args):
        return build_recipe(name, compile=False, gan={"seed": seed, "ema_decay": ema_decay},
                            **network_args)

    builder.__name__ = f"build_{name}"
    return builder


def _register():
    for name, recipe in RECIPES.items():
        aliases = tuple(alias for alias, target in RECIPE_ALIASES.items() if target == name)
        register_recipe(Recipe(
            name=name, family="dcgan", description=recipe["description"],
            task="unconditional", builder=_registered_builder(name),
            arguments=image_arguments(image_size=64), compile=recipe["compile"],
            aliases=aliases,
        ))


_register()
