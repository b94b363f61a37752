"""CrashSafeCheckpoint: exact step-level resume, kill drills, corruption, SIGTERM, is_chief.

The subprocess tests share one script (`_FIT_SCRIPT`) and the tiny GAN below;
they start 9 Python processes in all (7 in the kill drill, 2 for SIGTERM) and
compare with the uninterrupted run of this process (the same bits: one CPU
build of TensorFlow is deterministic across processes for these ops).
"""

import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.callbacks import (
    CheckpointMismatchError,
    CheckpointWarning,
    CrashSafeCheckpoint,
    is_chief,
    resume_fit,
)
from kerasgan.callbacks import checkpoint as checkpoint_module
from kerasgan.models import GAN
from tests.helpers import REPO_ROOT, tiny_data, tiny_networks, two_cpu_strategy

BATCH, STEPS, EPOCHS = 4, 3, 4  # 12 global steps
IMAGES = tiny_data(20)
PROCESS_TIMEOUT = 120  # seconds any one child may take
STEP_DELAY = 0.15  # seconds each step of a child sleeps, so that kills land mid-run


def build_gan(latent_dim=4):
    """The tiny GAN of every test here: EMA copy, Adam for both networks, 4x4 images."""
    generator, discriminator = tiny_networks(latent_dim=latent_dim)
    gan = GAN(generator, discriminator, ema_decay=0.9, seed=3)
    gan.compile(loss="hinge", g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    return gan


def stream(start_batch):
    """An endless stream whose batch k is a pure function of the global batch index k."""
    images = tf.constant(IMAGES)
    n = len(IMAGES)

    def batch(k):
        return tf.gather(images, (k * BATCH + tf.range(BATCH, dtype=tf.int64)) % n)

    return tf.data.Dataset.counter(start_batch).map(batch)


def training_arrays(gan):
    """The model's variables (EMA copy, step counter) and both optimizers' (numpy)."""
    variables = (list(gan.variables) + list(gan.g_optimizer.variables)
                 + list(gan.d_optimizer.variables))
    return [np.array(v.numpy()) for v in variables]


def state_arrays(gan):
    """The training state and the metrics' running means."""
    return training_arrays(gan) + [np.array(v.numpy()) for v in gan.metrics_variables]


def assert_same_state(actual, expected, what):
    assert len(actual) == len(expected), f"{what}: {len(actual)} variables, {len(expected)}"
    differ = [i for i, (a, b) in enumerate(zip(actual, expected))
              if a.shape != b.shape or not np.array_equal(a, b)]
    assert not differ, (f"{what}: variables {differ} differ from the uninterrupted run "
                        f"(first: max abs diff "
                        f"{np.max(np.abs(actual[differ[0]] - expected[differ[0]])):.3g})")


class CrashAt(keras.callbacks.Callback):
    """Raises after global step `step` (a crash: no on_train_end, nothing saved after)."""

    def __init__(self, step, start=0):
        super().__init__()
        self.step = step
        self.seen = start

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            raise RuntimeError(f"simulated crash after step {self.step}")


class RecordEpochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


@pytest.fixture(scope="module")
def in_process_reference():
    """The uninterrupted run in this process: final state and history."""
    gan = build_gan()
    history = gan.fit(stream(0), epochs=EPOCHS, steps_per_epoch=STEPS, shuffle=False,
                      verbose=0)
    return state_arrays(gan), history.history


# ------------------------------------------------------------ exact resume
@pytest.mark.parametrize("crash_after, restored", [
    (5, (4, 1, 1)),  # the last save was mid-epoch: epoch 1, 1 step into it
    (7, (6, 2, 0)),  # the last save was at the end of epoch 1
])
def test_resume_after_a_crash_equals_the_uninterrupted_run(tmp_path, in_process_reference,
                                                           crash_after, restored):
    reference, reference_history = in_process_reference
    directory = str(tmp_path / "ckpt")
    crashed = build_gan()
    with pytest.raises(RuntimeError, match="simulated crash"):
        resume_fit(crashed, stream, EPOCHS, STEPS, verbose=0,
                   callbacks=[CrashSafeCheckpoint(directory, save_every_steps=2),
                              CrashAt(crash_after)])

    resumed = build_gan()  # what a new process builds
    checkpoint = CrashSafeCheckpoint(directory, save_every_steps=2)
    state = checkpoint.restore(resumed)
    assert (state.global_step, state.epoch, state.step_in_epoch) == restored
    assert int(resumed.step_counter.numpy()) == restored[0]
    assert len(state.history["d_loss"]) == restored[1]
    history = resume_fit(resumed, stream, EPOCHS, STEPS, callbacks=[checkpoint], state=state,
                         verbose=0)

    assert_same_state(state_arrays(resumed), reference, f"resumed at step {restored[0]}")
    assert history.epoch == list(range(EPOCHS)), history.epoch
    assert history.history == reference_history, (history.history, reference_history)
    assert checkpoint.global_step == EPOCHS * STEPS
    assert checkpoint.history == reference_history  # what the metadata records
    manifest = json.loads((tmp_path / "ckpt" / "checkpoint.json").read_text())
    assert manifest["latest"] == "ckpt-12.json" and manifest["epoch"] == EPOCHS
    # keep=2: the older checkpoints are gone, the newest two remain.
    assert sorted(os.listdir(directory)) == [
        "checkpoint.json", "ckpt-10.json", "ckpt-10.weights.h5", "ckpt-12.json",
        "ckpt-12.weights.h5"]

    # Run again after the end: nothing is trained, the finished state and history come back.
    finished = build_gan()
    again = resume_fit(finished, stream, EPOCHS, STEPS, verbose=0,
                       callbacks=[CrashSafeCheckpoint(directory, save_every_steps=2)])
    assert again.epoch == list(range(EPOCHS)) and again.history == reference_history
    assert_same_state(state_arrays(finished), reference, "rerun after the end")


def test_plain_fit_restores_at_train_begin_like_backup_and_restore(tmp_path,
                                                                   in_process_reference):
    reference, _ = in_process_reference
    directory = str(tmp_path / "ckpt")
    first = build_gan()
    first.fit(stream(0), epochs=2, steps_per_epoch=STEPS, shuffle=False, verbose=0,
              callbacks=[CrashSafeCheckpoint(directory)])

    second = build_gan()
    record = RecordEpochs()
    checkpoint = CrashSafeCheckpoint(directory)
    second.fit(stream(2 * STEPS), epochs=EPOCHS, steps_per_epoch=STEPS, shuffle=False,
               verbose=0, callbacks=[checkpoint, record])
    assert record.epochs == [2, 3]
    assert second._initial_epoch is None  # reset after fit, not left for the next fit
    assert_same_state(state_arrays(second), reference, "plain fit after auto-restore")
    assert len(checkpoint.history["g_loss"]) == EPOCHS

    # A mid-epoch checkpoint cannot be continued by a plain fit: it says so.
    crashed = build_gan()
    crash_dir = str(tmp_path / "mid")
    with pytest.raises(RuntimeError):
        crashed.fit(stream(0), epochs=EPOCHS, steps_per_epoch=STEPS, shuffle=False, verbose=0,
                    callbacks=[CrashSafeCheckpoint(crash_dir, save_every_steps=1), CrashAt(4)])
    again = build_gan()
    with pytest.warns(CheckpointWarning, match="cannot continue a partial epoch.*resume_fit"):
        again.fit(stream(0), epochs=2, steps_per_epoch=STEPS, shuffle=False, verbose=0,
                  callbacks=[CrashSafeCheckpoint(crash_dir)])


def test_resume_fit_checks_the_epoch_length_and_stops_between_its_two_fits(tmp_path):
    gan = build_gan()
    checkpoint = CrashSafeCheckpoint(str(tmp_path), save_every_steps=1)
    with pytest.raises(RuntimeError):
        resume_fit(gan, stream, EPOCHS, STEPS, callbacks=[checkpoint, CrashAt(2)], verbose=0)
    resumed = build_gan()
    checkpoint = CrashSafeCheckpoint(str(tmp_path), save_every_steps=1)
    state = checkpoint.restore(resumed)
    assert (state.step_in_epoch, state.steps_per_epoch) == (2, STEPS)
    with pytest.raises(ValueError, match=r"ckpt-2\.json.*steps_per_epoch=3.*Received: "
                                         r"steps_per_epoch=5"):
        resume_fit(resumed, stream, EPOCHS, 5, state=state)

    class StopAtEpochEnd(keras.callbacks.Callback):  # after the epoch's save: SIGTERM
        def on_epoch_end(self, epoch, logs=None):
            checkpoint.request_stop("SIGTERM")

    history = resume_fit(resumed, stream, EPOCHS, STEPS, state=state, verbose=0,
                         callbacks=[checkpoint, StopAtEpochEnd()])
    assert history.epoch == [0]  # the partial epoch ran; the other epochs did not
    assert checkpoint.preempted and checkpoint.global_step == STEPS
    assert int(resumed.step_counter.numpy()) == STEPS
    assert checkpoint.state.path.endswith("ckpt-3.json") and checkpoint.state.epoch == 1


# --------------------------------------------------------------- the format
class Snapshots(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.by_step = {}

    def on_train_batch_end(self, batch, logs=None):
        self.by_step[batch + 1] = training_arrays(self.model)


@pytest.fixture(scope="module")
def four_checkpoints(tmp_path_factory):
    """A folder with checkpoints after steps 1, 2, 3, 4 (one epoch of 4) and the states."""
    directory = tmp_path_factory.mktemp("four") / "ckpt"
    snapshots = Snapshots()
    gan = build_gan()
    gan.fit(stream(0), epochs=1, steps_per_epoch=4, shuffle=False, verbose=0,
            callbacks=[CrashSafeCheckpoint(str(directory), save_every_steps=1, keep=4),
                       snapshots])
    return directory, snapshots.by_step, len(state_arrays(gan))


@pytest.fixture
def folder(four_checkpoints, tmp_path):
    """A private copy of the four checkpoints."""
    directory, snapshots, _ = four_checkpoints
    copy = tmp_path / "ckpt"
    shutil.copytree(directory, copy)
    return copy, snapshots


def test_the_folder_holds_verified_pairs_and_a_manifest(four_checkpoints):
    directory, _, num_variables = four_checkpoints
    assert sorted(os.listdir(directory)) == ["checkpoint.json"] + sorted(
        f"ckpt-{s}.{ext}" for s in (1, 2, 3, 4) for ext in ("json", "weights.h5"))
    manifest = json.loads((directory / "checkpoint.json").read_text())
    assert manifest["latest"] == "ckpt-4.json"
    assert manifest["checkpoints"] == [f"ckpt-{s}.json" for s in (4, 3, 2, 1)]

    last = json.loads((directory / "ckpt-4.json").read_text())
    assert (last["global_step"], last["epoch"], last["step_in_epoch"]) == (4, 1, 0)
    assert last["reason"] == "epoch" and last["steps_per_epoch"] == 4
    assert last["format"] == "kerasgan-checkpoint" and last["version"] == 1
    assert sorted(last["history"]) == ["d_accuracy", "d_loss", "g_loss"]
    assert all(len(values) == 1 for values in last["history"].values())
    data = (directory / "ckpt-4.weights.h5").read_bytes()
    assert last["weights"] == {"file": "ckpt-4.weights.h5", "size": len(data),
                               "sha256": hashlib.sha256(data).hexdigest()}
    assert len(last["variables"]) == num_variables
    groups = [entry["group"] for entry in last["variables"]]
    assert groups.count("optimizer:d_optimizer") == 10
    assert groups.count("optimizer:g_optimizer|optimizer") == 10
    assert groups.count("metrics") == 6
    counter = [i for i, entry in enumerate(last["variables"])
               if entry["path"].endswith("/step_counter")]
    assert len(counter) == 1 and last["variables"][counter[0]]["dtype"] == "int64"
    with h5py.File(directory / "ckpt-4.weights.h5", "r") as f:
        assert len(f) == num_variables
        assert int(f[f"{counter[0]:06d}"][()]) == 4
    body = {k: v for k, v in last.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert last["checksum"] == hashlib.sha256(canonical).hexdigest()

    middle = json.loads((directory / "ckpt-2.json").read_text())
    assert (middle["epoch"], middle["step_in_epoch"], middle["reason"]) == (0, 2, "steps")
    assert middle["history"] == {}


# ---------------------------------------------------------------- corruption
def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path):
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _garbage(path):
    path.write_bytes(b'{"format": "kerasgan-checkpoint", "global_st')


def _alter(path):
    metadata = json.loads(path.read_text())
    metadata["epoch"] = 3  # valid JSON, but no longer what was written
    path.write_text(json.dumps(metadata))


@pytest.mark.parametrize("damage, target, says", [
    (_truncate, "ckpt-4.weights.h5", r"ckpt-4\.weights\.h5 has \d+ bytes, expected \d+"),
    (_flip, "ckpt-4.weights.h5", r"ckpt-4\.weights\.h5 has sha256 \w+, expected"),
    (os.remove, "ckpt-4.weights.h5", r"ckpt-4\.weights\.h5 is missing"),
    (_garbage, "ckpt-4.json", "not valid JSON"),
    (_alter, "ckpt-4.json", "does not match its checksum"),
])
def test_a_corrupt_checkpoint_is_reported_and_the_previous_one_restored(folder, damage,
                                                                        target, says):
    directory, snapshots = folder
    damage(directory / target)
    gan = build_gan()
    with pytest.warns(CheckpointWarning) as caught:
        state = CrashSafeCheckpoint(str(directory)).restore(gan)
    messages = [str(w.message) for w in caught]
    assert any(str(directory / "ckpt-4.json") in m and "unusable" in m for m in messages), \
        messages
    assert any(re.search(says, m) for m in messages), (says, messages)
    assert state.global_step == 3 and state.path == str(directory / "ckpt-3.json")
    assert_same_state(training_arrays(gan), snapshots[3], "fallback to step 3")
    # Set aside, the manifest points at the good one, and the next restore is quiet.
    assert (directory / "ckpt-4.json.corrupt").exists()
    assert (directory / "ckpt-4.weights.h5.corrupt").exists() == (damage is not os.remove)
    assert not (directory / "ckpt-4.json").exists()
    assert not (directory / "ckpt-4.weights.h5").exists()
    assert json.loads((directory / "checkpoint.json").read_text())["latest"] == "ckpt-3.json"
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckpointWarning)
        assert CrashSafeCheckpoint(str(directory)).restore(build_gan()).global_step == 3


def test_with_every_checkpoint_corrupt_the_run_starts_fresh_and_says_so(folder):
    directory, _ = folder
    for step in (1, 2, 3, 4):
        _flip(directory / f"ckpt-{step}.weights.h5")
    gan = build_gan()
    fresh = state_arrays(build_gan())
    with pytest.warns(CheckpointWarning) as caught:
        state = CrashSafeCheckpoint(str(directory)).restore(gan)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 5, messages  # one per checkpoint, then the conclusion
    assert re.search(r"No usable checkpoint in .*all 4 found were corrupt.*Starting fresh "
                     r"from step 0", messages[-1]), messages
    assert state is None
    assert_same_state(state_arrays(gan), fresh, "fresh start")
    assert int(gan.step_counter.numpy()) == 0


def test_leftovers_of_interrupted_saves_are_removed(folder):
    directory, snapshots = folder
    (directory / "ckpt-5.weights.h5.123-abcd.tmp").write_bytes(b"partial")
    (directory / "ckpt-5.json.123-abcd.tmp").write_bytes(b'{"glob')
    (directory / "checkpoint.json.77-beef.tmp").write_bytes(b"{")
    shutil.copy(directory / "ckpt-4.weights.h5", directory / "ckpt-5.weights.h5")  # no json
    gan = build_gan()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckpointWarning)
        state = CrashSafeCheckpoint(str(directory)).restore(gan)
    assert state.global_step == 4
    assert_same_state(training_arrays(gan), snapshots[4], "restore with leftovers")
    assert not [n for n in os.listdir(directory) if n.endswith(".tmp") or n.startswith("ckpt-5")]


