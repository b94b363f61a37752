"""Progressive GAN training: the growth schedule against the official loop, the fade of the
reals, growing through three resolutions inside `fit`, exact resume mid-fade, the family
check."""

import json
import math
import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.cli import main
from kerasgan.models import registry
from kerasgan.models.growth import GrowthSchedule, box_filtered
from kerasgan.models.progan import ProGAN, ProGANDiscriminator, ProGANGenerator
from tests.helpers import (
    REPO_ROOT,
    GrowthRecorder,
    all_weights,
    assert_weights_close,
    run_gan_family_test,
)

TINY = {"fmap_base": 16, "fmap_max": 8}


def _official_loop(resolution, initial, stabilize, fade, batch_sizes, base_batch, g_rates,
                   d_rates, base_rate, repeats, steps):
    """The official training loop's values per step (train.py: TrainingSchedule evaluated
    every `minibatch_repeats` steps on the images shown so far, optimizer reset when floor or
    ceil of lod changes), written out independently of `GrowthSchedule`."""
    resolution_log2 = int(math.log2(resolution))
    rows, images, previous = [], 0, -1.0
    while len(rows) < steps:
        kimg = images / 1000.0
        period = (stabilize + fade) / 1000.0
        phase = int(np.floor(kimg / period))
        phase_kimg = kimg - phase * period
        lod = resolution_log2 - np.floor(np.log2(initial)) - phase
        lod -= max(phase_kimg - stabilize / 1000.0, 0.0) / (fade / 1000.0)
        lod = max(lod, 0.0)
        res = 2 ** (resolution_log2 - int(np.floor(lod)))
        batch = batch_sizes.get(res, base_batch)
        reset = previous >= 0 and (np.floor(lod) != np.floor(previous)
                                   or np.ceil(lod) != np.ceil(previous))
        previous = lod
        for repeat in range(repeats):
            rows.append({"lod": lod, "resolution": res, "batch_size": batch,
                         "g_learning_rate": g_rates.get(res, base_rate),
                         "d_learning_rate": d_rates.get(res, base_rate),
                         "reset": bool(reset and repeat == 0)})
            images += batch
    return rows[:steps]


@pytest.mark.parametrize("repeats", [1, 4])
def test_schedule_follows_the_official_training_loop_step_by_step(repeats):
    batch_sizes, g_rates, d_rates = {4: 16, 8: 12, 16: 4}, {16: 0.0015}, {8: 0.002}
    schedule = GrowthSchedule(resolution=16, initial_resolution=4, stabilize_images=100,
                              fade_images=60, batch_size=8, batch_sizes=batch_sizes,
                              g_learning_rate=0.001, d_learning_rate=0.001,
                              g_learning_rates=g_rates, d_learning_rates=d_rates,
                              repeats=repeats)
    steps = schedule.growth_steps + 10
    expected = _official_loop(16, 4, 100, 60, batch_sizes, 8, g_rates, d_rates, 0.001,
                              repeats, steps)
    graph_values = tf.function(schedule.step_values)
    for step, row in enumerate(expected):
        values = schedule.values_at(step)
        traced = {k: v.numpy() for k, v in graph_values(tf.constant(step, tf.int64)).items()}
        for key, value in row.items():
            assert values[key] == pytest.approx(value), (step, key, values[key], value)
            assert traced[key] == pytest.approx(value, rel=1e-6), (step, key, traced[key])
    # Every resolution is shown, and its fade-in's lod decreases strictly inside (0, 2).
    assert {row["resolution"] for row in expected} == {4, 8, 16}
    fading = [row["lod"] for row in expected if row["lod"] % 1]
    assert fading and all(a >= b for a, b in zip(fading, fading[1:]))
    assert sum(row["reset"] for row in expected) == 4  # 2 fade-ins, 2 stabilizations


