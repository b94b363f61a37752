"""Multi-worker training for real: worker processes on 127.0.0.1, each with its own TF_CONFIG.

- parity: 2 workers x 1 replica train the weights (every variable of the training state:
  networks, optimizers, step counter) and history of one process on the same global batches,
  for DCGAN, for pix2pix with dropout and for a Progressive GAN growing through three
  resolutions with a batch size that changes;
- the chief alone writes the run folder: a non-chief given another --out writes nothing there,
  and leaves no temporary files;
- a SIGKILLed worker: both restarted with the same commands resume from the chief's
  checkpoint and finish with the weights and history of an uninterrupted run;
- a bad TF_CONFIG is a clear error naming it.

Each run is `kerasgan train` through `tests/multiworker_worker.py`; every process is killed
and every temporary file removed in `finally` (pytest's tmp_path).
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from kerasgan.cli import main
from kerasgan.distribute import local_cluster
from tests.multiworker_worker import Cluster, latest_checkpoint, worker_env

pytestmark = pytest.mark.heavy

ATOL = 1e-5  # as the replica-parity checks: float32 summation order across replicas
TIMEOUT = 150  # seconds for one run of the tiny models (a few seconds when nothing hangs)
PAUSE = "KERASGAN_TEST_CHECKPOINT_PAUSE"
COMMON = ("--sample-every", "100", "--no-tensorboard")
# 64 examples in global batches of 16: 4 steps per epoch, 8 steps, checkpoints at 2, 4, 6, 8.
DCGAN = ("train", "dcgan", "--image-size", "16", "--base-filters", "4", "--batch-size", "16",
         "--num-examples", "64", "--epochs", "2", "--save-every-steps", "2", *COMMON)
# 64 px is the smallest U-Net with a dropout level; 3 steps of global batches of 4.
PIX2PIX = ("train", "pix2pix", "--image-size", "64", "--base-filters", "4", "--d-layers", "2",
           "--batch-size", "4", "--num-examples", "12", "--epochs", "1", *COMMON)
# Grown 4 -> 8 -> 16 with the global batch 8 for steps 0-2, then 4 (2 per worker); no minibatch
# stddev, whose groups are per replica.
PROGAN = ("train", "progan", "--image-size", "16", "--fmap-base", "32", "--fmap-max", "8",
          "--mbstd-group-size", "0", "--stabilize-kimg", "0.016", "--fade-kimg", "0.016",
          "--batch-sizes", "4:8,8:4,16:4", "--minibatch-repeats", "1", "--num-examples", "32",
          "--steps-per-epoch", "6", "--epochs", "2", "--save-every-steps", "2", *COMMON)
RUNS = {"dcgan": DCGAN, "pix2pix": PIX2PIX, "progan": PROGAN}


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """Single-process runs of each command (both at once), by name: their run folders."""
    root = tmp_path_factory.mktemp("single")
    folders = {name: str(root / name) for name in RUNS}
    with Cluster(root) as cluster:
        for name, command in RUNS.items():
            cluster.start([*command, "--strategy", "none", "--out", folders[name]],
                          worker_env(tmpdir=root), name)
        codes = cluster.wait(TIMEOUT)
        assert codes == [0] * len(RUNS), [cluster.output(p)[-2000:] for p in cluster.procs]
    return folders


def _start_workers(cluster, command, outs, tmpdirs, extra_env=None):
    configs = local_cluster(len(outs))
    return [cluster.start([*command, "--strategy", "multiworker", "--out", out],
                          worker_env(config, tmpdir, **(extra_env or {}).get(index, {})),
                          f"worker{index}-{len(cluster.procs)}")
            for index, (config, out, tmpdir) in enumerate(zip(configs, outs, tmpdirs))]


def _assert_same_state(folder, reference, what, num_replicas=2):
    """The newest checkpoints hold the same step, variables and values, and the histories
    agree. Every variable of the model and its optimizers is compared within ATOL, relative
    to the value where it is above 1 (Adam's moments of biases summed over many pixels); the
    metrics' running sums, which a multi-worker checkpoint holds summed over the replicas,
    are compared per replica."""
    meta, arrays = latest_checkpoint(folder)
    ref_meta, ref_arrays = latest_checkpoint(reference)
    assert meta["global_step"] == ref_meta["global_step"], what
    paths = [(v["group"], v["path"]) for v in meta["variables"]]
    assert paths == [(v["group"], v["path"]) for v in ref_meta["variables"]], what
    strict = [i for i, (group, _) in enumerate(paths) if group != "metrics"]
    assert len(strict) > 20, f"{what}: only {len(strict)} variables compared"
    worst = (0.0, "")
    for i, (group, path) in enumerate(paths):
        value = arrays[i].astype(np.float64)
        if group == "metrics":
            value = value / num_replicas
        if value.size:
            error = np.abs(value - ref_arrays[i]) / np.maximum(1.0, np.abs(ref_arrays[i]))
            worst = max(worst, (float(error.max()), f"{group} {path}"))
    assert worst[0] <= ATOL, f"{what}: max difference {worst[0]:.3g} at {worst[1]}"
    history, ref_history = (_read_json(os.path.join(f, "history.json"))
                            for f in (folder, reference))
    assert history.keys() == ref_history.keys(), what
    for key, values in history.items():
        np.testing.assert_allclose(values, ref_history[key], atol=ATOL, err_msg=f"{what}: {key}")
    return history


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def _ours(tmpdirs):
    """kerasgan's temporary folders in each worker's TMPDIR (TensorFlow's own files aside)."""
    return [sorted(n for n in os.listdir(d) if n.startswith("kerasgan-")) for d in tmpdirs]


def _files(folder):
    return sorted(os.path.relpath(os.path.join(d, n), folder)
                  for d, _, names in os.walk(folder) for n in names)


@pytest.mark.parametrize("name", list(RUNS))
def test_two_workers_train_the_weights_of_one_process(references, tmp_path, name):
    chief_out, other_out = str(tmp_path / "run"), str(tmp_path / "worker1-out")
    tmpdirs = [tmp_path / "tmp0", tmp_path / "tmp1"]
    for tmpdir in tmpdirs:
        tmpdir.mkdir()
    with Cluster(tmp_path) as cluster:
        procs = _start_workers(cluster, RUNS[name], [chief_out, other_out], tmpdirs)
        codes = cluster.wait(TIMEOUT)
        assert codes == [0, 0], [cluster.output(p)[-2000:] for p in procs]
        assert f"the chief wrote the trained model and sample grids to {other_out}" in (
            cluster.output(procs[1]))
    history = _assert_same_state(chief_out, references[name], f"{name}: 2 workers vs 1 process")
    epochs = _read_json(os.path.join(references[name], "run.json"))["epochs_done"]
    assert epochs == {"dcgan": 2, "pix2pix": 1, "progan": 2}[name]
    assert all(len(values) == epochs for values in history.values()), history
    # The chief wrote what one process writes; the other worker nothing, and no temporaries.
    assert _files(chief_out) == _files(references[name])
    assert not os.path.exists(other_out)
    assert _ours(tmpdirs) == [[], []]
    assert _read_json(os.path.join(chief_out, "run.json"))["epochs_done"] == epochs
    if name != "dcgan":
        return
    # Resuming needs every worker to read the chief's checkpoints: the worker whose --out
    # holds none finds that out on every worker, by name, instead of hanging or diverging.
    with Cluster(tmp_path) as cluster:
        procs = _start_workers(cluster, (*RUNS[name], "--epochs", "3"), [chief_out, other_out],
                               tmpdirs)
        assert cluster.wait(TIMEOUT) == [2, 2]
        for proc in procs:
            assert ("The workers restored different checkpoints" in cluster.output(proc)
                    and "global step by replica: 8, none" in cluster.output(proc)
                    and "shared file system" in cluster.output(proc)), cluster.output(proc)
    assert latest_checkpoint(chief_out)[0]["global_step"] == 8


def test_a_killed_worker_resumes_from_the_chiefs_checkpoint(references, tmp_path):
    out = str(tmp_path / "run")
    tmpdirs = [tmp_path / "tmp0", tmp_path / "tmp1"]
    for tmpdir in tmpdirs:
        tmpdir.mkdir()
    marker = os.path.join(out, "checkpoints", ".paused-cleanup")
    with Cluster(tmp_path) as cluster:
        # The chief pauses once checkpoint 6 (mid second epoch) is complete, while it deletes
        # checkpoint 2; then one worker is SIGKILLed, and the other, stuck on the collective
        # or asleep, is killed too.
        chief, other = _start_workers(
            cluster, DCGAN, [out, out], tmpdirs,
            {0: {PAUSE: "cleanup:6", f"{PAUSE}_SECONDS": "120"}})
        for _ in range(int(TIMEOUT / 0.2)):
            if os.path.exists(marker) or chief.poll() is not None or other.poll() is not None:
                break
            time.sleep(0.2)
        assert os.path.exists(marker), cluster.output(chief)[-2000:]
        cluster.kill(other)
        cluster.kill(chief)
        assert latest_checkpoint(out)[0]["global_step"] == 6
        assert not os.path.exists(os.path.join(out, "history.json"))
        left = _ours(tmpdirs)  # what a SIGKILLed process could not remove

        restarted = _start_workers(cluster, DCGAN, [out, out], tmpdirs)
        for proc in restarted:
            proc.wait(TIMEOUT)
        assert [p.returncode for p in restarted] == [0, 0], [
            cluster.output(p)[-2000:] for p in restarted]
        assert "global step 6" in cluster.output(restarted[0])
    history = _assert_same_state(out, references["dcgan"], "killed and resumed vs 1 process")
    assert all(len(values) == 2 for values in history.values())  # both epochs
    assert _read_json(os.path.join(out, "run.json"))["epochs_done"] == 2
    # The SIGKILLed non-chief left its scratch folder; the restarted one removed it (its
    # process is gone) and its own.
    assert left[0] == [] and len(left[1]) == 1 and left[1][0].startswith("kerasgan-worker-")
    assert _ours(tmpdirs) == [[], []]


@pytest.mark.parametrize("tf_config, problem", [
    (None, "It is not set"),
    ("{not json", "is not valid JSON"),
    ({"task": {"type": "worker", "index": 0}}, 'has no "cluster"'),
    ({"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker",
                                                                       "index": 2}},
     "task index 2 is out of range: the cluster has 2 'worker' tasks (indices 0 to 1)"),
])
def test_a_bad_tf_config_is_a_clear_error(tmp_path, monkeypatch, capsys, tf_config, problem):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config if isinstance(tf_config, str)
                           else json.dumps(tf_config))
    out = tmp_path / "run"
    code = main([*DCGAN, "--strategy", "multiworker", "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2
    assert "--strategy multiworker" in error and "TF_CONFIG" in error and problem in error
    assert not out.exists()


def test_scratch_folders_of_dead_workers_are_removed_and_nothing_else(tmp_path):
    from kerasgan.distribute import remove_stale_scratch_dirs, worker_scratch_dir

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = int(finished.stdout)
    stale = tmp_path / f"kerasgan-worker-{dead}-x1y2"
    (stale / "samples").mkdir(parents=True)
    (stale / "samples" / "epoch_001.png").write_bytes(b"png")
    alive = tmp_path / f"kerasgan-checkpoint-{os.getpid()}-abc"
    alive.mkdir()
    other = tmp_path / f"kerasgan-worker-{dead}"  # not a scratch name: kept
    other.mkdir()
    (tmp_path / "notes.txt").write_text("kept")
    new = worker_scratch_dir("worker", str(tmp_path))  # removes the dead worker's folder
    assert os.path.basename(new).startswith(f"kerasgan-worker-{os.getpid()}-")
    assert sorted(os.listdir(tmp_path)) == sorted(
        [alive.name, other.name, "notes.txt", os.path.basename(new)])
    assert remove_stale_scratch_dirs(str(tmp_path)) == []
    with pytest.raises(ValueError, match=r"Received: kind='../x'"):
        worker_scratch_dir("../x", str(tmp_path))
