"""Crash-safe checkpoints: atomic, verified saves, step-level resume and graceful preemption.

`CrashSafeCheckpoint` is a `keras.callbacks.Callback` that saves the whole
training state of a model every N steps, every T seconds, at every epoch end
and at the end of training, such that a process killed at *any* moment
(SIGKILL, power loss) leaves a directory from which the next run resumes
exactly: the same weights, optimizer state, step counter, data position and
history as if it had never stopped.

**What is saved.** Every variable of `model.variables` (networks, EMA copies,
`step_counter`, image pools, batch-norm statistics, seed states), the
variables of every optimizer the model holds as an attribute (`optimizer`,
`g_optimizer`, `d_optimizer`, ..., including a `LossScaleOptimizer`'s scale),
and the model's metric variables (the running means of the current epoch, so
that a resumed partial epoch reports the same logs as an uninterrupted one).
Keras 3.15's `model.save_weights` covers the optimizers held as attributes but
not the metrics; the file here is written directly, as a flat list, so it is
also checked variable by variable before anything is assigned.

**The format** (version 1). One checkpoint is a pair of files named by the
global step (the number of batches consumed so far):

```
directory/
  ckpt-12.weights.h5   one dataset per variable, "000000", "000001", ... in a
                       fixed order (the model's variables, each optimizer's,
                       the metrics'); non-numpy dtypes such as bfloat16 are
                       stored as their raw bytes
  ckpt-12.json         the metadata: format, version, global_step, epoch
                       (completed epochs), step_in_epoch, steps_per_epoch,
                       history (every finished epoch's logs), reason, the
                       variables' groups/paths/shapes/dtypes, and the weights
                       file's name, size and sha256; plus `checksum`, the
                       sha256 of the rest of the metadata
  checkpoint.json      the manifest: the newest complete checkpoint
                       ("latest": "ckpt-12.json") and those kept
```

A save writes the weights to a temporary file in the same folder, flushes and
fsyncs it, hashes it and renames it; then writes the metadata the same way
(it pins the weights by size and sha256, so the pair can never be mismatched:
the metadata *is* the unit's commit record); then atomically replaces the
manifest; the folder is fsynced after every rename. Older checkpoints beyond
the newest `keep` are deleted only after that (metadata first, so a half
deleted checkpoint is never taken for a complete one).

**Restore** lists the `ckpt-*.json` files, newest first, and takes the first
that verifies (metadata checksum, weights size and sha256, every variable's
shape and dtype). A torn or corrupt one is reported with a warning naming the
file and renamed to `<name>.corrupt`; temporary files of an interrupted save
and weights without metadata are removed. A checkpoint of a *different* model
(another variable count, shape or dtype) raises `CheckpointMismatchError`
naming the file and the difference: resuming another model's run is never
silent.

**Test-only pause hook.** With `KERASGAN_TEST_CHECKPOINT_PAUSE=<stage>` or
`<stage>:<global_step>` in the environment, the writer creates
`<directory>/.paused-<stage>` and sleeps `KERASGAN_TEST_CHECKPOINT_PAUSE_SECONDS`
(default 60) at that stage, so a kill drill can SIGKILL the process there:
`weights` (part of the weights temporary file written), `metadata` (part of
the metadata temporary file written), `manifest` (part of the manifest's
temporary file written), `cleanup` (an old checkpoint half deleted). It is for
tests only; never set it in a real run.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import math
import os
import re
import shutil
import signal
import time
import uuid
import warnings

import h5py
import keras
import numpy as np
import tensorflow as tf

from kerasgan.distribute import is_multi_worker, worker_scratch_dir

FORMAT = "kerasgan-checkpoint"
FORMAT_VERSION = 1
MANIFEST = "checkpoint.json"
PAUSE_ENV = "KERASGAN_TEST_CHECKPOINT_PAUSE"
PAUSE_SECONDS_ENV = "KERASGAN_TEST_CHECKPOINT_PAUSE_SECONDS"
PAUSE_STAGES = ("weights", "metadata", "manifest", "cleanup")
# Stages of the files `kerasgan train` writes beside the checkpoints (`test_pause`).
RUN_PAUSE_STAGES = ("model", "run")

_METADATA_NAME = re.compile(r"^ckpt-(\d+)\.json$")
_WEIGHTS_NAME = re.compile(r"^ckpt-(\d+)\.weights\.h5$")
_TEMPORARY_NAME = re.compile(r"^(ckpt-\d+\.(json|weights\.h5)|checkpoint\.json)\..+\.tmp$")
_NATIVE_KINDS = "biufc"
_logger = logging.getLogger(__name__)


class CheckpointMismatchError(ValueError):
    """A checkpoint holds the state of a different model (or a newer format)."""


class CheckpointWarning(UserWarning):
    """A checkpoint was unusable (torn or corrupt) and was skipped."""


class _Unusable(Exception):
    """A torn or corrupt checkpoint (internal: restore falls back)."""


@dataclasses.dataclass
class CheckpointState:
    """Where a restored (or just written) checkpoint stands.

    Args:
        global_step: batches consumed since the run began (all epochs); the
            data stream of a resumed run starts at this batch.
        epoch: completed epochs; `fit(initial_epoch=epoch)` continues.
        step_in_epoch: batches of epoch `epoch` already done (0 at a
            boundary).
        history: every completed epoch's logs, `{name: [value per epoch]}`
            (the shape of `keras.callbacks.History.history`).
        path: the checkpoint's metadata file.
        steps_per_epoch: the epoch length the checkpoint was written with
            (`None` when `fit` did not know it).
        reason: why it was written: `"steps"`, `"seconds"`, `"epoch"`,
            `"end"`, `"preemption"` or `"request"` (`save()`).
        metric_values: the metrics' running means at the save (numpy);
            `resume_fit` puts them back into a resumed partial epoch.
    """

    global_step: int
    epoch: int
    step_in_epoch: int
    history: dict
    path: str
    steps_per_epoch: int = None
    reason: str = "steps"
    metric_values: list = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def preempted(self):
        """Whether the checkpoint was written because training was asked to stop."""
        return self.reason == "preemption"


# ------------------------------------------------------------------ is_chief
def _chief_task(task_type, task_id, cluster, where):
    if not cluster:
        return True
    if task_type is None:
        raise ValueError(f"{where} defines a cluster but no task (type and index): "
                         f"cannot tell whether this process is the chief. Received: "
                         f"cluster={cluster!r}")
    if task_type == "chief":
        return True
    if task_type == "worker":
        return int(task_id or 0) == 0 and "chief" not in cluster
    return False  # evaluator, ps


def _check_workers_agree(strategy, step, directory):
    """Raises `CheckpointMismatchError` on every worker when the workers are about to restore
    different global steps (`None`: none), e.g. a worker that cannot see the chief's folder.
    A collective: every worker calls it once per restore."""
    step = -1 if step is None else int(step)
    steps = strategy.gather(strategy.experimental_distribute_values_from_function(
        lambda _: tf.constant([step], tf.int64)), axis=0)
    steps = [int(value) for value in np.asarray(steps)]
    if len(set(steps)) > 1:
        shown = ", ".join("none" if value < 0 else str(value) for value in steps)
        raise CheckpointMismatchError(
            f"The workers restored different checkpoints from {directory!r} (global step by "
            f"replica: {shown}): every worker must read the chief's checkpoint folder. On "
            "several machines put it on a shared file system, at the same path.")


def is_chief(strategy=None, tf_config=None):
    """Whether this process is the one that writes shared outputs (checkpoints, logs).

    The chief is the task of type `chief`, or the `worker` of index 0 when the
    cluster has no `chief`, as `TF_CONFIG` describes it; evaluators and
    parameter servers are not. A process that is not part of a multi-worker
    cluster is its own chief.

    Args:
        strategy: a `tf.distribute` strategy. A `MultiWorkerMirroredStrategy`
            is asked through its cluster resolver; any other strategy runs in
            one process, so its process is the chief. Default: the strategy of
            the current scope, or, outside any scope, the `TF_CONFIG`
            environment variable.
        tf_config: a `TF_CONFIG` value (dict or JSON string) to decide from
            instead; it takes precedence over `strategy`.

    Returns:
        `True` for the chief.

    Examples:

    >>> is_chief(tf_config={"cluster": {"worker": ["a:1", "b:2"]},
    ...                     "task": {"type": "worker", "index": 1}})
    False
    >>> is_chief(tf_config={"cluster": {"chief": ["a:1"], "worker": ["b:2"]},
    ...                     "task": {"type": "chief", "index": 0}})
    True
    >>> is_chief(tf.distribute.get_strategy())
    True
    """
    if tf_config is None and strategy is None:
        if tf.distribute.has_strategy():
            strategy = tf.distribute.get_strategy()
        else:
            tf_config = os.environ.get("TF_CONFIG") or "{}"
    if tf_config is not None:
        config = tf_config
        if isinstance(config, str):
            try:
                config = json.loads(config)
            except json.JSONDecodeError as error:
                raise ValueError(f"TF_CONFIG is not valid JSON ({error}). "
                                 f"Received: {tf_config!r}") from None
        task = config.get("task") or {}
        return _chief_task(task.get("type"), task.get("index", 0), config.get("cluster"),
                           "TF_CONFIG")
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    return _chief_task(resolver.task_type, resolver.task_id,
                       resolver.cluster_spec().as_dict(), "The strategy's cluster resolver")


# ------------------------------------------------------------ state variables
def _optimizers(model):
    """(attribute names, optimizer) for every distinct optimizer the model holds."""
    if model.optimizer is not None and not model.optimizer.built:
        # Optimizer variables must exist before their state is saved or loaded.
        model.optimizer.build(model.trainable_variables)
    found = {}
    attributes = vars(model)
    for name in sorted(attributes):
        value = attributes[name]
        if isinstance(value, keras.optimizers.Optimizer):
            found.setdefault(id(value), ([], value))[0].append(name)
    return [("|".join(names), optimizer) for names, optimizer in found.values()]


def _state_groups(model):
    """[(group name, [variables])]: the model's, each optimizer's, then the metrics'."""
    if not model.built:
        raise ValueError(
            f"CrashSafeCheckpoint needs a built model: {model.name!r} is not built. Build "
            "it (call it on a batch, or compile a kerasgan model) before saving or restoring."
        )
    seen = set()

    def fresh(variables):
        kept = [v for v in variables if id(v) not in seen]
        seen.update(id(v) for v in kept)
        return kept

    metrics = list(model.metrics_variables)
    seen.update(id(v) for v in metrics)  # metrics may be built late: never in a strict group
    groups = [("model", fresh(model.variables))]
    for names, optimizer in _optimizers(model):
        groups.append((f"optimizer:{names}", fresh(optimizer.variables)))
    groups.append(("metrics", metrics))
    return groups