def test_schedule_config_round_trip_and_bad_arguments():
    schedule = GrowthSchedule(resolution=32, initial_resolution=8, batch_sizes={8: 4},
                              g_learning_rates={32: 0.002})
    again = GrowthSchedule.from_config(schedule.get_config())
    assert again.get_config() == schedule.get_config() and again.segments == schedule.segments
    with pytest.raises(ValueError, match="`initial_resolution` .64. must not exceed"):
        GrowthSchedule(resolution=32, initial_resolution=64)
    with pytest.raises(ValueError, match="`resolution` must be a power of 2"):
        GrowthSchedule(resolution=48)
    with pytest.raises(ValueError, match=r"batch_sizes\[8\]=0"):
        GrowthSchedule(resolution=32, batch_sizes={8: 0})
    with pytest.raises(ValueError, match="`fade_images` must be an integer >= 1"):
        GrowthSchedule(resolution=32, fade_images=0)
    with pytest.raises(ValueError, match="`d_learning_rate` must be None .the optimizer's. or"):
        GrowthSchedule(resolution=32, d_learning_rate=-1.0)
    # Base rates left to the optimizers: the graph values need them set first.
    assert schedule.g_learning_rate is None
    with pytest.raises(ValueError, match="base learning rates are unset"):
        schedule.step_values(tf.constant(0, tf.int64))
    resolved = schedule.with_base_rates(0.01, 0.02)
    assert resolved.values_at(0)["g_learning_rate"] == 0.01  # 8 px: no table entry
    assert resolved.segments[-1].g_learning_rate == 0.002  # 32 px: the table's
    assert resolved.values_at(0)["d_learning_rate"] == 0.02


def _numpy_box(images, k):
    n, h, w, c = images.shape
    f = 2**k
    blocks = images.reshape(n, h // f, f, w // f, f, c).mean(axis=(2, 4))
    return blocks.repeat(f, axis=1).repeat(f, axis=2)


def test_reals_fade_as_the_official_process_reals():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(box_filtered(images, 0.0, 2), images, atol=1e-6)
    np.testing.assert_allclose(box_filtered(images, 2.0, 2), _numpy_box(images, 2), atol=1e-6)
    # Official: the reals at 8x8 (lod 1.25 -> floor 1) blended with their own 2x2 box filter
    # by 0.25, upscaled to 16x16.
    low = _numpy_box(images, 1)[:, ::2, ::2]
    blended = 0.75 * low + 0.25 * _numpy_box(low, 1)
    expected = blended.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_allclose(box_filtered(images, 1.25, 2), expected, atol=1e-6)


def _schedule(**overrides):
    settings = dict(resolution=16, initial_resolution=4, stabilize_images=16, fade_images=16,
                    batch_size=4, g_learning_rates={8: 0.002}, d_learning_rates={16: 0.003},
                    repeats=1)
    settings.update(overrides)
    return GrowthSchedule(**settings)


def _build(schedule=None, ema_decay=0.999, seed=5):
    keras.utils.set_random_seed(seed)  # the same initial weights on every build
    return ProGAN(ProGANGenerator(resolution=16, latent_dim=8, **TINY),
                  ProGANDiscriminator(resolution=16, **TINY),
                  schedule=schedule or _schedule(), ema_decay=ema_decay, seed=seed)


def _images(n, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 16, 16, 3)).astype("float32")