def test_an_unreadable_manifest_is_reported_and_rewritten(folder):
    directory, _ = folder
    (directory / "checkpoint.json").write_text("not json")
    with pytest.warns(CheckpointWarning, match=r"checkpoint\.json is unreadable"):
        state = CrashSafeCheckpoint(str(directory)).restore(build_gan())
    assert state.global_step == 4
    assert json.loads((directory / "checkpoint.json").read_text())["latest"] == "ckpt-4.json"


def test_a_checkpoint_of_another_model_is_an_error_naming_the_file(folder):
    directory, _ = folder
    before = sorted(os.listdir(directory))
    with pytest.raises(CheckpointMismatchError,
                       match=r"ckpt-4\.json holds the state of a different model: its variable "
                             r"1 .* has shape \[4, 16\].* the model's .* has shape \[5, 16\]"):
        CrashSafeCheckpoint(str(directory)).restore(build_gan(latent_dim=5))
    no_ema = GAN(*tiny_networks())
    no_ema.compile(loss="hinge")
    with pytest.raises(CheckpointMismatchError, match=r"ckpt-4\.json .* it has 33 variables.*"
                                                      r"the model has 29"):
        CrashSafeCheckpoint(str(directory)).restore(no_ema)
    assert sorted(os.listdir(directory)) == before  # nothing set aside or removed

    metadata = json.loads((directory / "ckpt-4.json").read_text())
    body = {k: v for k, v in metadata.items() if k != "checksum"}
    body["version"] = 2
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    body["checksum"] = hashlib.sha256(canonical).hexdigest()
    (directory / "ckpt-4.json").write_text(json.dumps(body))
    with pytest.raises(CheckpointMismatchError, match=r"ckpt-4\.json has format version 2"):
        CrashSafeCheckpoint(str(directory)).restore(build_gan())