def _signature(groups):
    return [
        {"group": group, "path": v.path, "shape": [int(d) for d in v.shape],
         "dtype": str(v.dtype)}
        for group, variables in groups for v in variables
    ]


def _group_counts(signature):
    counts = {}
    for entry in signature:
        counts[entry["group"]] = counts.get(entry["group"], 0) + 1
    return counts


def _check_same_model(saved, current, path):
    """Raises CheckpointMismatchError unless model and optimizer variables agree."""
    def strict(signature):
        return [entry for entry in signature if entry["group"] != "metrics"]

    saved_strict, current_strict = strict(saved), strict(current)
    saved_counts, current_counts = _group_counts(saved_strict), _group_counts(current_strict)
    if saved_counts != current_counts:
        raise CheckpointMismatchError(
            f"Checkpoint {path} holds the state of a different model: it has "
            f"{len(saved_strict)} variables {saved_counts}, the model has "
            f"{len(current_strict)} {current_counts}. Use another directory, or build the "
            "model this checkpoint was written for."
        )
    for index, (a, b) in enumerate(zip(saved_strict, current_strict)):
        if a["shape"] != b["shape"] or a["dtype"] != b["dtype"]:
            raise CheckpointMismatchError(
                f"Checkpoint {path} holds the state of a different model: its variable "
                f"{index} ({a['group']}, {a['path']!r}) has shape {a['shape']} and dtype "
                f"{a['dtype']}, but the model's ({b['path']!r}) has shape {b['shape']} and "
                f"dtype {b['dtype']}. Use another directory, or build the model this "
                "checkpoint was written for."
            )