def test_fit_grows_through_three_resolutions_with_the_schedules_values():
    schedule = _schedule()
    gan = _build(schedule)
    gan.compile()
    steps = schedule.growth_steps + 2
    recorder = GrowthRecorder()
    history = gan.fit(_images(4 * steps), batch_size=4, epochs=1, shuffle=False, verbose=0,
                      callbacks=[recorder])
    assert len(recorder.rows) == steps
    segments = schedule.segments
    for step, row in enumerate(recorder.rows):
        values = gan.resolved_schedule.values_at(step)
        assert row["lod"] == row["d_lod"] == row["ema_lod"] == pytest.approx(values["lod"])
        assert row["g_learning_rate"] == pytest.approx(values["g_learning_rate"])
        assert row["d_learning_rate"] == pytest.approx(values["d_learning_rate"])
        # The optimizer starts afresh at each segment: one update since its first step.
        start = max(s.start for s in segments if s.start <= step)
        assert row["g_iterations"] == step - start + 1, (step, row)
    lods = [row["lod"] for row in recorder.rows]
    assert lods[0] == 2.0 and lods[-1] == 0.0 and any(0 < lod < 1 for lod in lods)
    assert {values["resolution"] for values in map(schedule.values_at, range(steps))} == {
        4, 8, 16}
    assert np.isfinite(history.history["d_loss"]).all()
    images = gan.generate(2)
    assert images.shape == (2, 16, 16, 3) and np.isfinite(images).all()


def test_a_run_saved_mid_fade_resumes_to_the_uninterrupted_weights(tmp_path):
    schedule = _schedule()
    total = schedule.growth_steps
    middle = schedule.segments[1].start + 2  # inside the first fade-in
    assert 0 < schedule.values_at(middle)["lod"] % 1
    data = _images(4 * total)

    def fit(gan, start, stop):
        gan.fit(data[4 * start:4 * stop], batch_size=4, epochs=1, shuffle=False, verbose=0)

    uninterrupted = _build(schedule)
    uninterrupted.compile()
    uninterrupted.run_eagerly = True
    fit(uninterrupted, 0, total)

    first = _build(schedule)
    first.compile()
    first.run_eagerly = True
    fit(first, 0, middle)
    path = str(tmp_path / "mid_fade.keras")
    first.save(path)
    resumed = keras.saving.load_model(path)
    assert resumed.generator.lod == pytest.approx(schedule.values_at(middle - 1)["lod"])
    assert resumed.get_config()["schedule"] == schedule.get_config()
    resumed.run_eagerly = True
    fit(resumed, middle, total)
    assert int(resumed.step_counter.numpy()) == total
    assert_weights_close(all_weights(uninterrupted), all_weights(resumed), 1e-6,
                         "resumed mid-fade")


def test_drift_term_and_wrong_batch_size():
    gan = _build(ema_decay=None)
    gan.compile(drift_weight=0.5)
    assert gan.get_compile_config()["drift_weight"] == 0.5
    assert gan.d_steps == 1 and not gan.reuse_fake_batch and gan.gradient_penalty_weight == 10
    with pytest.raises(tf.errors.InvalidArgumentError, match="the growth schedule batch size"):
        gan.fit(_images(8), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="ends at 32 px but the networks are 16 px"):
        _build(_schedule(resolution=32))


def test_generate_and_evaluate_clip_the_linear_output_as_the_official_code(tmp_path,
                                                                          monkeypatch):
    """The networks end in a linear ToRGB whose output leaves [-1, 1]; `generate` clips it as
    the official image conversion does, so FSD and `kerasgan evaluate` take the samples."""
    from kerasgan.metrics import evaluate

    gan = _build(ema_decay=None)
    for weight in gan.generator.weights:
        if weight.path.endswith("torgb/bias"):
            weight.assign(np.full(weight.shape, 0.5, "float32"))
        if weight.path.endswith("torgb/kernel"):
            weight.assign(weight.numpy() * 40.0)
    z = gan.sample_latents(64, tf.constant([0, 0], tf.int64))
    raw = gan.generator(z, training=False).numpy()
    assert raw.max() > 1.5 and raw.min() < -1.5
    images = gan.generate(z.numpy())
    assert images.min() == -1.0 and images.max() == 1.0
    np.testing.assert_allclose(images, np.clip(raw, -1, 1), atol=1e-6)
    report = evaluate(gan, "fsd", num_samples=64, cache_dir=tmp_path)
    assert np.isfinite(report["metrics"]["fsd"]) and report["metrics"]["fsd"] > 0
    path = str(tmp_path / "linear.keras")
    gan.save(path)
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    assert main(["evaluate", path, "--num-samples", "64", "--quiet",
                 "--out", str(tmp_path / "report.json")]) == 0
    with open(tmp_path / "report.json") as f:
        assert np.isfinite(json.load(f)["metrics"]["fsd"])