def test_no_folder_is_a_fresh_start(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckpointWarning)
        assert CrashSafeCheckpoint(str(tmp_path / "none")).restore(build_gan()) is None
    assert not (tmp_path / "none").exists()


def test_arguments_are_validated(monkeypatch):
    with pytest.raises(ValueError, match="Received: save_every_steps=0"):
        CrashSafeCheckpoint("d", save_every_steps=0)
    with pytest.raises(ValueError, match="Received: save_every_seconds=-1"):
        CrashSafeCheckpoint("d", save_every_seconds=-1)
    with pytest.raises(ValueError, match="Received: keep=0"):
        CrashSafeCheckpoint("d", keep=0)
    monkeypatch.setenv("KERASGAN_TEST_CHECKPOINT_PAUSE", "weigths")
    with pytest.raises(ValueError, match=r"KERASGAN_TEST_CHECKPOINT_PAUSE .*'weigths'"):
        CrashSafeCheckpoint("d")


def test_saves_every_n_seconds(tmp_path):
    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.12)

    often = CrashSafeCheckpoint(str(tmp_path / "often"), save_every_seconds=0.1, keep=5)
    rarely = CrashSafeCheckpoint(str(tmp_path / "rarely"), save_every_seconds=3600, keep=5)
    build_gan().fit(stream(0), epochs=1, steps_per_epoch=3, shuffle=False, verbose=0,
                    callbacks=[Slow(), often, rarely])
    reasons = {name: json.loads((tmp_path / "often" / name).read_text())["reason"]
               for name in os.listdir(tmp_path / "often") if name.startswith("ckpt-")
               and name.endswith(".json")}
    assert reasons == {"ckpt-1.json": "seconds", "ckpt-2.json": "seconds",
                       "ckpt-3.json": "epoch"}
    assert sorted(os.listdir(tmp_path / "rarely")) == [
        "checkpoint.json", "ckpt-3.json", "ckpt-3.weights.h5"]


