"""The base of kerasgan's generators and discriminators: config handling written once."""

import inspect

import keras

# Constructor parameters that are not architecture arguments: `name` is always listed
# first (with `trainable`), and `*args` / `**kwargs` go to `keras.Model`.
_SKIPPED = ("self", "name")


class Network(keras.Model):
    """A generator or discriminator: a functional Keras model built from flat arguments.

    A subclass builds its graph in `__init__` from JSON-able arguments, calls
    `super().__init__(inputs=..., outputs=..., name=name, **kwargs)` and then
    stores every constructor argument as an attribute of the same name (the
    value it was built with, e.g. a default resolved from another argument).
    `Network` then writes the config handling once:

    - `get_config()` is `{"name", "trainable"}` followed by every argument of
      the subclass's `__init__`, in signature order (`config_arguments()`);
    - `from_config(config)` is `cls(**config)`, so
      `cls.from_config(net.get_config())` rebuilds the same architecture and
      `from_config(...).get_config() == net.get_config()`.

    Each subclass is registered itself with
    `keras.saving.register_keras_serializable(package="kerasgan")`, so a
    `.keras` file or a zoo `config.json` names it as `kerasgan>ClassName`.

    Examples:

    >>> import numpy as np
    >>> @keras.saving.register_keras_serializable(package="kerasgan_doctest")
    ... class TinyCritic(Network):
    ...     def __init__(self, image_size=8, filters=2, name="tiny_critic", **kwargs):
    ...         images = keras.Input((image_size, image_size, 3), name="images")
    ...         x = keras.layers.Conv2D(filters, 3, name="conv")(images)
    ...         logits = keras.layers.Dense(1, name="logits")(keras.layers.Flatten()(x))
    ...         super().__init__(inputs=images, outputs=logits, name=name, **kwargs)
    ...         self.image_size = image_size
    ...         self.filters = filters
    >>> critic = TinyCritic(filters=4)
    >>> critic.get_config()
    {'name': 'tiny_critic', 'trainable': True, 'image_size': 8, 'filters': 4}
    >>> TinyCritic.from_config(critic.get_config()).count_params() == critic.count_params()
    True
    """

    @classmethod
    def config_arguments(cls):
        """The constructor arguments `get_config` lists, in signature order (not `name`)."""
        arguments = []
        for parameter in inspect.signature(cls.__init__).parameters.values():
            if parameter.name in _SKIPPED or parameter.kind in (
                    inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                continue
            arguments.append(parameter.name)
        return tuple(arguments)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        stored = vars(self)
        missing = [argument for argument in self.config_arguments() if argument not in stored]
        if missing:
            raise NotImplementedError(
                f"{type(self).__name__} must store each constructor argument as an attribute "
                f"of the same name for its config. Missing: {missing}")
        for argument in self.config_arguments():
            config[argument] = stored[argument]
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ------------------------------------------------------------ latent spaces
    def latent_spaces(self):
        """The latent spaces this generator can be driven from: `("z",)`, or for a
        style-based generator `("z", "w", "w+")`. Inversion and style mixing ask this."""
        return ("z",)

    def style_layers(self):
        """The number of per-layer styles (rows of a W+ latent); 0 without a W space."""
        return 0

    def map_latents(self, z, truncate=False):
        """z `[n, latent_dim]` -> W+ `[n, style_layers(), w_dim]` (style-based generators)."""
        raise ValueError(f"{type(self).__name__} has no W space: its latent spaces are "
                         f"{list(self.latent_spaces())}.")

    def synthesize(self, w_plus, training=False):
        """W+ `[n, style_layers(), w_dim]` -> images (style-based generators)."""
        raise ValueError(f"{type(self).__name__} has no W space: its latent spaces are "
                         f"{list(self.latent_spaces())}.")

    def average_w(self):
        """The center of W (`[w_dim]`, the truncation's), for style-based generators."""
        raise ValueError(f"{type(self).__name__} has no W space: its latent spaces are "
                         f"{list(self.latent_spaces())}.")

    def truncate_w(self, w_plus, psi):
        """The truncation trick in W with strength `psi`: `w_avg + psi * (w - w_avg)` on the
        W+ rows the generator truncates when it samples (style-based generators)."""
        raise ValueError(f"{type(self).__name__} has no W space: its latent spaces are "
                         f"{list(self.latent_spaces())}.")

    # ---------------------------------------------------------------- serving
    def serving_wrap(self):
        """`None`, or `fn(float32_copy) -> keras.Model`: the serving graph of this generator
        when it is more than the network itself (a style-based generator takes its
        truncation strength as an input)."""
        return None

    def synthesis_network(self):
        """`None`, or the sub-network exported as a second signature (`synthesis`: W+ ->
        images) for editing applications."""
        return None

