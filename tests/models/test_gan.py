"""The adversarial base model: training step semantics, precision, EMA, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.models import GAN
from tests.helpers import (
    all_weights,
    assert_weights_close,
    build_in,
    run_gan_family_test,
    tiny_data,
    tiny_networks,
    two_cpu_strategy,
)


def build_tiny(loss="non_saturating", **compile_kwargs):
    def build():
        generator, discriminator = tiny_networks()
        kwargs = {"loss": loss, "g_optimizer": keras.optimizers.SGD(0.05),
                  "d_optimizer": keras.optimizers.SGD(0.05)}
        kwargs.update(compile_kwargs)
        return GAN(generator, discriminator), kwargs

    return build


def test_tiny_gan_passes_family_checks(tmp_path):
    run_gan_family_test(
        build_tiny("wasserstein", gradient_penalty_weight=10.0, d_steps=2), tiny_data(), tmp_path
    )


def test_d_steps_discriminator_updates_per_generator_update():
    gan = build_in(tf.distribute.get_strategy(), build_tiny(d_steps=3))
    gan.fit(tiny_data(), batch_size=4, epochs=1, verbose=0)  # 4 steps
    assert int(gan.g_optimizer.iterations.numpy()) == 4
    assert int(gan.d_optimizer.iterations.numpy()) == 12
    assert int(gan.step_counter.numpy()) == 4


@pytest.mark.parametrize("reuse", [True, False])
def test_generator_step_reuse_and_fresh_batch_both_train(reuse):
    gan = build_in(tf.distribute.get_strategy(), build_tiny(reuse_fake_batch=reuse))
    before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    history = gan.fit(tiny_data(), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    after = [w.numpy() for w in gan.generator.trainable_weights]
    assert any(np.abs(a - b).max() > 1e-6 for a, b in zip(after, before))


def test_noise_is_seeded_by_seed_and_step():
    results = []
    for seed in (0, 0, 1):
        def build(seed=seed):
            generator, discriminator = tiny_networks()
            return GAN(generator, discriminator, seed=seed), {}

        gan = build_in(tf.distribute.get_strategy(), build)
        gan.fit(tiny_data(), batch_size=4, epochs=1, verbose=0, shuffle=False)
        results.append(all_weights(gan))
    assert_weights_close(results[0], results[1], 0.0, "same seed")
    with pytest.raises(AssertionError):
        assert_weights_close(results[0], results[2], 1e-6, "different seed")


def test_ema_generator_follows_the_decay():
    def build():
        generator, discriminator = tiny_networks()
        return GAN(generator, discriminator, ema_decay=0.75), {
            "g_optimizer": keras.optimizers.SGD(0.5)}

    gan = build_in(tf.distribute.get_strategy(), build)
    initial = [w.numpy().copy() for w in gan.generator.trainable_weights]
    gan.fit(tiny_data(4), batch_size=4, epochs=1, verbose=0)  # one step
    trained = [w.numpy() for w in gan.generator.trainable_weights]
    for ema, w0, w1 in zip(gan.ema_generator.trainable_weights, initial, trained):
        np.testing.assert_allclose(ema.numpy(), 0.75 * w0 + 0.25 * w1, rtol=1e-5, atol=1e-7)
    assert not gan.ema_generator.trainable
    z = np.zeros((2, 4), "float32")
    np.testing.assert_allclose(gan.generate(z), gan.ema_generator.predict(z, verbose=0), atol=1e-6)
    assert np.abs(gan.generate(z, use_ema=False) - gan.generate(z)).max() > 0


def test_ema_start_step_copies_weights_before_it():
    def build():
        generator, discriminator = tiny_networks()
        return GAN(generator, discriminator, ema_decay=0.9, ema_start_step=10), {}

    gan = build_in(tf.distribute.get_strategy(), build)
    gan.fit(tiny_data(8), batch_size=4, epochs=1, verbose=0)
    for ema, w in zip(gan.ema_generator.weights, gan.generator.weights):
        np.testing.assert_array_equal(ema.numpy(), w.numpy())


def test_ema_half_life_in_images_sets_each_steps_decay_from_its_global_batch():
    def build():
        generator, discriminator = tiny_networks()
        return GAN(generator, discriminator, ema_half_life_images=6.0), {
            "g_optimizer": keras.optimizers.SGD(0.5)}

    gan = build_in(tf.distribute.get_strategy(), build)
    assert gan.ema_decay is None and gan.ema_generator is not None
    data = tiny_data(12)
    for batch_size, images in ((4, data[:4]), (8, data[4:])):  # one step each
        ema_before = [w.numpy().copy() for w in gan.ema_generator.trainable_weights]
        gan.train_function = None
        gan.fit(images, batch_size=batch_size, epochs=1, verbose=0)
        decay = 0.5 ** (batch_size / 6.0)
        trained = [w.numpy() for w in gan.generator.trainable_weights]
        for ema, e0, w1 in zip(gan.ema_generator.trainable_weights, ema_before, trained):
            np.testing.assert_allclose(ema.numpy(), decay * e0 + (1 - decay) * w1, rtol=1e-5,
                                       atol=1e-7)
    assert float(gan.ema_decay_for(tf.constant(32))) == pytest.approx(0.5 ** (32 / 6.0))
    config = gan.get_config()
    assert config["ema_half_life_images"] == 6.0
    assert GAN.from_config(config).ema_half_life_images == 6.0
    generator, discriminator = tiny_networks()
    assert "ema_half_life_images" not in GAN(generator, discriminator).get_config()
    with pytest.raises(ValueError, match="not both"):
        GAN(generator, discriminator, ema_decay=0.9, ema_half_life_images=10.0)
    with pytest.raises(ValueError, match="Received: ema_half_life_images=0"):
        GAN(generator, discriminator, ema_half_life_images=0)


def _overflow_build(initial_scale=2.0**15, growth_steps=2):
    def build():
        generator, discriminator = tiny_networks()
        lso = lambda: keras.optimizers.LossScaleOptimizer(
            keras.optimizers.SGD(0.01), initial_scale=initial_scale,
            dynamic_growth_steps=growth_steps)
        return GAN(generator, discriminator), {"g_optimizer": lso(), "d_optimizer": lso(),
                                               "loss": "wasserstein"}

    return build


def test_mixed_float16_loss_scale_grows_after_finite_steps():
    gan = build_in(tf.distribute.get_strategy(), _overflow_build(), "mixed_float16")
    assert gan.generator.layers[1].compute_dtype == "float16"
    gan.fit(tiny_data(16), batch_size=4, epochs=1, verbose=0)  # 4 finite steps
    # growth every 2 finite steps: 2^15 -> 2^17 for G; D likewise.
    assert float(gan.g_optimizer.dynamic_scale.numpy()) == 2.0**17
    assert float(gan.d_optimizer.dynamic_scale.numpy()) == 2.0**17


def test_mixed_float16_overflowing_step_is_skipped():
    gan = build_in(tf.distribute.get_strategy(), _overflow_build(growth_steps=1000),
                   "mixed_float16")
    d_before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    huge = np.full((4, 4, 4, 3), 6.0e4, "float32")  # float16 overflows inside D
    gan.fit(huge, batch_size=4, epochs=1, verbose=0)
    for before, w in zip(d_before, gan.discriminator.trainable_weights):
        np.testing.assert_array_equal(w.numpy(), before)  # not applied
    assert float(gan.d_optimizer.dynamic_scale.numpy()) == 2.0**14  # halved


def test_mixed_float16_overflow_on_one_replica_skips_the_step_on_every_replica():
    """Under MirroredStrategy the loss-scale skip is decided over all replicas: replica 1's
    half of the batch overflows, replica 0's does not, and neither applies its update."""
    gan = build_in(two_cpu_strategy(), _overflow_build(growth_steps=1000), "mixed_float16")
    d_before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    batch = tiny_data(4)
    batch[2:] = 6.0e4  # only the second replica's examples overflow float16
    gan.fit(batch, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for before, w in zip(d_before, gan.discriminator.trainable_weights):
        np.testing.assert_array_equal(w.numpy(), before)  # finite and not applied
    assert float(gan.d_optimizer.dynamic_scale.numpy()) == 2.0**14  # halved once


def test_mixed_float16_step_matches_float32_step():
    """Scaling the loss and unscaling the gradients leaves the update unchanged."""
    results = {}
    for policy in ("float32", "mixed_float16"):
        gan = build_in(tf.distribute.get_strategy(), build_tiny("hinge"), policy)
        gan.fit(tiny_data(4), batch_size=4, epochs=1, verbose=0)
        results[policy] = all_weights(gan)
    assert_weights_close(results["float32"], results["mixed_float16"], 5e-3, "fp16 vs fp32")


def test_logits_and_losses_are_float32_under_bfloat16():
    gan = build_in(tf.distribute.get_strategy(), build_tiny(), "mixed_bfloat16")
    logits = gan.discriminate(tiny_data(2))
    assert logits.dtype == tf.float32
    history = gan.fit(tiny_data(8), batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())


def test_image_shape_mismatch_names_expected_and_received():
    gan = build_in(tf.distribute.get_strategy(), build_tiny())
    with pytest.raises(ValueError, match=r"Expected images of shape \(4, 4, 3\).*"
                                         r"Received: images of shape \(8, 8, 3\)"):
        gan.fit(tiny_data(8, size=8), batch_size=4, epochs=1, verbose=0)


def test_compile_and_constructor_validation():
    generator, discriminator = tiny_networks()
    with pytest.raises(ValueError, match="Received: latent_distribution='cauchy'"):
        GAN(generator, discriminator, latent_distribution="cauchy")
    with pytest.raises(ValueError, match="Received: ema_decay=1.5"):
        GAN(generator, discriminator, ema_decay=1.5)
    gan = GAN(generator, discriminator)
    with pytest.raises(ValueError, match="Received: d_steps=0"):
        gan.compile(d_steps=0)
    with pytest.raises(ValueError, match="Received: loss='nope'"):
        gan.compile(loss="nope")
    with pytest.raises(ValueError, match="gradient_penalty_weight=-1"):
        gan.compile(gradient_penalty_weight=-1)


def test_uniform_latents_are_in_range():
    generator, discriminator = tiny_networks()
    gan = GAN(generator, discriminator, latent_distribution="uniform")
    z = gan.sample_latents(1000, tf.constant([3, 4], tf.int64)).numpy()
    assert z.min() >= -1 and z.max() <= 1 and z.std() > 0.5