def test_restore_under_mirrored_strategy_with_loss_scaling(tmp_path, monkeypatch):
    strategy = two_cpu_strategy()
    keras.mixed_precision.set_global_policy("mixed_float16")  # reset by tests/conftest.py
    with strategy.scope():
        gan = build_gan()
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    checkpoint = CrashSafeCheckpoint(str(tmp_path), save_every_steps=1)
    gan.fit(stream(0), epochs=1, steps_per_epoch=2, shuffle=False, verbose=0,
            callbacks=[checkpoint])
    removed, real_remove = [], os.remove
    monkeypatch.setattr(os, "remove", lambda p: (removed.append(os.path.basename(p)),
                                                 real_remove(p)))
    checkpoint.save()  # step 2 again, same bytes: its metadata is replaced, never removed
    assert "ckpt-2.json" not in removed
    gan.g_optimizer.dynamic_scale.assign(1234.0)  # a state no training step would reach
    checkpoint.save()  # step 2 again, new bytes: the old metadata goes before the weights
    assert "ckpt-2.json" in removed
    monkeypatch.undo()
    with strategy.scope():
        restored = build_gan()
    state = CrashSafeCheckpoint(str(tmp_path)).restore(restored)
    assert state.global_step == 2 and state.reason == "request"
    assert float(restored.g_optimizer.dynamic_scale.numpy()) == 1234.0
    assert_same_state(state_arrays(restored), state_arrays(gan), "restored under the strategy")


