"""Training on several machines: `MultiWorkerMirroredStrategy` configured by `TF_CONFIG`.

Every worker of a multi-worker run is a separate process started with the
same command and its own `TF_CONFIG` environment variable: a JSON object
naming every worker of the cluster (`"cluster"`) and which of them this
process is (`"task"`)::

    {"cluster": {"worker": ["host0:12345", "host1:12345"]},
     "task": {"type": "worker", "index": 0}}

Worker 0 is the chief (see `kerasgan.callbacks.checkpoint.is_chief`): it
alone writes the run's files. Each worker holds a full copy of the model;
each step, the **global** batch is split evenly over all replicas of all
workers and the gradients are summed over them, so N workers train exactly
as one process would on the same global batches.

- `read_tf_config()` reads and checks `TF_CONFIG` (clear errors).
- `multi_worker_strategy()` builds the strategy from it.
- `local_cluster(n)` writes the `TF_CONFIG` of `n` workers on this machine
  (127.0.0.1 with free ports): for tests and for trying it out.
- `check_global_batch(batch_size, strategy)` checks that the global batch
  splits evenly over the replicas.
- `worker_scratch_dir(kind)` makes the temporary folder a non-chief worker
  writes its copies into, first removing the ones left by dead workers.
"""

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile

ENVIRONMENT_VARIABLE = "TF_CONFIG"
TASK_TYPES = ("chief", "worker")
_EXPECTED = ('a JSON object such as {"cluster": {"worker": ["host0:port", "host1:port"]}, '
             '"task": {"type": "worker", "index": 0}}')


class ClusterConfigError(ValueError):
    """`TF_CONFIG` is missing or does not describe a multi-worker cluster."""


def read_tf_config(tf_config=None):
    """The checked `TF_CONFIG` of this process, as a dict.

    Args:
        tf_config: a dict or JSON string to check instead of the
            `TF_CONFIG` environment variable.

    Returns:
        `{"cluster": {...}, "task": {"type": ..., "index": ...}}`.

    Raises:
        ClusterConfigError: `TF_CONFIG` is unset or empty, is not JSON, has
            no `cluster` (or an empty one), no `task`, a task type that is not
            in the cluster, or a task index out of range. The message names
            `TF_CONFIG`, quotes the value and shows what is expected.

    Examples:

    >>> config = read_tf_config({"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},
    ...                          "task": {"type": "worker", "index": 1}})
    >>> config["task"]
    {'type': 'worker', 'index': 1}
    >>> bad = {"cluster": {"worker": ["127.0.0.1:2222"]}, "task": {"type": "worker", "index": 3}}
    >>> try:
    ...     read_tf_config(bad)
    ... except ClusterConfigError as error:
    ...     print(str(error).split(". Received")[0])
    TF_CONFIG: task index 3 is out of range: the cluster has 1 'worker' task (indices 0 to 0)
    """
    source = tf_config if tf_config is not None else os.environ.get(ENVIRONMENT_VARIABLE, "")
    shown = source if isinstance(source, str) else json.dumps(source)

    def fail(problem):
        raise ClusterConfigError(f"{ENVIRONMENT_VARIABLE}: {problem}. Received: "
                                 f"{ENVIRONMENT_VARIABLE}={shown!r}")

    if isinstance(source, str):
        if not source.strip():
            raise ClusterConfigError(
                f"A multi-worker run needs the {ENVIRONMENT_VARIABLE} environment variable in "
                f"every worker process: {_EXPECTED}, with this worker's index. It is not set.")
        try:
            config = json.loads(source)
        except json.JSONDecodeError as error:
            fail(f"is not valid JSON ({error}); expected {_EXPECTED}")
    else:
        config = source
    if not isinstance(config, dict):
        fail(f"expected {_EXPECTED}")
    cluster = config.get("cluster")
    if not isinstance(cluster, dict) or not cluster:
        fail(f'has no "cluster" (the address of every worker); expected {_EXPECTED}')
    for task_type, addresses in cluster.items():
        if not isinstance(addresses, list) or not addresses or not all(
                isinstance(address, str) and address.rpartition(":")[2].isdigit()
                for address in addresses):
            fail(f'cluster[{task_type!r}] must be a non-empty list of "host:port" '
                 f"addresses, got {addresses!r}")
    task = config.get("task")
    if not isinstance(task, dict) or "type" not in task:
        fail(f'has no "task" (which worker this process is, e.g. '
             f'{{"type": "worker", "index": 0}}); expected {_EXPECTED}')
    task_type, index = task["type"], task.get("index", 0)
    if task_type not in cluster:
        fail(f"task type {task_type!r} is not in the cluster, which has {sorted(cluster)}")
    if task_type not in TASK_TYPES:
        fail(f"task type {task_type!r} does not train; a multi-worker run has tasks of "
             f"type {' or '.join(TASK_TYPES)}")
    count = len(cluster[task_type])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        fail(f"task index {index!r} is out of range: the cluster has {count} {task_type!r} "
             f"task{'s' if count > 1 else ''} (indices 0 to {count - 1})")
    return {"cluster": {k: list(v) for k, v in cluster.items()},
            "task": {"type": task_type, "index": index}}


