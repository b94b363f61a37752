"""`Network`: every generator and discriminator lists its constructor arguments and round-trips."""

import inspect
import json

import keras
import numpy as np
import pytest

import kerasgan.models as models
from kerasgan.models.network import Network

# A small, non-default configuration of every network (non-default values show that the
# config carries what the network was built with, not the defaults).
TINY = {
    models.DCGANGenerator: dict(latent_dim=8, image_size=16, base_filters=4, max_filters=8,
                                upsampling="nearest", batch_norm=False,
                                kernel_initializer_stddev=0.03, output_activation="sigmoid"),
    models.DCGANDiscriminator: dict(image_size=16, channels=6, base_filters=4, max_filters=8,
                                    normalization="layer", leaky_relu_slope=0.1),
    models.CGANGenerator: dict(num_classes=3, embedding_dim=4, latent_dim=8, image_size=16,
                               channels=1, base_filters=4),
    models.CGANDiscriminator: dict(num_classes=3, image_size=16, channels=1, base_filters=4,
                                   normalization="none"),
    models.SAGANGenerator: dict(num_classes=3, latent_dim=8, image_size=32, base_filters=8,
                                attention_resolution=16, batch_norm_momentum=0.99),
    models.SAGANDiscriminator: dict(num_classes=3, image_size=32, base_filters=8,
                                    attention_resolution=16),
    models.BigGANGenerator: dict(num_classes=3, image_size=32, latent_dim=16, base_filters=4,
                                 shared_dim=8, attention_resolution=16, orthogonal_reg=1e-4),
    models.BigGANDiscriminator: dict(num_classes=3, image_size=32, base_filters=4,
                                     attention_resolution=None),
    models.UNetGenerator: dict(image_size=16, input_channels=1, output_channels=3, num_downs=4,
                               base_filters=4, norm="instance", use_dropout=False),
    models.PatchGANDiscriminator: dict(image_size=32, input_channels=4, base_filters=4,
                                       num_layers=2, norm="instance"),
    models.PixelDiscriminator: dict(image_size=16, input_channels=6, base_filters=4,
                                    norm="none"),
    models.ResNetGenerator: dict(image_size=16, input_channels=3, output_channels=1,
                                 num_blocks=1, base_filters=4, norm="batch"),
    models.ContextEncoderGenerator: dict(image_size=32, hole_size=8, base_filters=4,
                                         bottleneck_dim=16),
    models.ContextEncoderDiscriminator: dict(image_size=16, channels=1, base_filters=4),
    models.ProGANGenerator: dict(resolution=16, fmap_base=64, fmap_max=16),
    models.ProGANDiscriminator: dict(resolution=16, fmap_base=64, fmap_max=16),
    models.StyleGANMapping: dict(latent_dim=8, dlatent_dim=6, num_layers=4, mapping_layers=2,
                                 mapping_fmaps=5, lr_multiplier=0.1, normalize_latents=False),
    models.StyleGANSynthesis: dict(resolution=16, channels=1, dlatent_dim=8, fmap_base=64,
                                   fmap_max=16, blur_filter=[1, 3, 1], noise_seed=2),
    models.StyleGANGenerator: dict(resolution=16, latent_dim=8, dlatent_dim=8, mapping_layers=2,
                                   mapping_fmaps=8, fmap_base=64, fmap_max=16, blur_filter=None,
                                   truncation_psi=0.5, truncation_cutoff=2),
    models.StyleGANDiscriminator: dict(resolution=16, channels=1, fmap_base=64, fmap_max=16,
                                       mbstd_group_size=2, mbstd_num_features=2,
                                       blur_filter=None),
}


def _all_networks():
    found, todo = set(), [Network]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            # Classes a docstring example defines live in the defining module's namespace;
            # shared bases without a constructor of their own build no network.
            if sub.__module__.startswith("kerasgan.models.") and (
                    sub.__module__ != Network.__module__) and "__init__" in vars(sub):
                found.add(sub)
    return found


def _inputs(network, seed=0):
    rng = np.random.RandomState(seed)
    arrays = [np.arange(2, dtype="int32") % 3 if "int" in str(t.dtype)
              else rng.uniform(-1, 1, (2, *t.shape[1:])).astype("float32")
              for t in network.inputs]
    return arrays if len(arrays) > 1 else arrays[0]


def _arguments(cls):
    """The constructor's parameters, read from its signature (all but self, name, **kwargs)."""
    return [p.name for p in inspect.signature(cls.__init__).parameters.values()
            if p.name not in ("self", "name") and p.kind is p.POSITIONAL_OR_KEYWORD]


def test_every_network_is_a_registered_network_with_a_tiny_config():
    assert _all_networks() == set(TINY)
    for cls in TINY:
        assert keras.saving.get_registered_name(cls) == f"kerasgan>{cls.__name__}"
        assert keras.saving.get_registered_object(f"kerasgan>{cls.__name__}") is cls
        # Written once: no network overrides the base's config handling.
        assert "get_config" not in vars(cls) and "from_config" not in vars(cls)


@pytest.mark.parametrize("cls", list(TINY), ids=lambda cls: cls.__name__)
def test_config_lists_every_constructor_argument_and_round_trips(cls, tmp_path):
    network = cls(**TINY[cls], name="tiny")
    config = network.get_config()
    assert list(config) == ["name", "trainable", *_arguments(cls)]
    assert config["name"] == "tiny" and config["trainable"] is True
    for key, value in TINY[cls].items():
        assert config[key] == value, key
    json.dumps(config)  # flat, JSON-able arguments

    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == config
    assert cls.from_config(cls(**config).get_config()).get_config() == config
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in network.weights]

    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(network))
    assert type(restored) is cls and restored.get_config() == config

    x = _inputs(network)
    path = tmp_path / "network.keras"
    network.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls and loaded.get_config() == config
    np.testing.assert_allclose(loaded(x, training=False), network(x, training=False),
                               atol=1e-6)


def test_a_non_trainable_network_keeps_that_in_its_config():
    network = models.PixelDiscriminator(**TINY[models.PixelDiscriminator])
    network.trainable = False
    config = network.get_config()
    assert config["trainable"] is False
    assert models.PixelDiscriminator.from_config(config).trainable is False


def test_resolved_defaults_are_stored_not_the_placeholder():
    # `hole_size=None` means image_size / 2: the config holds the size it was built with.
    config = models.ContextEncoderGenerator(image_size=32, base_filters=4,
                                            bottleneck_dim=16).get_config()
    assert config["hole_size"] == 16


def test_a_subclass_that_does_not_store_an_argument_is_told_which():
    class Forgetful(Network):
        def __init__(self, units=2, scale=1.0, name="forgetful", **kwargs):
            x = keras.Input((3,))
            super().__init__(inputs=x, outputs=keras.layers.Dense(units)(x), name=name,
                             **kwargs)
            self.units = units

    network = Forgetful()
    assert Forgetful.config_arguments() == ("units", "scale")
    with pytest.raises(NotImplementedError, match=r"Missing: \['scale'\]"):
        network.get_config()
