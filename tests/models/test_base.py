"""The shared update primitive: phases, intervals (lazy regularization), step hooks, EMA."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.losses import r1_penalty
from kerasgan.models import GAN
from kerasgan.models.base import Phase, lazy_regularization
from tests.helpers import (
    all_weights,
    assert_weights_close,
    one_cpu_strategy,
    tiny_data,
    tiny_networks,
    two_cpu_strategy,
)


@keras.saving.register_keras_serializable(package="kerasgan_tests")
class LazyR1GAN(GAN):
    """A GAN with an extra phase: R1 on real data every `r1_every` steps (StyleGAN2's lazy
    regularization), weighted by the interval through the primitive."""

    def __init__(self, *args, r1_every=2, lazy_gamma=1.0, **kwargs):
        self.r1_every = r1_every
        self.lazy_gamma = lazy_gamma
        super().__init__(*args, **kwargs)

    def phases(self):
        return (*super().phases(),
                Phase("r1", "d_optimizer", ("discriminator",), every=self.r1_every))

    def tracker_names(self):
        return (*super().tracker_names(), "lazy_r1")

    def update(self, batch):
        logs = super().update(batch)
        r1 = self.run_phase("r1", lambda: (
            0.5 * self.lazy_gamma * r1_penalty(self.discriminator, batch["real"]), {}))
        if r1 is not None:
            logs["lazy_r1"] = r1["loss"]
        return logs

    def get_config(self):
        return {**super().get_config(), "r1_every": self.r1_every,
                "lazy_gamma": self.lazy_gamma}


def _lazy(strategy, every=2, gamma=1.0):
    with strategy.scope():
        keras.utils.set_random_seed(3)
        generator, discriminator = tiny_networks()
        gan = LazyR1GAN(generator, discriminator, r1_every=every, lazy_gamma=gamma)
        gan.compile(g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05))
    return gan


def test_a_lazy_phase_runs_every_n_steps_only():
    gan = _lazy(tf.distribute.get_strategy(), every=3)
    gan.fit(tiny_data(24), batch_size=4, epochs=1, shuffle=False, verbose=0)  # 6 steps
    # 6 discriminator phases + R1 on steps 0 and 3; 6 generator phases.
    assert int(gan.d_optimizer.iterations.numpy()) == 8
    assert int(gan.g_optimizer.iterations.numpy()) == 6
    assert int(gan.step_counter.numpy()) == 6


def test_a_lazy_phase_with_zero_weight_changes_nothing_but_the_step_count():
    data = tiny_data(8)
    lazy = _lazy(tf.distribute.get_strategy(), every=2, gamma=0.0)
    lazy.fit(data, batch_size=4, epochs=1, shuffle=False, verbose=0)
    with tf.distribute.get_strategy().scope():
        keras.utils.set_random_seed(3)
        generator, discriminator = tiny_networks()
        plain = GAN(generator, discriminator)
        plain.compile(g_optimizer=keras.optimizers.SGD(0.05),
                      d_optimizer=keras.optimizers.SGD(0.05))
    plain.fit(data, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(lazy.discriminator.weights, plain.discriminator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-7)
    # The zero-weight R1 phase still took its (zero) optimizer step on step 0.
    assert int(lazy.d_optimizer.iterations.numpy()) == int(plain.d_optimizer.iterations.numpy()) + 1


def test_a_lazy_phase_is_weighted_by_its_interval():
    """On a due step the R1 update equals gamma/2 * every * grad(R1) / batch (SGD)."""
    data = tiny_data(4)
    results = {}
    for every in (1, 4):
        gan = _lazy(tf.distribute.get_strategy(), every=every, gamma=2.0)
        before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
        history = gan.fit(data, batch_size=4, epochs=1, shuffle=False, verbose=0)
        assert np.isfinite(history.history["lazy_r1"][0])
        results[every] = [w.numpy() - b for w, b in
                          zip(gan.discriminator.trainable_weights, before)]
    # Step 0 is due for both; the R1 part of the update scales with the interval. The
    # adversarial parts are identical (same seeds), so the difference is 3x the R1 step.
    with tf.distribute.get_strategy().scope():
        keras.utils.set_random_seed(3)
        generator, discriminator = tiny_networks()
        plain = GAN(generator, discriminator)
        plain.compile(g_optimizer=keras.optimizers.SGD(0.05),
                      d_optimizer=keras.optimizers.SGD(0.05))
        before = [w.numpy().copy() for w in plain.discriminator.trainable_weights]
    plain.fit(data, batch_size=4, epochs=1, shuffle=False, verbose=0)
    adversarial = [w.numpy() - b for w, b in zip(plain.discriminator.trainable_weights, before)]
    for one, four, base in zip(results[1], results[4], adversarial):
        np.testing.assert_allclose(four - base, 4.0 * (one - base), rtol=1e-3, atol=1e-7)
    assert max(float(np.abs(one - base).max())
               for one, base in zip(results[1], adversarial)) > 1e-5


def test_a_lazy_phase_gives_the_same_weights_on_one_and_two_replicas():
    data = tiny_data(16)
    weights = {}
    for name, strategy in (("one", one_cpu_strategy()), ("two", two_cpu_strategy())):
        gan = _lazy(strategy, every=2)
        gan.fit(data, batch_size=4, epochs=1, shuffle=False, verbose=0)
        assert int(gan.d_optimizer.iterations.numpy()) == 6  # 4 steps, R1 on steps 0 and 2
        weights[name] = all_weights(gan)
    assert_weights_close(weights["one"], weights["two"], 1e-5, "lazy phase replica parity")


def test_phases_with_intervals_save_and_load():
    gan = _lazy(tf.distribute.get_strategy(), every=2)
    gan.fit(tiny_data(8), batch_size=4, epochs=1, verbose=0)
    config = gan.get_config()
    assert config["r1_every"] == 2
    restored = LazyR1GAN.from_config(config)
    assert restored._phase_table["r1"].every == 2


def test_a_phase_interval_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="every=0"):
        Phase("r1", "d_optimizer", ("discriminator",), every=0)


def test_lazy_regularization_adjusts_learning_rate_and_betas_as_stylegan2():
    config = {"class_name": "Adam", "config": {"learning_rate": 0.0025, "beta_1": 0.0,
                                                "beta_2": 0.99}}
    adjusted = lazy_regularization(config, 4)["config"]
    ratio = 4 / 5
    assert adjusted["learning_rate"] == pytest.approx(0.0025 * ratio)
    assert adjusted["beta_2"] == pytest.approx(0.99 ** ratio)
    assert adjusted["beta_1"] == 0.0
    assert config["config"]["learning_rate"] == 0.0025  # the input is not changed


def test_a_step_hook_sees_every_step_before_the_phases():
    generator, discriminator = tiny_networks()
    gan = GAN(generator, discriminator)
    gan.compile()
    fade = gan.add_weight(shape=(), initializer="zeros", trainable=False, name="fade")
    seen = []

    def hook(model, step):
        fade.assign(tf.minimum(1.0, tf.cast(step, tf.float32) / 4.0))

    def record(model, step):
        seen.append(step.dtype)

    gan.add_step_hook(hook)
    gan.add_step_hook(record)
    gan.fit(tiny_data(12), batch_size=4, epochs=1, verbose=0)  # steps 0, 1, 2
    assert float(fade.numpy()) == pytest.approx(0.5)
    assert seen and seen[0] == tf.int64
    with pytest.raises(TypeError, match="callable"):
        gan.add_step_hook("not a function")


def test_two_phases_with_one_name_are_refused():
    class Twice(GAN):
        def phases(self):
            return (*super().phases(), Phase("generator", "g_optimizer", ("generator",)))

    generator, discriminator = tiny_networks()
    gan = Twice(generator, discriminator)
    gan.compile()
    with pytest.raises(ValueError, match="named 'generator'"):
        gan.fit(tiny_data(4), batch_size=4, epochs=1, verbose=0)


@pytest.mark.parametrize("family", ["pix2pix", "cyclegan", "context_encoder"])
def test_ema_works_for_every_image_to_image_family(family):
    from kerasgan.models import registry

    keras.utils.set_random_seed(0)
    gan = registry.build(family, image_size=16 if family != "context_encoder" else 32,
                         base_filters=4, ema_decay=0.5, **(
                             {"bottleneck_dim": 8} if family == "context_encoder" else {}))
    shape = gan.image_shape
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (4, *shape)).astype("float32")
    b = rng.uniform(-1, 1, (4, *shape)).astype("float32")
    for attribute in gan.generator_attributes:
        assert gan.ema_network(attribute) is not None, attribute
    before = {attribute: [w.numpy().copy() for w in gan.ema_network(attribute).weights]
              for attribute in gan.generator_attributes}
    gan.run_eagerly = True  # 2 steps: eagerly, they cost less than their tracing
    gan.fit(a, b, batch_size=2, epochs=1, shuffle=False, verbose=0)
    for attribute in gan.generator_attributes:
        ema = gan.ema_network(attribute)
        network = getattr(gan, attribute)
        moved = any(float(np.abs(w.numpy() - w0).max()) > 1e-7
                    for w, w0 in zip(ema.weights, before[attribute]))
        assert moved, f"{family}: the EMA copy of {attribute} was never updated"
        differs = any(float(np.abs(e.numpy() - w.numpy()).max()) > 1e-7
                      for e, w in zip(ema.weights, network.weights) if w.trainable)
        assert differs, f"{family}: the EMA copy of {attribute} only copies the weights"
    # Sampling and export use the EMA copies.
    endpoints = gan.serving_endpoints()
    for endpoint in endpoints:
        assert endpoint.network.name.endswith("_ema"), endpoint
    config = gan.get_config()
    assert config["ema_decay"] == 0.5
    assert type(gan).from_config(config).ema_network() is not None