def multi_worker_strategy(tf_config=None):
    """A `tf.distribute.MultiWorkerMirroredStrategy` for the cluster `TF_CONFIG` describes.

    `TF_CONFIG` is checked first (`read_tf_config`), so a missing or malformed
    value fails at once with a clear error instead of inside TensorFlow.
    Creating the strategy starts this worker's server and waits for every
    worker of the cluster to start: start all of them.

    Args:
        tf_config: a dict or JSON string used instead of the environment
            variable (it is then also set in `os.environ`, which TensorFlow
            reads).

    Returns:
        The strategy (one replica per local device; `num_replicas_in_sync`
        counts the replicas of every worker).
    """
    config = read_tf_config(tf_config)
    if tf_config is not None:
        os.environ[ENVIRONMENT_VARIABLE] = json.dumps(config)
    import tensorflow as tf

    return tf.distribute.MultiWorkerMirroredStrategy()


def is_multi_worker(strategy):
    """Whether `strategy` spans several worker processes (a collective multi-worker strategy)."""
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    resolver = strategy.cluster_resolver
    cluster = resolver.cluster_spec().as_dict() if resolver is not None else {}
    return sum(len(cluster.get(task_type, ())) for task_type in TASK_TYPES) > 1


def free_ports(count, host="127.0.0.1"):
    """`count` distinct TCP ports that are free on `host` now (the system picks them).

    Examples:

    >>> ports = free_ports(2)
    >>> len(set(ports)), all(1024 <= p < 65536 for p in ports)
    (2, True)
    """
    with contextlib.ExitStack() as stack:
        sockets = []
        for _ in range(count):  # all held open at once, so they differ
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]


def local_cluster(num_workers, host="127.0.0.1", ports=None):
    """The `TF_CONFIG` dicts of `num_workers` workers on one machine, one per worker.

    Give worker `i` the JSON of element `i` in its environment (`TF_CONFIG`);
    worker 0 is the chief.

    Args:
        num_workers: how many worker processes (at least 1).
        host: the address every worker listens on.
        ports: one port per worker (default: free ports picked now).

    Examples:

    >>> configs = local_cluster(2, ports=[23456, 23457])
    >>> configs[1]["cluster"], configs[1]["task"]
    ({'worker': ['127.0.0.1:23456', '127.0.0.1:23457']}, {'type': 'worker', 'index': 1})
    """
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise ValueError(f"`num_workers` must be a positive integer. Received: "
                         f"num_workers={num_workers!r}")
    ports = free_ports(num_workers, host) if ports is None else list(ports)
    if len(ports) != num_workers:
        raise ValueError(f"`ports` must hold one port per worker ({num_workers}). "
                         f"Received: ports={ports!r}")
    workers = [f"{host}:{port}" for port in ports]
    return [{"cluster": {"worker": list(workers)}, "task": {"type": "worker", "index": i}}
            for i in range(num_workers)]


def check_global_batch(batch_size, strategy):
    """The global batch size, checked to split evenly over the strategy's replicas.

    Every replica of every worker takes `batch_size / num_replicas_in_sync`
    examples of each global batch; the per-step random draws of the models
    (noise, dropout masks) are made for the global batch and sliced the same
    way, which needs equal slices.

    Examples:

    >>> import tensorflow as tf
    >>> check_global_batch(16, tf.distribute.get_strategy())
    16
    """
    replicas = strategy.num_replicas_in_sync
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1 or (
            batch_size % replicas):
        raise ValueError(
            f"The global batch size must be a positive multiple of the number of replicas "
            f"({replicas}: every replica of every worker takes an equal share). Received: "
            f"batch_size={batch_size!r}")
    return batch_size


_SCRATCH = re.compile(r"^kerasgan-(?P<kind>[a-z]+)-(?P<pid>[0-9]+)-[A-Za-z0-9_]+$")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_scratch_dirs(root=None):
    """Removes the scratch folders (`worker_scratch_dir`) of worker processes that are gone.

    A non-chief worker deletes its folder when it ends; one killed with SIGKILL
    cannot, so the next worker on the machine does. Only folders named as
    `worker_scratch_dir` names them, whose process id is not running, are
    removed. Returns their paths.
    """
    root = root or tempfile.gettempdir()
    removed = []
    for name in sorted(os.listdir(root)):
        match = _SCRATCH.match(name)
        path = os.path.join(root, name)
        if match and os.path.isdir(path) and not os.path.islink(path) and not _alive(
                int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def worker_scratch_dir(kind, root=None):
    """A new temporary folder for what a non-chief worker writes and then throws away.

    Named `kerasgan-<kind>-<process id>-<random>` under the system's temporary
    folder (or `root`), after removing the folders of dead workers
    (`remove_stale_scratch_dirs`). The caller deletes it when done.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> path = worker_scratch_dir("worker", root)
    >>> os.path.basename(path).startswith(f"kerasgan-worker-{os.getpid()}-")
    True
    >>> remove_stale_scratch_dirs(root)  # its process is alive: kept
    []
    """
    if not re.fullmatch(r"[a-z]+", kind):
        raise ValueError(f"`kind` must be lowercase letters. Received: kind={kind!r}")
    remove_stale_scratch_dirs(root)
    return tempfile.mkdtemp(prefix=f"kerasgan-{kind}-{os.getpid()}-", dir=root)