def test_progan_passes_family_checks(tmp_path):
    def build():
        # Without the minibatch standard deviation for replica parity: its groups are taken
        # within each replica's batch (as the official per-GPU graphs do), so a split batch
        # gives other statistics.
        gan = ProGAN(ProGANGenerator(resolution=8, latent_dim=8, **TINY),
                     ProGANDiscriminator(resolution=8, mbstd_group_size=0, **TINY),
                     schedule=GrowthSchedule(resolution=8, stabilize_images=4, fade_images=8,
                                             batch_size=4, repeats=1), ema_decay=0.9, seed=3)
        return gan

    images = np.random.default_rng(2).uniform(-1, 1, (16, 8, 8, 3)).astype("float32")
    run_gan_family_test(lambda: (build(), {}), images, tmp_path,
                        export_formats=("onnx",))


def test_the_recipe_holds_the_official_training_configuration():
    recipe = registry.get_recipe("progan")
    assert recipe.task == "unconditional" and recipe.takes_batch_size
    gan = registry.build("progan", image_size=1024, fmap_base=512, fmap_max=8, batch_size=4)
    compiled = gan.get_compile_config()
    for side in ("g_optimizer", "d_optimizer"):
        config = compiled[side]["config"]
        assert (config["learning_rate"], config["beta_1"], config["beta_2"],
                config["epsilon"]) == pytest.approx((0.001, 0.0, 0.99, 1e-8))
    assert (compiled["loss"], compiled["d_steps"], compiled["gradient_penalty_weight"],
            compiled["drift_weight"]) == ("wasserstein", 1, 10.0, 0.001)
    assert gan.ema_decay == 0.999
    schedule = gan.schedule
    assert (schedule.initial_resolution, schedule.stabilize_images, schedule.fade_images,
            schedule.repeats) == (4, 600_000, 600_000, 4)
    # preset-v2-1gpu: the batch table, minibatch_base 4 at 1024 px and 0.0015 there.
    official = {4: 128, 8: 128, 16: 128, 32: 64, 64: 32, 128: 16, 256: 8, 512: 4}
    for segment in schedule.segments:
        assert segment.batch_size == official.get(segment.resolution, 4), segment
    last = gan.resolved_schedule.segments[-1]
    assert (last.resolution, last.batch_size) == (1024, 4)
    assert (last.g_learning_rate, last.d_learning_rate) == (0.0015, 0.0015)
    assert gan.resolved_schedule.segments[0].g_learning_rate == pytest.approx(0.001)
    # The common learning-rate flag sets the base rate the schedule uses.
    faster = registry.build("progan", image_size=16, fmap_base=64, fmap_max=16,
                            g_learning_rate=0.002, batch_size=4)
    assert faster.resolved_schedule.segments[0].g_learning_rate == pytest.approx(0.002)
    with pytest.raises(ValueError, match=r"`batch_sizes` must be a list of RESOLUTION:VALUE "
                                         r"entries .* \(entry '8-64'\)"):
        registry.build("progan", image_size=16, batch_sizes="4:8,8-64")


# kerasgan train progan, grown 4 -> 8 -> 16 over 33 steps (full resolution from step 26).
GROWN = ["train", "progan", "--image-size", "16", "--fmap-base", "32", "--fmap-max", "8",
         "--stabilize-kimg", "0.032", "--fade-kimg", "0.032", "--batch-sizes", "4:8,8:4,16:4",
         "--minibatch-repeats", "1", "--num-examples", "32", "--steps-per-epoch", "11",
         "--epochs", "3", "--no-tensorboard", "--seed", "1"]


