"""Kill drill of `kerasgan train`: SIGKILL at chosen moments (inside every checkpoint file's
write, inside `run.json` and the model files' writes, between saves) and SIGTERM, each
followed by the same command again; the run always finishes with exactly the weights and
history of the uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from kerasgan.cli import main
from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.heavy

SIZE = ["--image-size", "32", "--base-filters", "4", "--latent-dim", "8"]
# 2 epochs of 3 steps (less than the 8 batches of a pass), a checkpoint every 2 steps.
RUN = ["--epochs", "2", "--steps-per-epoch", "3", "--num-examples", "64", "--batch-size", "8",
       "--save-every-steps", "2", "--no-tensorboard", "--seed", "3"]
PAUSE = "KERASGAN_TEST_CHECKPOINT_PAUSE"
# (how to stop the run, what to wait for). Checkpoint stages take ':<global step>'.
DRILLS = {
    "dcgan": [
        ("kill", "weights:2"),     # the first checkpoint's weights half written
        ("kill", "run"),           # run.json half written at the start of the rerun
        ("kill", "metadata:4"),    # a checkpoint's metadata half written
        ("term", "manifest:4"),    # SIGTERM while step 4 is saved: save at the next step, exit
        ("kill", "manifest:6"),    # the manifest of the last checkpoint half written
        ("kill", "model"),         # model.keras half written at the very end
    ],
    "wgan_gp": [
        ("kill", "checkpoint:2"),  # between two saves
        ("kill", "cleanup:4"),     # an old checkpoint half deleted
        ("kill", "weights:6"),     # the last checkpoint's weights half written
        ("kill", "model"),         # checkpoint.keras half written at the last epoch's end
    ],
}


def _command(recipe, out):
    return [sys.executable, "-m", "kerasgan.cli", "train", recipe, *SIZE, *RUN, "--out", out]


def _env(pause=None, seconds=120):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO_ROOT, os.environ.get(
        "PYTHONPATH", "")]), KERASGAN_TEST_CHECKPOINT_PAUSE_SECONDS=str(seconds))
    env.pop(PAUSE, None)
    if pause:
        env[PAUSE] = pause
    return env


def _latest_step(out):
    try:
        with open(os.path.join(out, "checkpoints", "checkpoint.json")) as f:
            return int(json.load(f)["latest"].split("-")[1].split(".")[0])
    except (OSError, ValueError, KeyError, IndexError):
        return -1


def _interrupt(recipe, out, how, when, timeout=180):
    """Starts the run and stops it as `how`/`when` say; returns its exit code and output."""
    stage, _, step = when.partition(":")
    pause = None if stage == "checkpoint" else when
    # A SIGTERM lands while the write pauses for 2 s; the run then goes on to the next step.
    seconds = 2 if how == "term" else 120
    proc = subprocess.Popen(_command(recipe, out), env=_env(pause, seconds),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    folder = os.path.join(out, "checkpoints") if stage in (
        "weights", "metadata", "manifest", "cleanup") else out
    marker = os.path.join(folder, f".paused-{stage}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if stage == "checkpoint" and _latest_step(out) >= int(step):
                break
            if stage != "checkpoint" and os.path.exists(marker):
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"{recipe} {when}: the run ended before the kill point:\n" \
                                    f"{proc.communicate()[0][-2000:]}"
        assert time.monotonic() < deadline, f"{recipe} {when}: kill point not reached"
        proc.send_signal(signal.SIGTERM if how == "term" else signal.SIGKILL)
        output, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if os.path.exists(marker):
        os.remove(marker)
    return proc.returncode, output


def _weights(path):
    model = keras.saving.load_model(path)
    return [np.asarray(v) for v in model.weights], model


@pytest.mark.parametrize("recipe", sorted(DRILLS))
def test_killed_runs_resume_to_the_uninterrupted_weights(recipe, tmp_path, capsys):
    reference = str(tmp_path / "reference")
    assert main(["train", recipe, *SIZE, *RUN, "--out", reference]) == 0
    expected, expected_model = _weights(os.path.join(reference, "model.keras"))
    with open(os.path.join(reference, "history.json")) as f:
        expected_history = json.load(f)
    assert int(expected_model.step_counter.numpy()) == 6

    out = str(tmp_path / "drilled")
    for how, when in DRILLS[recipe]:
        code, output = _interrupt(recipe, out, how, when)
        if how == "term":
            assert code == 0, output[-2000:]
            assert "Resume with the same command" in output, output[-2000:]
        else:
            assert code == -signal.SIGKILL, (when, code, output[-2000:])
        leftovers = [name for name in os.listdir(out) if name.endswith(".tmp")]
        assert not leftovers or how == "kill", leftovers
    finish = subprocess.run(_command(recipe, out), env=_env(), capture_output=True, text=True,
                            timeout=300)
    assert finish.returncode == 0, finish.stdout[-2000:] + finish.stderr[-2000:]
    assert "Resuming" in finish.stdout
    received, model = _weights(os.path.join(out, "model.keras"))
    assert len(received) == len(expected)
    for a, b, variable in zip(received, expected, model.weights):
        assert np.array_equal(a, b), f"{recipe}: {variable.path} differs after the drill"
    with open(os.path.join(out, "history.json")) as f:
        history = json.load(f)
    assert history == expected_history  # every epoch once, equal values
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["epochs_done"] == 2
    # Nothing half written is left; checkpoint.keras loads.
    assert not [n for n in os.listdir(out) if n.endswith(".tmp") or n.startswith(".paused")]
    keras.saving.load_model(os.path.join(out, "checkpoint.keras"))
    # Running again trains nothing more (in this process: it stops before building a model).
    capsys.readouterr()
    assert main(_command(recipe, out)[3:]) == 0
    assert "already holds 2 trained epochs" in capsys.readouterr().out
