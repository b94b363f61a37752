"""Adversarial losses (a registry by name), penalties and regularizers."""

from kerasgan.losses import adversarial
from kerasgan.losses.adversarial import (
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_discriminator_loss,
    non_saturating_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
from kerasgan.losses.penalties import (
    WeightClip,
    apply_weight_clipping,
    gradient_penalty,
    r1_penalty,
)

_ALIASES = {"nsgan": "non_saturating", "lsgan": "least_squares", "wgan": "wasserstein"}

LOSSES = {
    name: (
        getattr(adversarial, f"{name}_discriminator_loss"),
        getattr(adversarial, f"{name}_generator_loss"),
    )
    for name in ("minimax", "non_saturating", "wasserstein", "least_squares", "hinge")
}


def get_loss(name):
    """Returns ``(discriminator_loss, generator_loss)`` registered under `name`.

    Args:
        name: one of ``minimax``, ``non_saturating``, ``wasserstein``,
            ``least_squares``, ``hinge`` (aliases: ``nsgan``, ``lsgan``, ``wgan``).

    Examples:

    >>> d_loss, g_loss = get_loss("wasserstein")
    >>> float(g_loss([[2.0]])[0])
    -2.0
    """
    key = _ALIASES.get(name, name)
    if key not in LOSSES:
        raise ValueError(
            f"Unknown adversarial loss. Expected one of {sorted(LOSSES)} "
            f"(or an alias in {sorted(_ALIASES)}). Received: loss={name!r}"
        )
    return LOSSES[key]


def register_loss(name, discriminator_loss, generator_loss):
    """Registers a new loss pair under `name` (both must return per-example losses)."""
    if name in LOSSES or name in _ALIASES:
        raise ValueError(f"A loss is already registered as {name!r}.")
    LOSSES[name] = (discriminator_loss, generator_loss)


__all__ = [
    "LOSSES", "get_loss", "register_loss", "gradient_penalty", "r1_penalty", "WeightClip",
    "apply_weight_clipping",
    "minimax_discriminator_loss", "minimax_generator_loss",
    "non_saturating_discriminator_loss", "non_saturating_generator_loss",
    "wasserstein_discriminator_loss", "wasserstein_generator_loss",
    "least_squares_discriminator_loss", "least_squares_generator_loss",
    "hinge_discriminator_loss", "hinge_generator_loss",
]