# ------------------------------------------------------------ preemption
def test_request_stop_saves_at_the_next_step_and_stops(tmp_path):
    checkpoint = CrashSafeCheckpoint(str(tmp_path), save_every_steps=100)

    class StopAt(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if checkpoint.global_step == 4:  # arrives during step 5
                checkpoint.request_stop("SIGTERM")

    gan = build_gan()
    resume_fit(gan, stream, EPOCHS, STEPS, callbacks=[StopAt(), checkpoint], verbose=0)
    assert checkpoint.preempted and checkpoint.state.preempted
    assert checkpoint.global_step == 5 and int(gan.step_counter.numpy()) == 5
    state = CrashSafeCheckpoint(str(tmp_path)).restore(build_gan())
    assert (state.global_step, state.epoch, state.step_in_epoch) == (5, 1, 2)
    assert state.reason == "preemption"
    assert len(state.history["d_loss"]) == 1  # the partial epoch is not recorded as done
    message = checkpoint.preemption_message()
    assert "SIGTERM at global step 5" in message and "ckpt-5.json" in message
    assert "Run the same command again" in message


def test_the_preemption_handler_catches_sigterm_and_restores_the_previous_one():
    calls = []
    previous = signal.signal(signal.SIGTERM, lambda *args: calls.append(args[0]))
    try:
        checkpoint = CrashSafeCheckpoint("unused")
        with checkpoint.install_preemption_handler():
            os.kill(os.getpid(), signal.SIGTERM)
            deadline = time.monotonic() + 5
            while not checkpoint.stop_requested and time.monotonic() < deadline:
                time.sleep(0.01)
            assert checkpoint.stop_requested and calls == []
        os.kill(os.getpid(), signal.SIGTERM)  # the old handler is back
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert calls == [signal.SIGTERM]

        # A second signal while stopping goes to the previous handler (a stuck run still ends).
        handler = CrashSafeCheckpoint("unused").install_preemption_handler()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert calls == [signal.SIGTERM] * 2
        assert signal.getsignal(signal.SIGTERM) is not handler._handle
        handler.uninstall()
    finally:
        signal.signal(signal.SIGTERM, previous)


# -------------------------------------------------------------- multi-worker
@pytest.mark.parametrize("tf_config, chief", [
    (None, True),
    ({"cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"]},
      "task": {"type": "chief", "index": 0}}, True),
    ({"cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"]},
      "task": {"type": "worker", "index": 0}}, False),
    ({"cluster": {"worker": ["b:2", "c:3"]}, "task": {"type": "worker", "index": 0}}, True),
    ({"cluster": {"worker": ["b:2", "c:3"]}, "task": {"type": "worker", "index": 1}}, False),
    ({"cluster": {"worker": ["b:2"], "evaluator": ["e:4"]},
      "task": {"type": "evaluator", "index": 0}}, False),
])
def test_is_chief_reads_tf_config(monkeypatch, tf_config, chief):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert is_chief(tf_config=tf_config or {}) is chief
    if tf_config is not None:
        assert is_chief(tf_config=json.dumps(tf_config)) is chief
        monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert is_chief() is chief  # outside any strategy scope: the environment decides
    # A single-process strategy is its own chief whatever TF_CONFIG says.
    assert is_chief(tf.distribute.get_strategy()) is True


