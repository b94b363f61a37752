"""Every zoo entry still loads: its config.json rebuilds the same networks and its weights
give the outputs they gave before the networks moved onto `kerasgan.models.network.Network`."""

import json
import warnings

import keras
import numpy as np
import pytest

import kerasgan
from kerasgan.models.network import Network
from kerasgan.presets import CONFIG_FILE, zoo_dir


def _load(name):
    card = kerasgan.get_card(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # entries without weights warn that they build only
        return kerasgan.from_preset(name, load_weights=bool(card["weights"]), compile=False), card


def _network_inputs(network, seed):
    rng = np.random.RandomState(seed)
    inputs = []
    for tensor in network.inputs:
        if "int" in str(tensor.dtype):
            inputs.append(np.arange(2, dtype="int32"))
        else:
            inputs.append(np.tanh(rng.normal(size=(2, *tensor.shape[1:]))).astype("float32"))
    return inputs if len(inputs) > 1 else inputs[0]


def _fingerprint(gan):
    """Mean, mean |x| and four fixed entries of a sample and of the discriminator's logits."""
    generator = gan.generator
    if len(generator.inputs) == 1 and len(generator.inputs[0].shape) == 4:
        images = np.asarray(gan.translate(_network_inputs(generator, 0)))
    else:
        images = np.asarray(gan.generate(4, seed=3))
    logits = np.asarray(gan.discriminator(_network_inputs(gan.discriminator, 1), training=False))
    values = []
    for array in (images.ravel(), logits.ravel()):
        n = array.size
        values.append([float(array.mean()), float(np.abs(array).mean())]
                      + [float(array[i]) for i in (0, n // 3, 2 * n // 3, n - 1)])
    return values


# Computed with the networks as they were before `Network` (commit e0f73f6), on this test's
# inputs: [sample fingerprint, discriminator fingerprint].
REFERENCE = {
    "cyclegan_shapes_64": [
        [0.0885238, 0.397904, -0.159734, 0.13011, -0.48286, -0.49154],
        [0.275507, 0.312315, 0.210753, -0.174141, 0.148875, 0.509457],
    ],
    "dcgan_shapes_32": [
        [0.139368, 0.596393, 0.864697, -0.107452, -0.99991, 0.595154],
        [-3.34216, 3.34216, -5.11606, -5.11606, -1.56825, -1.56825],
    ],
    "pix2pix_shapes_64": [
        [-0.218927, 0.315469, 0.308793, -0.654312, -0.162946, 0.361931],
        [-1.82327, 2.65074, -2.44938, -6.91897, -2.22715, 0.908936],
    ],
    "sagan_shapes_32": [
        [0.226527, 0.616496, -0.644911, -0.869349, 0.474618, 0.609783],
        [-9.20565, 9.20565, -11.1869, -11.1869, -7.2244, -7.2244],
    ],
    "wgan_gp_shapes_32": [
        [0.0741023, 0.509223, 0.317585, -0.883201, 0.66744, 0.509936],
        [21.7512, 21.7512, 21.7574, 21.7574, 21.7449, 21.7449],
    ],
}


@pytest.mark.parametrize("name", kerasgan.presets.list_presets())
def test_zoo_network_configs_rebuild_byte_for_byte(name, monkeypatch):
    # Each network of the entry (generator, discriminator, CycleGAN's second pair)
    # serializes to exactly the JSON its config.json holds. What is compared is the config,
    # not the initial values: orthogonal initialization (a QR decomposition per kernel) of
    # the 158 M weights of BigGAN-128 and its EMA copy takes over a minute, so here it draws
    # zeros (the initializer's config, which is compared, is its own).
    monkeypatch.setattr(keras.initializers.Orthogonal, "__call__",
                        lambda self, shape, dtype=None: keras.ops.zeros(shape, dtype=dtype))
    gan, _ = _load(name)
    stored = json.loads((zoo_dir() / name / CONFIG_FILE).read_text())["config"]
    networks = {key: value for key, value in stored.items()
                if isinstance(value, dict) and "registered_name" in value}
    assert {"generator", "discriminator"} <= set(networks)
    for key, value in networks.items():
        network = getattr(gan, key)
        assert isinstance(network, Network), key
        assert json.dumps(keras.saving.serialize_keras_object(network)) == json.dumps(value)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_zoo_weights_give_the_outputs_they_gave_before(name):
    gan, card = _load(name)
    assert card["weights"]
    for got, expected in zip(_fingerprint(gan), REFERENCE[name]):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_every_entry_with_weights_has_a_reference():
    with_weights = [name for name in kerasgan.presets.list_presets()
                    if kerasgan.get_card(name)["weights"]]
    assert sorted(with_weights) == sorted(REFERENCE)