def _checkpoint_step(out):
    try:
        with open(os.path.join(out, "checkpoints", "checkpoint.json")) as f:
            return int(json.load(f)["latest"].split("-")[1].split(".")[0])
    except (OSError, ValueError, KeyError, IndexError):
        return -1


@pytest.mark.heavy
def test_kerasgan_train_grows_and_a_run_killed_mid_fade_resumes_exactly(tmp_path, capsys):
    reference = str(tmp_path / "reference")
    assert main([*GROWN, "--out", reference]) == 0
    out = capsys.readouterr().out
    assert "Global batch size by step: 8 from step 0, 4 from step 5." in out
    expected = keras.saving.load_model(os.path.join(reference, "model.keras"))
    assert int(expected.step_counter.numpy()) == 33
    assert expected.generator.lod == 0.0 and expected.discriminator.lod == 0.0
    with open(os.path.join(reference, "history.json")) as f:
        history = json.load(f)
    assert history["lod"][0] > history["lod"][1] > history["lod"][2] > 0  # mean lod per epoch
    # Each epoch's grid names the resolution shown. Step 10: 60 images shown, 28 into the
    # 32-image fade to 8 px (0.875); step 21: 104 images, 8 into the fade to 16 px (0.25);
    # step 32: 16 px.
    grids = sorted(os.listdir(os.path.join(reference, "samples")))
    assert [name.split("_", 3)[-1] for name in grids] == [
        "8px-fade0.88.png", "16px-fade0.25.png", "16px.png"], grids

    # SIGKILL once the checkpoint of step 21 (inside the 16 px fade-in, steps 20-25) is
    # written, then the same command again.
    drilled = str(tmp_path / "drilled")
    command = [sys.executable, "-m", "kerasgan.cli", *GROWN, "--out", drilled,
               "--save-every-steps", "3"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO_ROOT,
                                                       os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    try:
        while proc.poll() is None and _checkpoint_step(drilled) < 21 and (
                time.monotonic() < deadline):
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before step 21"
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stopped = _checkpoint_step(drilled)
    assert 21 <= stopped < 33
    assert expected.schedule.segment_at(21).kind == "fade"
    assert main([*command[3:]]) == 0
    assert f"(global step {stopped})" in capsys.readouterr().out
    resumed = keras.saving.load_model(os.path.join(drilled, "model.keras"))
    for a, b in zip(resumed.weights, expected.weights):
        assert np.array_equal(np.asarray(a), np.asarray(b)), a.path


def test_kerasgan_train_progan_help_lists_the_growth_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["train", "progan", "--help"])
    help_text = capsys.readouterr().out
    for flag in ("--stabilize-kimg", "--fade-kimg", "--batch-sizes", "--initial-resolution",
                 "--mbstd-group-size", "--minibatch-repeats"):
        assert flag in help_text


def test_the_official_zoo_entry_is_the_official_configuration():
    from kerasgan import presets

    card = presets.get_card("progan_celebahq_1024")
    gan = presets.from_preset("progan_celebahq_1024", load_weights=False)
    assert card["weights"] is None and "No weights are bundled" in card["weights_note"]
    counts = [sum(int(np.prod(w.shape)) for w in network.trainable_weights)
              for network in (gan.generator, gan.discriminator)]
    assert counts == [card["parameters"]["generator"], card["parameters"]["discriminator"]] == [
        23_079_115, 23_087_249]
    reference = registry.build("progan", image_size=1024, batch_size=4, compile=False)
    assert gan.schedule.get_config() == reference.schedule.get_config()
    # The card's command trains the official 12M images, mirrored as the official run.
    assert "--mirror " in card["training"]["command"]
    assert registry.data_options("progan", {"mirror": True}) == {"mirror": True}
    settings = card["training"]["settings"]
    steps = settings["steps_per_epoch"] * card["training"]["epochs"]
    last = gan.schedule.segments[-1]
    assert last.images + (steps - last.start) * last.batch_size >= 12_000_000
    assert last.images + (steps - 1000 - last.start) * last.batch_size < 12_000_000