def test_is_chief_refuses_a_cluster_without_a_task():
    with pytest.raises(ValueError, match="cluster but no task"):
        is_chief(tf_config={"cluster": {"worker": ["a:1", "b:2"]}})


def test_a_worker_that_is_not_the_chief_writes_only_to_a_temporary_folder(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(checkpoint_module, "is_chief", lambda strategy=None: False)
    made = []
    real_scratch_dir = checkpoint_module.worker_scratch_dir

    def worker_scratch_dir(kind):
        made.append(real_scratch_dir(kind, root=str(tmp_path / "tmp")))
        return made[-1]

    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(checkpoint_module, "worker_scratch_dir", worker_scratch_dir)
    checkpoint = CrashSafeCheckpoint(str(tmp_path / "shared"), save_every_steps=1)
    build_gan().fit(stream(0), epochs=1, steps_per_epoch=2, shuffle=False, verbose=0,
                    callbacks=[checkpoint])
    assert checkpoint.state.global_step == 2 and len(made) == 2  # saved at steps 1 and 2
    assert not (tmp_path / "shared").exists()
    assert os.listdir(tmp_path / "tmp") == []  # every temporary folder deleted


# ---------------------------------------------------------- real processes
_FIT_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    import keras, numpy as np
    from kerasgan.callbacks import CrashSafeCheckpoint, resume_fit
    from tests.callbacks.test_checkpoint import EPOCHS, STEPS, build_gan, state_arrays, stream

    directory, out, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sys.stdin.readline()  # started ahead (imports done); the test says when to go on

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print("step", int(self.model.step_counter.numpy()), flush=True)
            time.sleep(delay)  # a signal arriving now is handled at this step's end

    gan = build_gan()
    checkpoint = CrashSafeCheckpoint(directory, save_every_steps=2, keep=2)
    state = checkpoint.restore(gan)
    print("restored", state.global_step if state else 0, flush=True)
    with checkpoint.install_preemption_handler():
        history = resume_fit(gan, stream, EPOCHS, STEPS, callbacks=[Progress(), checkpoint],
                             state=state, verbose=0)
    if checkpoint.preempted:
        print(checkpoint.preemption_message(), flush=True)
        print("preempted", checkpoint.state.global_step, flush=True)
    else:
        np.savez(out + ".tmp.npz", *state_arrays(gan))
        with open(out + ".json", "w") as f:
            json.dump({"epoch": history.epoch, "history": history.history}, f)
        os.replace(out + ".tmp.npz", out)
        print("done", checkpoint.global_step, flush=True)
    os._exit(0)  # skips TensorFlow's slow teardown; everything is written and flushed
    """
)


class Child:
    """One run of the fit script; its output goes to files (no pipe to fill).

    It imports TensorFlow at once and waits for `go()` before it looks at the
    checkpoint folder, so the next run can start while the previous one works.
    """

    def __init__(self, workdir, name, directory, out, delay, pause=None):
        self.name = name
        self.log = workdir / f"{name}.out"
        self.err = workdir / f"{name}.err"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [REPO_ROOT, os.environ.get("PYTHONPATH", "")]), TF_CPP_MIN_LOG_LEVEL="3")
        env.pop(checkpoint_module.PAUSE_ENV, None)
        if pause:
            env[checkpoint_module.PAUSE_ENV] = pause
        with open(self.log, "w") as stdout, open(self.err, "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, str(workdir / "fit.py"), str(directory), str(out), str(delay)],
                stdin=subprocess.PIPE, stdout=stdout, stderr=stderr, env=env, cwd=REPO_ROOT)

    def go(self):
        self.process.stdin.write(b"go\n")
        self.process.stdin.close()

    def output(self):
        return self.log.read_text()

    def describe(self):
        return (f"{self.name} (exit {self.process.poll()}):\n{self.output()}\n"
                f"{self.err.read_text()[-3000:]}")

    def wait_for(self, condition, timeout=PROCESS_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"{self.describe()}\nexited before the expected moment")
            time.sleep(0.02)
        pytest.fail(f"{self.describe()}\ntimed out after {timeout} s")

    def finish(self, timeout=PROCESS_TIMEOUT):
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.describe()}\ndid not finish in {timeout} s")
        return self.process.returncode

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        if sig == signal.SIGKILL:
            self.process.wait(30)
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def restored_step(self):
        for line in self.output().splitlines():
            if line.startswith("restored "):
                return int(line.split()[1])
        return None


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("processes")
    (path / "fit.py").write_text(_FIT_SCRIPT)
    return path


def _torn(directory, stage):
    """Whether the folder shows a write interrupted at `stage` (what the next run meets)."""
    names = os.listdir(directory)
    metadata = {n for n in names if re.fullmatch(r"ckpt-\d+\.json", n)}
    if stage == "weights":
        return any(re.fullmatch(r"ckpt-\d+\.weights\.h5\..+\.tmp", n) for n in names)
    if stage == "metadata":
        return any(re.fullmatch(r"ckpt-\d+\.json\..+\.tmp", n) for n in names)
    if stage == "manifest":
        latest = json.loads((directory / "checkpoint.json").read_text())["latest"]
        newest = max(metadata, key=lambda n: int(n[5:-5]))
        return latest != newest and any(n.startswith("checkpoint.json.") for n in names)
    # cleanup: an old checkpoint's metadata deleted, its weights not yet
    return any(n.replace(".weights.h5", ".json") not in metadata
               for n in names if n.endswith(".weights.h5"))


def _final_arrays(out):
    with np.load(out) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


@pytest.mark.heavy
def test_kill_drill_every_rerun_resumes_and_ends_with_the_uninterrupted_weights(
        workdir, in_process_reference):
    directory, out = workdir / "drill-ckpt", workdir / "drill.npz"
    rng = random.Random(17)
    plan = ["random", "weights", "metadata", "manifest", "cleanup", "random", "final"]
    children, restored, notes = [], [], []

    def spawn(index):
        stage = plan[index]
        pause = None if stage in ("random", "final") else stage
        children.append(Child(workdir, f"drill-{index}-{stage}", directory, out,
                              delay=0.0 if stage == "final" else STEP_DELAY, pause=pause))
        return children[-1]

    try:
        pending = spawn(0)
        for index, stage in enumerate(plan[:-1]):
            child = pending
            child.go()
            pending = spawn(index + 1)  # imports while this one runs
            if stage == "random":  # at a random step, at a random moment of it
                child.wait_for(lambda c=child: c.restored_step() is not None)
                start = child.restored_step()
                assert start < EPOCHS * STEPS - 1, (child.describe(), notes)
                last = min(start + 3, EPOCHS * STEPS - 1)  # within the next three steps
                step, delay = rng.randint(start + 1, last), rng.uniform(0, STEP_DELAY)
                child.wait_for(lambda c=child, s=step: f"step {s}" in c.output().splitlines())
                time.sleep(delay)
                notes.append(f"random: {delay:.2f} s after step {step}")
            else:
                marker = directory / f".paused-{stage}"
                child.wait_for(marker.exists)
                marker.unlink()
                notes.append(f"{stage} (run restored from {child.restored_step()})")
            assert child.process.poll() is None, f"{child.describe()}\nended before its kill"
            child.kill()
            restored.append(child.restored_step())
            if stage != "random":
                assert _torn(directory, stage), (stage, sorted(os.listdir(directory)))

        final = pending
        final.go()
        assert final.finish() == 0, final.describe()
        restored.append(final.restored_step())
    finally:
        for child in children:
            child.kill()
    assert "done 12" in final.output(), final.describe()
    assert None not in restored and restored == sorted(restored), (restored, notes)
    assert restored[-1] > 0, (restored, notes)
    reference, reference_history = in_process_reference
    assert_same_state(_final_arrays(out), reference,
                      f"after kills {notes} (restored from steps {restored})")
    history = json.loads((workdir / "drill.npz.json").read_text())
    assert history == {"epoch": list(range(EPOCHS)), "history": reference_history}, notes
    assert not [n for n in os.listdir(directory) if n.endswith((".tmp", ".corrupt"))]


def test_sigterm_saves_at_the_next_step_exits_cleanly_and_the_rerun_finishes(
        workdir, in_process_reference):
    directory, out = workdir / "sigterm-ckpt", workdir / "sigterm.npz"
    children = []
    try:
        first = Child(workdir, "sigterm-first", directory, out, delay=STEP_DELAY)
        second = Child(workdir, "sigterm-second", directory, out, delay=0.0)
        children += [first, second]
        first.go()
        first.wait_for((directory / "ckpt-2.json").exists)
        first.kill(signal.SIGTERM)
        assert first.finish() == 0, first.describe()
        lines = first.output().splitlines()
        stopped = [int(line.split()[1]) for line in lines if line.startswith("preempted ")]
        assert stopped and 2 <= stopped[0] < EPOCHS * STEPS, first.describe()
        assert any("stopped on SIGTERM" in line and "Run the same command again" in line
                   for line in lines), first.describe()
        metadata = json.loads((directory / f"ckpt-{stopped[0]}.json").read_text())
        assert metadata["reason"] == "preemption"
        assert json.loads((directory / "checkpoint.json").read_text())["latest"] == \
            f"ckpt-{stopped[0]}.json"

        second.go()
        assert second.finish() == 0, second.describe()
        assert second.restored_step() == stopped[0], second.describe()
        assert "done 12" in second.output(), second.describe()
    finally:
        for child in children:
            child.kill()
    reference, reference_history = in_process_reference
    assert_same_state(_final_arrays(out), reference, "after SIGTERM and rerun")
    history = json.loads((workdir / "sigterm.npz.json").read_text())
    assert history == {"epoch": list(range(EPOCHS)), "history": reference_history}
