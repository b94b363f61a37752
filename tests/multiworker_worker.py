"""One worker of a multi-worker test run, and the helpers that start and stop a cluster of them.

`python -m tests.multiworker_worker ARGS...` runs `kerasgan ARGS...` (the CLI) in
this process with one intra-op thread, so that two workers on a 2-core machine do
not each spread over both cores; `TF_CONFIG` comes from the environment, as for
any worker. The helpers start N such processes on 127.0.0.1 (each with its own
`TF_CONFIG` from `kerasgan.distribute.local_cluster`), wait for them with a
deadline and always kill what is still running.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker_env(tf_config=None, tmpdir=None, **extra):
    """The environment of a worker process: this checkout importable, `TF_CONFIG` set (or
    removed), temporary files under `tmpdir`, plus `extra` variables."""
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH"))
                                          if p))
    for name in ("TF_CONFIG", "KERASGAN_TEST_CHECKPOINT_PAUSE"):
        env.pop(name, None)
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    if tmpdir is not None:
        env["TMPDIR"] = os.fspath(tmpdir)
    env.update({name: str(value) for name, value in extra.items()})
    return env


class Cluster:
    """Worker processes started together; `stop()` (also on `with` exit) kills the living."""

    def __init__(self, log_dir):
        self.log_dir = os.fspath(log_dir)
        self.procs = []
        self.logs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self, argv, env, name):
        log = os.path.join(self.log_dir, f"{name}.log")
        with open(log, "w") as f:
            proc = subprocess.Popen([sys.executable, "-m", "tests.multiworker_worker", *argv],
                                    env=env, stdout=f, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                                    start_new_session=True)
        self.procs.append(proc)
        self.logs.append(log)
        return proc

    def output(self, proc):
        with open(self.logs[self.procs.index(proc)]) as f:
            return f.read()

    def wait(self, timeout):
        """Every process's exit code; kills them all and fails if any outlives `timeout`."""
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stop()
                raise AssertionError(f"worker {proc.args[3:]} still running after {timeout} s:"
                                     f"\n{self.output(proc)[-3000:]}") from None
        return [proc.returncode for proc in self.procs]

    def kill(self, proc):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session, started above
        proc.wait(30)

    def stop(self):
        for proc in self.procs:
            # Already gone, or unkillable within the wait: nothing more to do here.
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(proc)


def latest_checkpoint(run_folder):
    """(variable paths, arrays) of the newest checkpoint a run folder holds."""
    directory = os.path.join(run_folder, "checkpoints")
    with open(os.path.join(directory, "checkpoint.json")) as f:
        name = json.load(f)["latest"]
    with open(os.path.join(directory, name)) as f:
        metadata = json.load(f)
    with h5py.File(os.path.join(directory, metadata["weights"]["file"]), "r") as f:
        arrays = [np.array(f[key]) for key in sorted(f.keys())]
    return metadata, arrays


def main(argv):
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(2)
    from kerasgan.cli import main as kerasgan_main

    return kerasgan_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
