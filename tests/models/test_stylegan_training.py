"""StyleGAN training: the recipe's official settings, style mixing, the tracked w_avg over the
global batch (one and two replicas), the EMA half-life, growth 8 -> 16 inside `fit`, exact
resume mid-fade, the family check."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.models import registry
from kerasgan.models.growth import GrowthSchedule
from kerasgan.models.stylegan import StyleGAN, StyleGANDiscriminator, StyleGANGenerator
from kerasgan.models.stylegan.stylegan_gan import official_schedule
from tests.helpers import (
    GrowthRecorder,
    all_weights,
    assert_weights_close,
    build_in,
    run_gan_family_test,
    two_cpu_strategy,
)

TINY = {"fmap_base": 32, "fmap_max": 8}
TINY_G = dict(latent_dim=8, dlatent_dim=8, mapping_layers=2, mapping_fmaps=8, **TINY)
BETA = 0.995


def _schedule(**overrides):
    settings = dict(resolution=16, initial_resolution=8, stabilize_images=16, fade_images=16,
                    batch_size=4, g_learning_rates={16: 0.002}, repeats=1)
    settings.update(overrides)
    return GrowthSchedule(**settings)


def _gan(schedule=None, resolution=16, mbstd_group_size=4, seed=5, **kwargs):
    kwargs.setdefault("ema_half_life_images", 100.0)
    return StyleGAN(StyleGANGenerator(resolution=resolution, **TINY_G),
                    StyleGANDiscriminator(resolution=resolution, mbstd_group_size=mbstd_group_size,
                                          **TINY),
                    schedule=schedule or _schedule(resolution=resolution), seed=seed, **kwargs)


def _build(schedule=None, seed=5, **kwargs):
    keras.utils.set_random_seed(seed)  # the same initial weights on every build
    return _gan(schedule, seed=seed, **kwargs)


def _images(n, seed=1, size=16):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


def test_the_recipe_holds_the_official_training_configuration():
    recipe = registry.get_recipe("stylegan")
    assert recipe.task == "unconditional" and recipe.takes_batch_size
    defaults = {argument.name: argument.default for argument in recipe.arguments}
    assert (defaults["latent_dim"], defaults["dlatent_dim"], defaults["mapping_layers"],
            defaults["mapping_fmaps"], defaults["fmap_base"], defaults["fmap_max"]) == (
        512, 512, 8, 512, 8192, 512)
    assert (defaults["truncation_psi"], defaults["truncation_cutoff"]) == (0.7, 8)
    gan = registry.build("stylegan", image_size=1024, fmap_base=512, fmap_max=8, latent_dim=8,
                         dlatent_dim=8, mapping_fmaps=8)
    compiled = gan.get_compile_config()
    for side in ("g_optimizer", "d_optimizer"):
        config = compiled[side]["config"]
        assert compiled[side]["class_name"] == "Adam"
        assert (config["learning_rate"], config["beta_1"], config["beta_2"],
                config["epsilon"]) == pytest.approx((0.001, 0.0, 0.99, 1e-8))
    assert (compiled["loss"], compiled["d_steps"], compiled["r1_weight"],
            compiled["gradient_penalty_weight"], compiled["reuse_fake_batch"]) == (
        "non_saturating", 1, 10.0, 0.0, False)
    assert gan.style_mixing_prob == 0.9 and gan.dlatent_avg_beta == 0.995
    # G_smoothing_kimg = 10: the decay follows the batch size.
    assert gan.ema_decay is None and gan.ema_half_life_images == 10_000.0
    assert float(gan.ema_decay_for(tf.constant(32))) == pytest.approx(0.5 ** (32 / 10_000))
    assert float(gan.ema_decay_for(tf.constant(256))) == pytest.approx(0.5 ** (256 / 10_000))
    assert gan.generator.truncation_psi == 0.7 and gan.generator.truncation_cutoff == 8
    schedule = gan.schedule
    assert (schedule.initial_resolution, schedule.stabilize_images, schedule.fade_images,
            schedule.repeats, schedule.reset_optimizers) == (8, 600_000, 600_000, 4, True)
    # train.py (8 GPUs): minibatch_dict, minibatch_base 32; G/D_lrate_dict, base 0.001.
    batches = {4: 512, 8: 256, 16: 128, 32: 64, 64: 32}
    rates = {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003}
    resolved = gan.resolved_schedule
    assert {s.resolution for s in resolved.segments} == {8, 16, 32, 64, 128, 256, 512, 1024}
    for segment in resolved.segments:
        assert segment.batch_size == batches.get(segment.resolution, 32), segment
        assert segment.g_learning_rate == pytest.approx(rates.get(segment.resolution, 0.001))
        assert segment.d_learning_rate == pytest.approx(rates.get(segment.resolution, 0.001))
    assert resolved.values_at(0)["batch_size"] == 256 and resolved.values_at(0)["lod"] == 7.0
    assert official_schedule(1024).get_config() == schedule.get_config()
    # The common EMA flag replaces the half-life with a fixed decay.
    fixed = registry.build("stylegan", image_size=16, fmap_base=64, fmap_max=16, latent_dim=8,
                           dlatent_dim=8, mapping_fmaps=8, ema_decay=0.999, compile=False)
    assert fixed.ema_decay == 0.999 and fixed.ema_half_life_images is None


def test_r1_is_the_official_gamma_half_sum_of_squared_gradients():
    gan = _build()
    gan.compile()
    real = tf.constant(_images(4))
    fake = tf.constant(_images(4, seed=2))
    batch = {"real": real, "labels": None, "global": 4, "local": 4, "replica_id": 0}
    per_example, logs = gan.discriminator_loss(batch, fake, None, 0)
    with tf.GradientTape() as tape:
        tape.watch(real)
        real_logits = gan.discriminator(real, training=True)
        total = tf.reduce_sum(real_logits)
    grads = tape.gradient(total, real).numpy()
    real_logits = real_logits.numpy()[:, 0].astype(np.float64)
    fake_logits = gan.discriminator(fake, training=True).numpy()[:, 0].astype(np.float64)
    expected = (np.logaddexp(0, fake_logits) + np.logaddexp(0, -real_logits)
                + 10.0 * 0.5 * np.sum(grads.astype(np.float64) ** 2, axis=(1, 2, 3)))
    np.testing.assert_allclose(per_example.numpy(), expected, rtol=1e-5)
    assert float(logs["r1_penalty"]) > 0


def _batch(lod, n=4):
    return {"global": n, "local": n, "replica_id": 0, "lod": tf.constant(lod, tf.float32)}


def test_style_mixing_takes_rows_from_the_crossover_of_a_seeded_second_latent():
    gan = _build(style_mixing_prob=1.0)
    gan.compile()
    generator = gan.generator
    generator.set_lod(0.0)
    z = gan.sample_latents(4, tf.constant([9, 9], tf.int64))
    w1 = generator.mapping(z).numpy()
    crossovers = set()
    for step in range(6):
        gan.step_counter.assign(step)
        cutoff = int(gan.mixing_cutoff(tf.constant(0.0), 1))
        assert 1 <= cutoff < 6, cutoff
        crossovers.add(cutoff)
        images = gan.training_fakes(_batch(0.0), z, None, 1).numpy()
        z2 = gan.sample_latents(4, gan.step_seed(16 + 1))
        w2 = generator.mapping(z2).numpy()
        mixed = np.concatenate([w1[:, :cutoff], w2[:, cutoff:]], axis=1)
        np.testing.assert_allclose(images, generator.synthesis(mixed, training=True).numpy(),
                                   atol=1e-5)
        unmixed = generator.synthesis(w1, training=True).numpy()
        assert np.abs(images - unmixed).max() > 1e-4  # the rows from z2 change the image
        # The same step and draw give the same mix; another draw index another latent.
        np.testing.assert_array_equal(images, gan.training_fakes(_batch(0.0), z, None, 1))
        assert np.abs(images - gan.training_fakes(_batch(0.0), z, None, 0).numpy()).max() > 0
    assert len(crossovers) > 1
    # Only the layers active at the level of detail are crossed: 6 - 2 * int(lod).
    for lod, active in ((1.5, 4), (1.0, 4), (0.25, 6), (2.0, 2)):
        cutoffs = set()
        for step in range(40):
            gan.step_counter.assign(step)
            cutoffs.add(int(gan.mixing_cutoff(tf.constant(lod), 0)))
        assert cutoffs == set(range(1, active)), (lod, cutoffs)

    never = _build(style_mixing_prob=0.0)
    never.compile()
    never.generator.set_lod(0.0)
    w1 = never.generator.mapping(z).numpy()
    for step in range(3):
        never.step_counter.assign(step)
        np.testing.assert_allclose(never.training_fakes(_batch(0.0), z, None, 0),
                                   never.generator.synthesis(w1, training=True), atol=1e-6)
    # Probability 0.5: some steps mix, some do not (then the crossover is the active layers).
    half = _build(style_mixing_prob=0.5)
    cutoffs = []
    for step in range(40):
        half.step_counter.assign(step)
        cutoffs.append(int(half.mixing_cutoff(tf.constant(0.0), 0)))
    assert 6 in cutoffs and any(c < 6 for c in cutoffs)


def _one_step(gan, images, eager):
    gan.run_eagerly = eager
    gan.fit(images, batch_size=len(images), epochs=1, shuffle=False, verbose=0)


def test_w_avg_follows_the_global_batch_mean_on_one_and_two_replicas():
    def build():
        return _gan(mbstd_group_size=0, seed=7), {}

    images = _images(4)
    one = build_in(tf.distribute.get_strategy(), build)
    # Both training calls of G in step 0 (the discriminator's fakes, draw 0; the generator's,
    # draw 1) map their latents with the initial mapping weights.
    means = [one.generator.mapping(one.sample_latents(4, tf.constant([7, draw], tf.int64)))
             .numpy()[:, 0].astype(np.float64).mean(axis=0) for draw in (0, 1)]
    expected = np.zeros(8)
    for mean in means:
        expected = mean + (expected - mean) * BETA
    _one_step(one, images, eager=True)
    w_avg = one.generator.w_avg.numpy()
    np.testing.assert_allclose(w_avg, expected, rtol=1e-5, atol=1e-7)
    assert np.abs(w_avg).max() > 1e-4
    np.testing.assert_array_equal(one.ema_generator.w_avg.numpy(), w_avg)  # copied, not averaged

    two = build_in(two_cpu_strategy(), build)
    _one_step(two, images, eager=True)
    np.testing.assert_allclose(two.generator.w_avg.numpy(), w_avg, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(two.ema_generator.w_avg.numpy(), w_avg, rtol=1e-5, atol=1e-7)


def test_ema_decay_follows_the_half_life_at_the_schedules_batch_sizes():
    schedule = _schedule(batch_sizes={8: 8, 16: 4})
    gan = _build(schedule, ema_half_life_images=40.0)
    gan.compile()
    data = _images(8 + 4 * 4)
    gan.run_eagerly = True
    for batch_size, images in ((8, data[:8]), (8, data[8:16])):
        ema_before = [w.numpy().copy() for w in gan.ema_generator.trainable_weights]
        gan.fit(images, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        decay = 0.5 ** (batch_size / 40.0)
        trained = [w.numpy() for w in gan.generator.trainable_weights]
        for ema, e0, w1 in zip(gan.ema_generator.trainable_weights, ema_before, trained):
            np.testing.assert_allclose(ema.numpy(), decay * e0 + (1 - decay) * w1, rtol=1e-5,
                                       atol=1e-6)
    assert float(gan.ema_decay_for(tf.constant(4))) == pytest.approx(0.5 ** (4 / 40.0))



def test_fit_grows_from_8_to_16_px_with_the_schedules_values():
    schedule = _schedule()
    gan = _build(schedule)
    gan.compile()
    steps = schedule.growth_steps + 2
    recorder = GrowthRecorder()
    history = gan.fit(_images(4 * steps), batch_size=4, epochs=1, shuffle=False, verbose=0,
                      callbacks=[recorder])
    assert len(recorder.rows) == steps
    for step, row in enumerate(recorder.rows):
        values = gan.resolved_schedule.values_at(step)
        assert row["lod"] == row["d_lod"] == row["ema_lod"] == pytest.approx(values["lod"])
        assert row["g_learning_rate"] == pytest.approx(values["g_learning_rate"])
        start = max(s.start for s in schedule.segments if s.start <= step)
        assert row["g_iterations"] == step - start + 1, (step, row)
    lods = [row["lod"] for row in recorder.rows]
    assert lods[0] == 1.0 and lods[-1] == 0.0 and any(0 < lod < 1 for lod in lods)
    assert {schedule.values_at(step)["resolution"] for step in range(steps)} == {8, 16}
    assert recorder.rows[-1]["g_learning_rate"] == pytest.approx(0.002)
    assert np.isfinite(history.history["d_loss"]).all()
    images = gan.generate(2)
    assert images.shape == (2, 16, 16, 3) and np.isfinite(images).all()


def test_a_run_saved_mid_fade_resumes_to_the_uninterrupted_weights(tmp_path):
    schedule = _schedule(stabilize_images=8, fade_images=12)  # 3 steps at 8 px, 2 fading
    total = schedule.growth_steps + 1
    middle = schedule.segments[1].start + 1  # inside the fade-in of 16 px
    assert 0 < schedule.values_at(middle)["lod"] < 1
    data = _images(4 * total)

    def fit(gan, start, stop):
        gan.run_eagerly = True  # a few steps: cheaper than three traces
        gan.fit(data[4 * start:4 * stop], batch_size=4, epochs=1, shuffle=False, verbose=0)

    uninterrupted = _build(schedule)
    uninterrupted.compile()
    fit(uninterrupted, 0, total)

    first = _build(schedule)
    first.compile()
    fit(first, 0, middle)
    path = str(tmp_path / "mid_fade.keras")
    first.save(path)
    resumed = keras.saving.load_model(path)
    assert isinstance(resumed, StyleGAN)
    assert resumed.generator.lod == pytest.approx(schedule.values_at(middle - 1)["lod"])
    config = resumed.get_config()
    assert config["schedule"] == schedule.get_config()
    assert (config["style_mixing_prob"], config["ema_half_life_images"]) == (0.9, 100.0)
    np.testing.assert_array_equal(resumed.generator.w_avg.numpy(), first.generator.w_avg.numpy())
    fit(resumed, middle, total)
    assert int(resumed.step_counter.numpy()) == total
    assert_weights_close(all_weights(uninterrupted), all_weights(resumed), 1e-6,
                         "resumed mid-fade")


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: style_mixing_prob=1.5"):
        _gan(style_mixing_prob=1.5)
    with pytest.raises(ValueError, match="Received: dlatent_avg_beta=-1"):
        _gan(dlatent_avg_beta=-1)
    with pytest.raises(TypeError, match="StyleGANGenerator"):
        StyleGAN(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)]),
                 StyleGANDiscriminator(resolution=16, **TINY))


def test_stylegan_passes_family_checks(tmp_path):
    def build():
        # Without the minibatch standard deviation for replica parity: its groups are taken
        # within each replica's batch.
        gan = StyleGAN(StyleGANGenerator(resolution=8, **TINY_G),
                       StyleGANDiscriminator(resolution=8, mbstd_group_size=0, **TINY),
                       schedule=GrowthSchedule(resolution=8, initial_resolution=4,
                                               stabilize_images=4, fade_images=8,
                                               batch_size=4, repeats=1),
                       ema_half_life_images=50.0, seed=3)
        # The official constant input is ones: spatially constant, so the first instance norm
        # divides a zero deviation by sqrt(1e-8) and amplifies the rounding of the gradient
        # sums (which differ with the replica count) 1e4 times, which Adam's first step turns
        # into +-lr. Parity is checked from a constant with spatial variation.
        const = gan.generator.synthesis.get_layer("4x4_const").weights[0]
        const.assign(np.random.default_rng(0).standard_normal(const.shape).astype("float32"))
        return gan, {}

    images = np.random.default_rng(2).uniform(-1, 1, (16, 8, 8, 3)).astype("float32")
    run_gan_family_test(build, images, tmp_path, export_formats=("onnx",))


def test_the_official_zoo_entry_is_the_official_configuration():
    from kerasgan import presets

    card = presets.get_card("stylegan_ffhq_1024")
    gan = presets.from_preset("stylegan_ffhq_1024", load_weights=False)
    assert isinstance(gan, StyleGAN)
    assert card["weights"] is None and "No weights are bundled" in card["weights_note"]
    counts = [sum(int(np.prod(w.shape)) for w in network.trainable_weights)
              for network in (gan.generator, gan.discriminator)]
    assert counts == [card["parameters"]["generator"], card["parameters"]["discriminator"]] == [
        26_219_627, 23_087_249]
    reference = registry.build("stylegan", image_size=1024, batch_size=32, compile=False)
    assert gan.schedule.get_config() == reference.schedule.get_config()
    assert gan.schedule.initial_resolution == 8
    # The card's command trains the official 25M images, mirrored as the official run.
    assert "--mirror " in card["training"]["command"]
    steps = card["training"]["settings"]["steps_per_epoch"] * card["training"]["epochs"]
    last = gan.schedule.segments[-1]
    assert last.images + (steps - last.start) * last.batch_size >= 25_000_000
    assert last.images + (steps - 1000 - last.start) * last.batch_size < 25_000_000