def _storable(array):
    array = np.array(array, order="C")  # (np.ascontiguousarray makes scalars 1-d)
    if array.dtype.kind in _NATIVE_KINDS:
        return array
    return array.view(np.uint8).reshape(-1)  # bfloat16, float8: raw bytes


def _from_stored(stored, entry):
    dtype = np.dtype(tf.as_dtype(entry["dtype"]).as_numpy_dtype)
    if dtype.kind in _NATIVE_KINDS:
        return np.asarray(stored, dtype)
    return np.frombuffer(np.asarray(stored).tobytes(), dtype).reshape(entry["shape"])


# ----------------------------------------------------------------- file utils
def _fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_digest(path, sync=False):
    """(sha256 hex digest, size) of a file; `sync`: fsync it too (a file just written)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        if sync:
            os.fsync(f.fileno())
    return digest.hexdigest(), size


def _temporary(path):
    return f"{path}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"


def _canonical(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _plain_logs(logs):
    plain = {}
    for key, value in (logs or {}).items():
        with contextlib.suppress(TypeError, ValueError):
            value = float(np.asarray(value).reshape(()))
            if math.isfinite(value):
                plain[key] = value
            else:
                plain[key] = None  # JSON has no NaN
    return plain


def _pause_spec():
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return None
    stage, _, step = spec.partition(":")
    if stage not in PAUSE_STAGES + RUN_PAUSE_STAGES or (step and not step.isdigit()):
        raise ValueError(f"{PAUSE_ENV} must be one of {PAUSE_STAGES + RUN_PAUSE_STAGES}, "
                         "optionally followed by "
                         f"':<global step>'. Received: {spec!r}")
    return stage, int(step) if step else None


def test_pause(stage, directory, step=None):
    """The test-only pause hook for a write outside the checkpoint (see the module's
    docstring): with `KERASGAN_TEST_CHECKPOINT_PAUSE=<stage>` (a stage of
    `RUN_PAUSE_STAGES`), writes `<directory>/.paused-<stage>` and sleeps, so a kill drill
    can SIGKILL the process while that file is half written. A no-op otherwise."""
    _pause_at(_pause_spec(), stage, directory, step)


def _pause_at(spec, stage, directory, step):
    if spec is None or spec[0] != stage or (spec[1] is not None and spec[1] != step):
        return
    marker = os.path.join(directory, f".paused-{stage}")
    with open(marker, "w") as f:
        f.write(f"{os.getpid()} {step}\n")
        f.flush()
        os.fsync(f.fileno())
    time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "60")))


# ------------------------------------------------------------------ callback
class CrashSafeCheckpoint(keras.callbacks.Callback):
    """Atomic, verified checkpoints of the whole training state, with step-level resume.

    Saves every `save_every_steps` batches (counted over the whole run,
    across epochs and processes), every `save_every_seconds`, at every epoch
    end and at the end of training, so that a run killed at any moment loses
    at most that many steps. The previous checkpoint is deleted only after the
    new one is complete; the newest `keep` are kept. See the module docstring
    for the file format.

    **Resuming.** `restore(model)` loads the newest checkpoint that verifies
    and returns its `CheckpointState` (or `None`: fresh start); then
    `resume_fit` runs the rest of the training exactly, from a data stream
    starting at `state.global_step`. Without an explicit `restore`, the
    callback restores at `on_train_begin` and makes `fit` start at the
    checkpoint's epoch, like `keras.callbacks.BackupAndRestore`; a plain
    `fit` cannot continue a partial epoch, so a checkpoint written mid-epoch
    then restarts that epoch from its first batch (with a warning) —
    `resume_fit` is the exact path.

    **Preemption.** `request_stop()` (called by the handler that
    `install_preemption_handler()` installs for SIGTERM) makes the callback
    save at the next step boundary and stop training; `preempted` is then
    `True` and `preemption_message()` says how to resume.

    **Several workers.** Under `MultiWorkerMirroredStrategy` only the chief
    (see `is_chief`) writes into `directory`; the other workers write the
    same checkpoint into a temporary folder that they delete. All workers
    restore from `directory`, which must therefore be on a shared file system.

    Args:
        directory: the checkpoint folder (created when first written). Use
            one folder per run.
        save_every_steps: save when the global step reaches a multiple of
            this many batches (`None`: no step-based saves).
        save_every_seconds: save at the first step boundary at least this
            many seconds after the previous save (`None`: no time-based
            saves).
        keep: how many complete checkpoints to keep (at least 1; 2 keeps a
            previous good one beside the newest).
        restore_on_train_begin: restore at `on_train_begin` when `restore`
            was not called explicitly.

    Examples:

    >>> import os, tempfile
    >>> import keras, numpy as np, tensorflow as tf
    >>> from kerasgan.callbacks import CrashSafeCheckpoint, resume_fit
    >>> def make_model():
    ...     model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    ...     model.compile(optimizer="adam", loss="mse")
    ...     return model
    >>> def make_dataset(start_batch):  # batch k is a pure function of k
    ...     x = lambda k: tf.fill([4, 2], tf.cast(k % 5, tf.float32))
    ...     return tf.data.Dataset.counter(start_batch).map(lambda k: (x(k), tf.ones([4, 1])))
    >>> directory = tempfile.mkdtemp()
    >>> model = make_model()
    >>> checkpoint = CrashSafeCheckpoint(directory, save_every_steps=2)
    >>> state = checkpoint.restore(model)
    >>> print(state)  # an empty folder: a fresh start
    None
    >>> with checkpoint.install_preemption_handler():  # SIGTERM: save at the next step, stop
    ...     history = resume_fit(model, make_dataset, epochs=2, steps_per_epoch=3,
    ...                          callbacks=[checkpoint], state=state, verbose=0)
    >>> checkpoint.preempted
    False
    >>> sorted(os.listdir(directory))
    ['checkpoint.json', 'ckpt-4.json', 'ckpt-4.weights.h5', 'ckpt-6.json', 'ckpt-6.weights.h5']
    >>> state = CrashSafeCheckpoint(directory).restore(make_model())  # as a new process would
    >>> state.global_step, state.epoch, state.step_in_epoch, len(state.history["loss"])
    (6, 2, 0, 2)
    >>> import shutil; shutil.rmtree(directory)
    """

    def __init__(self, directory, save_every_steps=None, save_every_seconds=None, keep=2,
                 restore_on_train_begin=True):
        super().__init__()
        if not directory or not isinstance(directory, (str, os.PathLike)):
            raise ValueError(f"`directory` must be a folder path. Received: "
                             f"directory={directory!r}")
        if save_every_steps is not None and (
            isinstance(save_every_steps, bool) or not isinstance(save_every_steps, int)
            or save_every_steps < 1
        ):
            raise ValueError(f"`save_every_steps` must be a positive integer or None. "
                             f"Received: save_every_steps={save_every_steps!r}")
        if save_every_seconds is not None and (
            isinstance(save_every_seconds, bool)
            or not isinstance(save_every_seconds, (int, float)) or not save_every_seconds > 0
        ):
            raise ValueError(f"`save_every_seconds` must be a positive number or None. "
                             f"Received: save_every_seconds={save_every_seconds!r}")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"`keep` must be a positive integer. Received: keep={keep!r}")
        self._pause = _pause_spec()  # validated now: a typo fails before training
        self.directory = os.fspath(directory)
        self.save_every_steps = save_every_steps
        self.save_every_seconds = save_every_seconds
        self.keep = keep
        self.restore_on_train_begin = restore_on_train_begin
        self.state = None
        self.preempted = False
        self._restored = False
        self._stop_reason = None
        self._set_position(None)
        self._last_save_time = time.monotonic()
        self._set_initial_epoch = False

    # ------------------------------------------------------------- position
    def _set_position(self, state):
        self._global_step = state.global_step if state else 0
        self._epoch = state.epoch if state else 0
        self._step_in_epoch = state.step_in_epoch if state else 0
        self._steps_per_epoch = state.steps_per_epoch if state else None
        self._history = {k: list(v) for k, v in (state.history if state else {}).items()}
        self._last_saved_step = self._global_step
        self._fit_batches = 0

    def _adopt(self, state):
        """Continues from `state` (restored by this or another instance), or afresh."""
        self.state = state
        self._restored = True
        self._set_position(state)

    @property
    def global_step(self):
        """Batches consumed so far in the run (restored ones included)."""
        return self._global_step

    @property
    def history(self):
        """Every completed epoch's logs so far, `{name: [value per epoch]}`."""
        return {k: list(v) for k, v in self._history.items()}

    # ------------------------------------------------------------- restore
    def restore(self, model=None):
        """Loads the newest checkpoint that verifies into `model`.

        Checks the metadata (format, checksum), the weights file (size,
        sha256) and every variable (count, shape, dtype) before assigning
        anything. A torn or corrupt checkpoint is reported with a
        `CheckpointWarning` naming its file, set aside as `<name>.corrupt`,
        and the previous one is tried; when none is usable the run starts
        fresh (with a warning). Leftover temporary files are removed. Only the
        chief modifies the folder.

        Args:
            model: the model to load into (default: the callback's model).
                It must be built, with its optimizers.

        Returns:
            The `CheckpointState` restored, or `None` (no usable checkpoint:
            start from step 0).

        Under `MultiWorkerMirroredStrategy` every worker restores (a
        collective: call it on all of them) and the workers check that they
        restored the same global step.

        Raises:
            CheckpointMismatchError: the newest intact checkpoint holds the
                state of a different model (the message names the file and
                the first difference), or the workers of a multi-worker run
                restored different steps (they do not all see the chief's
                folder).
        """
        model = model if model is not None else self.model
        if model is None:
            raise ValueError("`restore` needs a model: pass it, or call it from `fit`.")
        groups = _state_groups(model)
        signature = _signature(groups)
        chief = is_chief(model.distribute_strategy)
        strategy = model.distribute_strategy

        def agree(step):  # before anything is assigned (assigning may run collectives)
            if is_multi_worker(strategy):
                _check_workers_agree(strategy, step, self.directory)

        state = None
        if os.path.isdir(self.directory):
            if chief:
                self._remove_leftovers()
            state = self._restore_newest(groups, signature, chief, agree)
        else:
            agree(None)
        self._adopt(state)
        if state is not None:
            _logger.info("Restored %s: global step %d, %d epochs done, %d steps into the next.",
                         state.path, state.global_step, state.epoch, state.step_in_epoch)
        return state

    def _restore_newest(self, groups, signature, chief, agree):
        latest = self._read_manifest()
        unusable = []
        for _, name in self._listed_checkpoints():
            path = os.path.join(self.directory, name)
            try:
                metadata = self._read_metadata(path)
                _check_same_model(metadata["variables"], signature, path)
                arrays = self._read_weights(metadata, path)
            except _Unusable as error:
                warnings.warn(f"Checkpoint {path} is unusable: {error}. Trying an older "
                              "checkpoint, if any.", CheckpointWarning, stacklevel=3)
                unusable.append(path)
                if chief:
                    self._set_aside(metadata_path=path)
                continue
            agree(metadata["global_step"])
            metric_values = self._assign(groups, metadata["variables"], arrays)
            state = CheckpointState(
                global_step=metadata["global_step"], epoch=metadata["epoch"],
                step_in_epoch=metadata["step_in_epoch"], history=metadata["history"],
                path=path, steps_per_epoch=metadata.get("steps_per_epoch"),
                reason=metadata.get("reason", "steps"), metric_values=metric_values,
            )
            if chief and latest != name:
                self._write_manifest(state, self._kept_names(), pause=False)
            return state
        if unusable:
            warnings.warn(
                f"No usable checkpoint in {self.directory}: all {len(unusable)} found were "
                f"corrupt ({', '.join(os.path.basename(p) for p in unusable)}). Starting "
                "fresh from step 0.", CheckpointWarning, stacklevel=3)
        agree(None)
        return None

    def _listed_checkpoints(self):
        """(global step, metadata name), newest first."""
        found = []
        for name in os.listdir(self.directory):
            match = _METADATA_NAME.match(name)
            if match:
                found.append((int(match.group(1)), name))
        return sorted(found, reverse=True)

    def _kept_names(self):
        return [name for _, name in self._listed_checkpoints()[: self.keep]]

    def _read_manifest(self):
        path = os.path.join(self.directory, MANIFEST)
        if not os.path.exists(path):
            return None
        try:
            with open(path, "rb") as f:
                manifest = json.loads(f.read())
            return manifest["latest"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            warnings.warn(f"Manifest {path} is unreadable ({error!r}); the checkpoints are "
                          "found by listing the folder and the manifest is rewritten.",
                          CheckpointWarning, stacklevel=4)
            return None

    @staticmethod
    def _read_metadata(path):
        try:
            with open(path, "rb") as f:
                metadata = json.loads(f.read())
        except (OSError, ValueError) as error:
            raise _Unusable(f"its metadata is not valid JSON ({error})") from None
        if not isinstance(metadata, dict):
            raise _Unusable("its metadata is not a JSON object")
        if metadata.get("format") != FORMAT:
            raise _Unusable(f"its metadata has format {metadata.get('format')!r}, expected "
                            f"{FORMAT!r}")
        body = {k: v for k, v in metadata.items() if k != "checksum"}
        if metadata.get("checksum") != hashlib.sha256(_canonical(body)).hexdigest():
            raise _Unusable("its metadata does not match its checksum (altered or torn)")
        if not isinstance(metadata.get("version"), int) or metadata["version"] > FORMAT_VERSION:
            raise CheckpointMismatchError(
                f"Checkpoint {path} has format version {metadata.get('version')!r}; this "
                f"kerasgan reads versions up to {FORMAT_VERSION}. Upgrade kerasgan.")
        step = int(_METADATA_NAME.match(os.path.basename(path)).group(1))
        if metadata.get("global_step") != step:
            raise _Unusable(f"its metadata says global step {metadata.get('global_step')!r}, "
                            f"its name says {step}")
        return metadata

    def _read_weights(self, metadata, path):
        weights = metadata["weights"]
        if os.path.basename(weights["file"]) != weights["file"]:
            raise _Unusable(f"its weights file name {weights['file']!r} is not a plain name")
        weights_path = os.path.join(self.directory, weights["file"])
        if not os.path.exists(weights_path):
            raise _Unusable(f"its weights file {weights_path} is missing")
        try:
            digest, size = _file_digest(weights_path)
        except OSError as error:
            raise _Unusable(f"its weights file {weights_path} does not read ({error})") from None
        if size != weights["size"]:
            raise _Unusable(f"its weights file {weights_path} has {size} bytes, expected "
                            f"{weights['size']} (truncated or torn)")
        if digest != weights["sha256"]:
            raise _Unusable(f"its weights file {weights_path} has sha256 {digest}, expected "
                            f"{weights['sha256']} (altered)")
        entries = metadata["variables"]
        arrays = []
        try:
            with h5py.File(weights_path, "r") as f:
                if len(f.keys()) != len(entries):
                    raise _Unusable(f"its weights file {weights_path} has {len(f.keys())} "
                                    f"arrays, expected {len(entries)}")
                for index, entry in enumerate(entries):
                    array = _from_stored(f[f"{index:06d}"][()], entry)
                    if list(array.shape) != entry["shape"]:
                        raise _Unusable(f"array {index} of {weights_path} has shape "
                                        f"{list(array.shape)}, expected {entry['shape']}")
                    arrays.append(array)
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise _Unusable(f"its weights file {weights_path} does not read ({error})") from None
        return arrays

    @staticmethod
    def _assign(groups, entries, arrays):
        """Assigns the model's and optimizers' variables; returns the metrics' values."""
        saved_metrics = [a for e, a in zip(entries, arrays) if e["group"] == "metrics"]
        strict = [a for e, a in zip(entries, arrays) if e["group"] != "metrics"]
        variables = [v for group, vs in groups if group != "metrics" for v in vs]
        for variable, array in zip(variables, strict):
            variable.assign(array)
        metrics = dict(groups)["metrics"]
        if [list(v.shape) for v in metrics] == [list(a.shape) for a in saved_metrics]:
            for variable, array in zip(metrics, saved_metrics):
                variable.assign(array)
        return saved_metrics

    def _set_aside(self, metadata_path):
        """Renames a corrupt checkpoint's files to `<name>.corrupt`, metadata first."""
        step = _METADATA_NAME.match(os.path.basename(metadata_path)).group(1)
        weights_path = os.path.join(self.directory, f"ckpt-{step}.weights.h5")
        for path in (metadata_path, weights_path):
            if os.path.exists(path):
                os.replace(path, f"{path}.corrupt")
        _fsync_directory(self.directory)

    def _remove_leftovers(self):
        """Removes temporary files and weights without metadata (interrupted saves)."""
        names = set(os.listdir(self.directory))
        removed = []
        for name in sorted(names):
            match = _WEIGHTS_NAME.match(name)
            orphan = match and f"ckpt-{match.group(1)}.json" not in names
            if _TEMPORARY_NAME.match(name) or orphan:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(self.directory, name))
                removed.append(name)
        if removed:
            _fsync_directory(self.directory)
            _logger.info("Removed leftovers of interrupted saves in %s: %s", self.directory,
                         ", ".join(removed))
        return removed

    # ---------------------------------------------------------------- save
    def save(self, reason="request"):
        """Writes a checkpoint of the model's current state now; returns its state."""
        if self.model is None:
            raise ValueError("`save` needs the callback's model: call it from `fit`.")
        return self._save(reason)

    def _save(self, reason):
        chief = is_chief(self.model.distribute_strategy)
        target = self.directory if chief else worker_scratch_dir("checkpoint")
        try:
            state = self._write(target, reason)
        finally:
            if not chief:
                shutil.rmtree(target, ignore_errors=True)
        if not chief:  # the chief writes the same checkpoint under this name
            state = dataclasses.replace(
                state, path=os.path.join(self.directory, os.path.basename(state.path)))
        self.state = state
        self._last_saved_step = self._global_step
        self._last_save_time = time.monotonic()
        if reason == "preemption":
            self.preempted = True
            _logger.warning(self.preemption_message())
        return state

    def _maybe_pause(self, stage, directory, step):
        _pause_at(self._pause, stage, directory, step)

    def _write(self, directory, reason):
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
            _fsync_directory(os.path.dirname(os.path.abspath(directory)))
        step = self._global_step
        metadata_path = os.path.join(directory, f"ckpt-{step}.json")
        weights_name = f"ckpt-{step}.weights.h5"
        weights_path = os.path.join(directory, weights_name)
        groups = _state_groups(self.model)
        signature = _signature(groups)
        variables = [v for _, vs in groups for v in vs]
        temporary = _temporary(weights_path)
        try:
            with h5py.File(temporary, "w") as f:
                for index, variable in enumerate(variables):
                    # The metadata describes each array (group, path, shape, dtype).
                    f.create_dataset(f"{index:06d}", data=_storable(np.asarray(variable.numpy())))
                    if index == len(variables) // 2:
                        f.flush()
                        self._maybe_pause("weights", directory, step)
            digest, size = _file_digest(temporary, sync=True)
            if os.path.exists(metadata_path) and os.path.exists(weights_path):
                # Saving a step again (e.g. after `save()`): same bytes keep the old unit
                # valid while the metadata is replaced; new bytes invalidate it first.
                if _file_digest(weights_path) != (digest, size):
                    os.remove(metadata_path)
                    _fsync_directory(directory)
            os.replace(temporary, weights_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
        _fsync_directory(directory)

        body = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "global_step": step,
            "epoch": self._epoch,
            "step_in_epoch": self._step_in_epoch,
            "steps_per_epoch": self._steps_per_epoch,
            "history": self._history,
            "reason": reason,
            "weights": {"file": weights_name, "size": size, "sha256": digest},
            "variables": signature,
            "model": type(self.model).__name__,
            "keras_version": keras.__version__,
            "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }
        metadata = {**body, "checksum": hashlib.sha256(_canonical(body)).hexdigest()}
        self._write_json(metadata_path, metadata, "metadata", directory, step)
        state = CheckpointState(
            global_step=step, epoch=self._epoch, step_in_epoch=self._step_in_epoch,
            history=self.history, path=metadata_path, steps_per_epoch=self._steps_per_epoch,
            reason=reason, metric_values=[np.array(v.numpy()) for v in dict(groups)["metrics"]],
        )
        listed = sorted((int(m.group(1)), n) for n in os.listdir(directory)
                        if (m := _METADATA_NAME.match(n)))[::-1]
        kept = [name for _, name in listed[: self.keep]]
        self._write_manifest(state, kept, directory=directory, pause=True)
        self._rotate(directory, [name for _, name in listed[self.keep:]], step)
        return state

    def _write_json(self, path, obj, stage, directory, step):
        data = json.dumps(obj, indent=1, sort_keys=True).encode()
        temporary = _temporary(path)
        try:
            with open(temporary, "wb") as f:
                f.write(data[: len(data) // 2])
                f.flush()
                if stage is not None:
                    self._maybe_pause(stage, directory, step)
                f.write(data[len(data) // 2:])
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
        _fsync_directory(directory)

    def _write_manifest(self, state, kept, directory=None, pause=True):
        directory = directory or self.directory
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "latest": os.path.basename(state.path),
            "global_step": state.global_step,
            "epoch": state.epoch,
            "step_in_epoch": state.step_in_epoch,
            "checkpoints": kept,
        }
        self._write_json(os.path.join(directory, MANIFEST), manifest,
                         "manifest" if pause else None, directory, state.global_step)

    def _rotate(self, directory, old_names, step):
        """Deletes old checkpoints (metadata first), then leftovers of interrupted saves."""
        for name in old_names:
            os.remove(os.path.join(directory, name))
            _fsync_directory(directory)
            self._maybe_pause("cleanup", directory, step)
            weights = os.path.join(directory, name[: -len(".json")] + ".weights.h5")
            with contextlib.suppress(FileNotFoundError):
                os.remove(weights)
        names = set(os.listdir(directory))
        for name in names:
            match = _WEIGHTS_NAME.match(name)
            if (match and f"ckpt-{match.group(1)}.json" not in names) or (
                _TEMPORARY_NAME.match(name)
            ):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(directory, name))
        _fsync_directory(directory)

    # ---------------------------------------------------------- preemption
    def request_stop(self, reason="request"):
        """Asks training to save at the next step boundary and stop.

        Safe to call from a signal handler or another thread: it only sets a
        flag. `reason` (e.g. `"SIGTERM"`) appears in `preemption_message()`.
        """
        self._stop_reason = str(reason)

    def _mark_stopped(self):
        """After a stop request: make sure the current step is saved and flagged."""
        if self._stop_reason is None or self.preempted:
            return
        if self._last_saved_step == self._global_step and self.state is not None:
            self.preempted = True  # the checkpoint on disk is the current state
            _logger.warning(self.preemption_message())
        else:
            self._save("preemption")

    @property
    def stop_requested(self):
        """Whether `request_stop` was called (and training has or will stop)."""
        return self._stop_reason is not None

    def preemption_message(self):
        """What to tell the user after a preempted run: where it stopped, how to resume."""
        where = (f"global step {self._global_step} (epoch {self._epoch + 1}, "
                 f"{self._step_in_epoch} steps into it)")
        path = self.state.path if self.state is not None else self.directory
        return (f"Training stopped on {self._stop_reason} at {where}; the checkpoint {path} "
                f"holds it. Run the same command again to resume from there.")

    def install_preemption_handler(self, signals=(signal.SIGTERM,)):
        """Makes `signals` (default SIGTERM) call `request_stop` until uninstalled.

        A second signal of the same kind restores the previous handler and
        re-delivers the signal (so a stuck run can still be terminated).
        Must be called from the main thread.

        Args:
            signals: the signals to handle.

        Returns:
            A `PreemptionHandler`; use it as a context manager or call its
            `uninstall()` to restore the previous handlers.
        """
        return PreemptionHandler(self, signals)

    # ---------------------------------------------------------- callbacks
    def on_train_begin(self, logs=None):
        if not self._restored and self.restore_on_train_begin:
            state = self.restore(self.model)
            if state is not None:
                if state.step_in_epoch:
                    warnings.warn(
                        f"Checkpoint {state.path} was written {state.step_in_epoch} steps "
                        f"into epoch {state.epoch + 1}; a plain `fit` cannot continue a "
                        "partial epoch, so that epoch restarts from its first batch. Use "
                        "`kerasgan.callbacks.resume_fit` for an exact step-level resume.",
                        CheckpointWarning, stacklevel=2)
                    self._step_in_epoch = 0
                # As keras.callbacks.BackupAndRestore: `fit` reads this after on_train_begin.
                self.model._initial_epoch = state.epoch
                self._set_initial_epoch = True
        self._last_save_time = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        steps = (self.params or {}).get("steps")
        continuing = epoch == self._epoch and self._step_in_epoch > 0
        if not continuing:
            if epoch != self._epoch and self._restored and self.state is not None:
                warnings.warn(f"`fit` runs epoch {epoch} but the checkpoint has {self._epoch} "
                              f"completed epochs: pass `initial_epoch={self._epoch}` (or use "
                              "`resume_fit`).", CheckpointWarning, stacklevel=2)
            self._epoch, self._step_in_epoch = epoch, 0
            self._steps_per_epoch = steps
        elif steps is not None and self._steps_per_epoch not in (None,
                                                                 self._step_in_epoch + steps):
            warnings.warn(
                f"`fit` runs {steps} steps in epoch {epoch + 1}, which is already "
                f"{self._step_in_epoch} steps in, for an epoch of {self._steps_per_epoch}: the "
                "epoch lengths differ from the uninterrupted run. Use `resume_fit`.",
                CheckpointWarning, stacklevel=2)
        self._fit_batches = 0

    def _epoch_ends_now(self):
        steps = (self.params or {}).get("steps")
        return steps is not None and self._fit_batches >= steps

    def _due(self):
        if self._stop_reason is not None:
            return "preemption"
        if self.save_every_steps and (self._global_step // self.save_every_steps
                                      > self._last_saved_step // self.save_every_steps):
            return "steps"
        if self.save_every_seconds and (time.monotonic() - self._last_save_time
                                        >= self.save_every_seconds):
            return "seconds"
        return None

    def on_train_batch_end(self, batch, logs=None):
        done = batch + 1 - self._fit_batches  # > 1 with steps_per_execution
        self._fit_batches = batch + 1
        self._global_step += done
        self._step_in_epoch += done
        if self._stop_reason is not None:
            self.model.stop_training = True
        if self._epoch_ends_now():
            return  # on_epoch_end saves this step, with the epoch completed
        reason = self._due()
        if reason is not None:
            self._save(reason)

    def on_epoch_end(self, epoch, logs=None):
        steps = (self.params or {}).get("steps")
        complete = (self._fit_batches >= steps) if steps is not None else (
            not self.model.stop_training)
        if not complete:
            return  # stopped mid-epoch: the batch-end save (or on_train_end) covers it
        for key, value in _plain_logs(logs).items():
            self._history.setdefault(key, []).append(value)
        self._epoch, self._step_in_epoch = epoch + 1, 0
        self._save("preemption" if self._stop_reason is not None else "epoch")

    def on_train_end(self, logs=None):
        if self._global_step != self._last_saved_step:
            self._save("preemption" if self._stop_reason is not None else "end")
        if self._set_initial_epoch:
            self.model._initial_epoch = None
            self._set_initial_epoch = False


class PreemptionHandler:
    """Installed signal handlers that ask a `CrashSafeCheckpoint` to stop.

    Returned by `CrashSafeCheckpoint.install_preemption_handler()`; a context
    manager. `uninstall()` restores the handlers that were there before.
    """

    def __init__(self, checkpoint, signals):
        self.checkpoint = checkpoint
        self.signals = tuple(signals)
        self._previous = {}
        try:
            for signum in self.signals:
                self._previous[signum] = signal.signal(signum, self._handle)
        except ValueError as error:  # not the main thread
            self.uninstall()
            raise ValueError(f"Preemption handlers can only be installed from the main "
                             f"thread ({error}).") from None

    def _handle(self, signum, frame):
        if self.checkpoint.stop_requested:  # a second signal: give it to the old handler
            self.uninstall()
            signal.raise_signal(signum)
            return
        self.checkpoint.request_stop(signal.Signals(signum).name)

    def uninstall(self):
        """Restores the previous handlers (idempotent)."""
        while self._previous:
            signum, previous = self._previous.popitem()
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.uninstall()


# ---------------------------------------------------------------- resume_fit
class _RestoreEpochMetrics(keras.callbacks.Callback):
    """Puts back the running means of a partial epoch after `fit` resets them."""

    def __init__(self, values, path):
        super().__init__()
        self.values = values
        self.path = path

    def on_epoch_begin(self, epoch, logs=None):
        variables = self.model.metrics_variables
        if [list(v.shape) for v in variables] != [list(a.shape) for a in self.values]:
            warnings.warn(f"The metric state in {self.path} does not fit the model's metrics; "
                          f"epoch {epoch + 1}'s logs cover only its resumed part.",
                          CheckpointWarning, stacklevel=2)
            return
        for variable, value in zip(variables, self.values):
            variable.assign(value)


def resume_fit(model, make_dataset, epochs, steps_per_epoch, callbacks=None, state=None,
               **fit_kwargs):
    """Runs the rest of a training run exactly, from a checkpoint or from the start.

    When the checkpoint was written mid-epoch (`state.step_in_epoch > 0`), it
    first runs `fit` for the remaining `steps_per_epoch - step_in_epoch` steps
    of that epoch, then `fit` for the remaining epochs, each on
    `make_dataset(start_batch)` with `start_batch` the global batch it starts
    at. So the number of steps and the batch each step sees are those of the
    uninterrupted run, provided batch `k` of `make_dataset(s)` is global batch
    `s + k` (`kerasgan.data.load(..., start_batch=s)`). The split epoch's
    logs are those of the whole epoch (its metric state is restored).

    Without `state`, the first `CrashSafeCheckpoint` in `callbacks` restores
    (unless it already has); with `state` (from `restore`), the checkpoint
    callbacks continue from it.

    Args:
        model: a compiled, built model (restored already when `state` is
            given).
        make_dataset: `fn(start_batch) -> dataset`, an endless stream of
            batches starting at global batch `start_batch`.
        epochs: the run's total number of epochs.
        steps_per_epoch: batches per epoch (must match the checkpoint's).
        callbacks: passed to `fit` (the `CrashSafeCheckpoint` among them).
        state: a `CheckpointState` to resume from, or `None`.
        **fit_kwargs: other `fit` arguments (`verbose`, ...).

    Returns:
        A `keras.callbacks.History` of the *whole run*: every epoch once,
        those of earlier processes included. If a `CrashSafeCheckpoint` was
        preempted, training stopped early: check its `preempted`.

    Raises:
        ValueError: `steps_per_epoch` disagrees with the checkpoint.

    Examples:

    >>> import keras, tensorflow as tf
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> stream = lambda start: tf.data.Dataset.counter(start).map(
    ...     lambda k: (tf.fill([2, 1], tf.cast(k, tf.float32)), tf.zeros([2, 1])))
    >>> history = resume_fit(model, stream, epochs=3, steps_per_epoch=2, verbose=0)
    >>> history.epoch, int(model.optimizer.iterations.numpy())
    ([0, 1, 2], 6)
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"`epochs` must be a non-negative integer. Received: epochs={epochs!r}")
    if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or (
        steps_per_epoch < 1
    ):
        raise ValueError(f"`steps_per_epoch` must be a positive integer. "
                         f"Received: steps_per_epoch={steps_per_epoch!r}")
    callbacks = list(callbacks or [])
    checkpoints = [c for c in callbacks if isinstance(c, CrashSafeCheckpoint)]
    if state is None and checkpoints:
        first = checkpoints[0]
        state = first.state if first._restored else first.restore(model)
    for checkpoint in checkpoints:
        if checkpoint.state is not state or not checkpoint._restored:
            checkpoint._adopt(state)

    epoch, step_in_epoch, global_step = (state.epoch, state.step_in_epoch,
                                         state.global_step) if state else (0, 0, 0)
    if state is not None:
        if state.steps_per_epoch is not None and state.steps_per_epoch != steps_per_epoch:
            raise ValueError(
                f"Checkpoint {state.path} was written with steps_per_epoch="
                f"{state.steps_per_epoch}; resuming with a different epoch length breaks the "
                f"exact resume. Received: steps_per_epoch={steps_per_epoch}")
        if step_in_epoch >= steps_per_epoch:
            raise ValueError(f"Checkpoint {state.path} is {step_in_epoch} steps into epoch "
                             f"{epoch + 1}, beyond steps_per_epoch={steps_per_epoch}.")

    combined = keras.callbacks.History()
    combined.set_model(model)
    prior = state.history if state else {}
    combined.history = {k: list(v) for k, v in prior.items()}
    combined.epoch = list(range(epoch))

    def stopped():
        return any(c.stop_requested for c in checkpoints) or model.stop_training

    def run(start_batch, initial_epoch, last_epoch, steps, extra):
        model._initial_epoch = None  # a stale BackupAndRestore value would override ours
        history = model.fit(make_dataset(start_batch), initial_epoch=initial_epoch,
                            epochs=last_epoch, steps_per_epoch=steps,
                            callbacks=callbacks + extra, **fit_kwargs)
        combined.epoch += list(history.epoch)
        for key, values in history.history.items():
            combined.history.setdefault(key, []).extend(values)
        combined.params = history.params

    fit_kwargs.setdefault("shuffle", False)  # the stream's order is the data order
    model.stop_training = False
    if step_in_epoch and epoch < epochs:
        extra = []
        if state.metric_values:
            extra = [_RestoreEpochMetrics(state.metric_values, state.path)]
        run(global_step, epoch, epoch + 1, steps_per_epoch - step_in_epoch, extra)
        global_step += steps_per_epoch - step_in_epoch
        epoch += 1
        if stopped():
            for checkpoint in checkpoints:
                checkpoint._mark_stopped()  # a stop requested after the epoch's last save
            return combined
    if epoch < epochs:
        run(global_step, epoch, epochs, steps_per_epoch, [])
    return combined
