"""The adversarial base: networks, optimizers, one update primitive with phases, EMA, seeds.

Every family's training model derives from `AdversarialModel`. It holds what
all of them share:

- the optimizers (`g_optimizer`, `d_optimizer`), built in the strategy's scope
  at `compile` and wrapped in a `LossScaleOptimizer` under `mixed_float16`;
- **the update primitive** `run_phase(name, compute)`: a phase names the
  optimizer and the networks it trains; `compute()` returns the per-example
  losses (and values to log), and the primitive does the rest — the sum over
  the *global* batch, the networks' own regularization losses, the loss
  scale, the gradient, the all-replica finite check and `apply`;
- phases with an **interval** (`Phase(every=N)`): the phase runs on the steps
  where `step % N == 0` with its loss multiplied by N (lazy regularization, as
  StyleGAN2's R1 every 16 steps); the decision is taken outside the replicas,
  so it is correct under any `tf.distribute` strategy;
- **step hooks** (`add_step_hook(fn)`): `fn(model, step)` runs at the start of
  every training step, in graph mode, before any phase (schedules such as
  ProGAN's fade-in factor);
- the step counter that seeds every random draw of a step (`step_seed`);
- an exponential moving average of every generator network (`ema_decay`, or a
  half-life in images, `ema_half_life_images`, whose per-step decay follows the
  global batch size);
- the **model protocol** the CLI, export and callbacks use instead of
  probing: `task`, `serving_endpoints()`, `example_inputs(n, seed)`,
  `generate(...)`, `data_requirements()`.

A family composes phases in `update(batch)` and declares its phases in
`phases()`; it never writes the tape, scaling or apply itself.
"""

import contextlib
import copy
import dataclasses
import functools
import itertools
import math
import threading

import keras
import numpy as np
import tensorflow as tf

from kerasgan.distribute import is_multi_worker
from kerasgan.layers.global_batch_dropout import step_draws
from kerasgan.losses import get_loss

TASKS = ("unconditional", "class-conditional", "paired", "unpaired", "inpainting",
         "text-conditional")
# Offsets that keep the seeded draws of one step apart from each other.
DRAWS_PER_STEP = 64
# The draw that seeds the step's dropout masks (`GlobalBatchDropout`); families use 0 to 62.
DROPOUT_DRAW = DRAWS_PER_STEP - 1


@dataclasses.dataclass(frozen=True)
class Phase:
    """One named update of a training step.

    Args:
        name: the phase's name (`"discriminator"`, `"generator"`, `"r1"`, ...).
        optimizer: the attribute of the model holding its optimizer
            (`"g_optimizer"` or `"d_optimizer"`).
        networks: attributes of the networks it trains; their trainable
            variables are updated and their own losses (regularizers) added.
        every: run on the steps where `step % every == 0`, with the loss
            multiplied by `every` (lazy regularization); 1: every step.
    """

    name: str
    optimizer: str
    networks: tuple
    every: int = 1

    def __post_init__(self):
        if not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"Phase {self.name!r}: `every` must be a positive integer. "
                             f"Received: every={self.every!r}")


@dataclasses.dataclass(frozen=True)
class ServingEndpoint:
    """One exported signature: a network and how to serve it.

    Args:
        name: the signature (`"serving_default"`, `"a_to_b"`, ...).
        network: the network to export (the EMA copy where there is one).
        wrap: optional `fn(float32_network) -> keras.Model` building the serving
            graph around a float32 rebuild of `network` (e.g. pasting an
            inpainted center into its input); named inputs, one output.
        latent: the first input is a normal latent `z` (truncation applies).
        num_classes: the range of an integer `labels` input, if any.
    """

    name: str
    network: keras.Model
    wrap: object = None
    latent: bool = False
    num_classes: int = None


def lazy_regularization(optimizer_config, every):
    """An optimizer config adjusted for a phase that also runs a regularizer every N steps.

    StyleGAN2 keeps the effective step size of the main phase when its
    regularization phase runs every `every` steps: with `c = every / (every + 1)`
    the learning rate becomes `lr * c` and each Adam beta `beta ** c`.

    Examples:

    >>> config = {"class_name": "Adam", "config": {"learning_rate": 0.002, "beta_1": 0.0,
    ...                                             "beta_2": 0.99}}
    >>> adjusted = lazy_regularization(config, 16)["config"]
    >>> round(adjusted["learning_rate"], 6), round(adjusted["beta_2"], 6)
    (0.001882, 0.990585)
    """
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"`every` must be a positive integer. Received: every={every!r}")
    config = copy.deepcopy(optimizer_config)
    ratio = every / (every + 1)
    inner = config.setdefault("config", {})
    inner["learning_rate"] = float(inner.get("learning_rate", 1e-3)) * ratio
    for key in ("beta_1", "beta_2"):
        if key in inner:
            inner[key] = float(inner[key]) ** ratio
    return config


def as_optimizer(optimizer, default):
    if optimizer is None:
        return keras.optimizers.get(copy.deepcopy(default))
    if isinstance(optimizer, (str, dict)):
        return keras.optimizers.get(copy.deepcopy(optimizer))
    return optimizer


def inner_optimizer(optimizer):
    return optimizer.inner_optimizer if isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ) else optimizer


def replica_info():
    """(replica id, number of replicas) of the current replica context."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: eager sampling, callbacks
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def apply_gradients(optimizer, grads, variables):
    """`optimizer.apply`, with the loss-scale skip decided over all replicas.

    Keras 3.15's `LossScaleOptimizer` decides whether to skip a step from the
    first replica's local gradients only (it assumes they were all-reduced,
    which happens later, inside the inner optimizer), so another replica's
    overflow is applied as NaN. Here every replica's gradients are made
    non-finite when any replica's are, so all replicas skip together. The
    count of replicas with non-finite gradients is all-reduced over the
    replicas of every worker (under `MultiWorkerMirroredStrategy` a worker's
    local results hold only its own replicas).
    """
    context = tf.distribute.get_replica_context()
    if (
        isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        and context is not None
        and context.num_replicas_in_sync > 1
    ):
        local_overflow = tf.cast(tf.logical_not(optimizer.check_finite(grads)), tf.float32)
        overflows = context.all_reduce(tf.distribute.ReduceOp.SUM, local_overflow)
        poison = tf.where(overflows > 0.0, float("nan"), 0.0)
        grads = [None if g is None else g + tf.cast(poison, g.dtype) for g in grads]
    optimizer.apply(grads, variables)


def regularization(network):
    """The network's own losses (weight regularizers such as BigGAN's orthogonal one).

    Each replica computes the same value and the gradients are summed over
    replicas, so each replica adds its 1/N share.
    """
    losses = network.losses
    if not losses:
        return tf.constant(0.0)
    total = tf.add_n([tf.cast(loss, tf.float32) for loss in losses])
    _, num_replicas = replica_info()
    return total / float(num_replicas)


def pixel_mean(values):
    """Per-example mean over every axis but the first, in float32."""
    values = tf.cast(values, tf.float32)
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


def ema_copy(network, name):
    """A frozen copy of `network` (same config and weights) for the moving average."""
    copy_ = network.__class__.from_config(network.get_config())
    copy_.name = name
    copy_.set_weights(network.get_weights())
    copy_.trainable = False
    return copy_


class AdversarialModel(keras.Model):
    """The shared base of every kerasgan training model; not used directly.

    Subclasses set their networks as attributes before calling
    `_finish_init()`, and define `phases()`, `update(batch)`,
    `prepare_batch(data)` and `tracker_names()`.

    Args:
        seed: seeds every random draw of a training step (with the step count).
        ema_decay: keep an exponential moving average copy of each generator
            network (`ema_<attribute>`; `ema_generator` for `generator`).
        ema_half_life_images: instead of `ema_decay`, the EMA's half-life in
            training images: each step decays by `0.5 ** (global batch /
            ema_half_life_images)`, computed in the step from the data's global
            batch size (so it follows a batch size that changes during training,
            as StyleGAN's `G_smoothing_kimg`).
        ema_start_step: before this many steps the EMA copies track the weights.
    """

    task = None
    # Attributes holding the networks the generator optimizer trains (EMA'd, exported).
    generator_attributes = ("generator",)
    discriminator_attributes = ("discriminator",)

    def __init__(self, seed=0, ema_decay=None, ema_start_step=0, ema_half_life_images=None,
                 **kwargs):
        super().__init__(**kwargs)
        if ema_decay is not None and not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"`ema_decay` must be in [0, 1). Received: ema_decay={ema_decay}")
        if ema_half_life_images is not None:
            if isinstance(ema_half_life_images, bool) or not isinstance(
                    ema_half_life_images, (int, float)) or not ema_half_life_images > 0:
                raise ValueError("`ema_half_life_images` must be a positive number. "
                                 f"Received: ema_half_life_images={ema_half_life_images!r}")
            if ema_decay is not None:
                raise ValueError("Give `ema_decay` or `ema_half_life_images`, not both. "
                                 f"Received: ema_decay={ema_decay}, "
                                 f"ema_half_life_images={ema_half_life_images}")
            ema_half_life_images = float(ema_half_life_images)
        self.seed = int(seed)
        self.ema_decay = ema_decay
        self.ema_half_life_images = ema_half_life_images
        self.ema_start_step = int(ema_start_step)
        self._compiled_gan = False
        self._step_hooks = []
        self._phases_due = None

    def _init_ema(self):
        """Creates the EMA copies (call once the generator networks are set)."""
        self.ema_generator = None
        if not self.uses_ema:
            return
        for attribute in self.generator_attributes:
            network = getattr(self, attribute)
            setattr(self, self._ema_attribute(attribute), ema_copy(network, f"{network.name}_ema"))

    def _init_step_counter(self):
        # Training steps done so far; seeds the noise and drives schedules and the EMA.
        self.step_counter = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="step_counter",
        )
        self.built = True

    @property
    def uses_ema(self):
        """Whether the generator networks have EMA copies (`ema_decay` or
        `ema_half_life_images` set)."""
        return self.ema_decay is not None or self.ema_half_life_images is not None

    def ema_decay_for(self, global_batch):
        """The EMA decay of one step on `global_batch` images (a float32 tensor):
        `ema_decay`, or `0.5 ** (global_batch / ema_half_life_images)`."""
        if self.ema_half_life_images is None:
            return tf.constant(self.ema_decay, tf.float32)
        ratio = tf.cast(global_batch, tf.float32) / self.ema_half_life_images
        return tf.pow(tf.constant(0.5, tf.float32), ratio)

    @staticmethod
    def _global_batch_size(data):
        """The step's global batch size: the leading dimension of the data's first tensor
        times the replicas in sync."""
        _, num_replicas = replica_info()
        first = tf.nest.flatten(data)[0]
        return tf.shape(first)[0] * num_replicas

    @staticmethod
    def _ema_attribute(attribute):
        return "ema_generator" if attribute == "generator" else f"ema_{attribute}"

    def ema_network(self, attribute="generator"):
        """The EMA copy of a generator network, or `None` without EMA."""
        return getattr(self, self._ema_attribute(attribute), None)

    def inference_network(self, attribute="generator", use_ema=True):
        """The network used for sampling and export: its EMA copy where there is one."""
        ema = self.ema_network(attribute) if use_ema else None
        return ema if ema is not None else getattr(self, attribute)

    # ---------------------------------------------------------------- protocol
    def serving_endpoints(self):
        """Signature name -> what to export. Default: the (EMA) generator as
        `serving_default`."""
        return [ServingEndpoint("serving_default", self.inference_network())]

    def example_inputs(self, n, seed=0):
        """What `generate` takes for `n` outputs (numpy)."""
        raise NotImplementedError

    def data_requirements(self):
        """Keyword arguments the task's data pipeline needs from this model."""
        return {}

    def progress_label(self):
        """A short label of where training is (e.g. the current resolution of a growing
        model), put in sample grids' file names and TensorBoard tags; `""` if none."""
        return ""

    def batch_segments(self, batch_size):
        """The data's global batch size by training step: `((start_step, batch_size), ...)`,
        the first starting at step 0. Default: `batch_size` throughout; a model whose batch
        size changes during training (progressive growing) returns its schedule's."""
        return ((0, int(batch_size)),)

    def prepare_inputs(self, images):
        """User images in [-1, 1] -> what `generate` takes (image-to-image models)."""
        return images

    # ----------------------------------------------------------------- phases
    def phases(self):
        """The model's phases (`Phase`), by name in `run_phase`."""
        return (
            Phase("discriminator", "d_optimizer", tuple(self.discriminator_attributes)),
            Phase("generator", "g_optimizer", tuple(self.generator_attributes)),
        )

    @functools.cached_property
    def _phase_table(self):
        table = {}
        for phase in self.phases():
            if phase.name in table:
                raise ValueError(f"Two phases are named {phase.name!r}.")
            table[phase.name] = phase
        return table

    def _interval_phases(self):
        return [phase for phase in self._phase_table.values() if phase.every > 1]

    def variables_of(self, attributes):
        return [v for attribute in attributes for v in getattr(self, attribute).trainable_variables]

    def generator_variables(self):
        """The variables the generator optimizer updates."""
        return self.variables_of(self.generator_attributes)

    def discriminator_variables(self):
        """The variables the discriminator optimizer updates."""
        return self.variables_of(self.discriminator_attributes)

    def run_phase(self, name, compute):
        """Runs the phase `name`: the one update primitive of every family.

        `compute()` is called under a gradient tape and returns the phase's
        per-example losses (float32, shape `[local batch]`), or
        `(per_example, logs)` with a dict of scalars to log. The primitive sums
        the losses over the global batch (divides by the global batch size),
        multiplies them by the phase's interval, adds the trained networks' own
        losses, scales the loss under `mixed_float16`, takes the gradient,
        checks it is finite on every replica and applies it. Called inside
        another phase's `compute`, it runs with that phase's tape paused.

        Returns the logs (with `"loss"`: the replica's mean per-example loss).
        A phase that is not due this step returns `None`.
        """
        phase = self._phase_table[name]
        if phase.every > 1 and self._phases_due is not None and name not in self._phases_due:
            return None
        outer = self._tapes[-1] if self._tapes else None
        with outer.stop_recording() if outer is not None else contextlib.nullcontext():
            return self._update(phase, compute)

    @property
    def _tapes(self):
        # One stack per thread: MirroredStrategy traces each replica in its own thread.
        stacks = self.__dict__.setdefault("_tape_stacks", {})
        return stacks.setdefault(threading.get_ident(), [])

    def _update(self, phase, compute):
        optimizer = getattr(self, phase.optimizer)
        variables = self.variables_of(phase.networks)
        with tf.GradientTape() as tape:
            self._tapes.append(tape)
            try:
                result = compute()
            finally:
                self._tapes.pop()
            per_example, logs = result if isinstance(result, tuple) else (result, {})
            per_example = tf.cast(per_example, tf.float32)
            loss = tf.reduce_sum(per_example) * self._inverse_global_batch(per_example)
            if phase.every > 1:
                loss = loss * float(phase.every)
            for attribute in phase.networks:
                loss = loss + regularization(getattr(self, attribute))
            scaled = optimizer.scale_loss(loss)
        apply_gradients(optimizer, tape.gradient(scaled, variables), variables)
        return {"loss": tf.reduce_mean(per_example), **logs}

    @staticmethod
    def _inverse_global_batch(per_example):
        _, num_replicas = replica_info()
        global_batch = tf.shape(per_example)[0] * num_replicas
        return 1.0 / tf.cast(global_batch, tf.float32)

    def step_seed(self, draw):
        """A stateless seed (`[2]` int64) for draw `draw` of the current step."""
        step = tf.cast(self.step_counter, tf.int64)
        return tf.stack([tf.constant(self.seed, tf.int64), step * DRAWS_PER_STEP + draw])

    def add_step_hook(self, hook):
        """Registers `hook(model, step)`, run at the start of every training step.

        The hook runs in graph mode on every replica with the step count
        (int64 tensor) before any phase: schedules (a fade-in factor, a
        learning rate) assign their variables there.
        """
        if not callable(hook):
            raise TypeError(f"A step hook must be callable. Received: {hook!r}")
        self._step_hooks.append(hook)
        self.train_function = None  # retrace with the hook

    # -------------------------------------------------------------- training
    def prepare_batch(self, data):
        """The data of one step -> the batch `update` takes."""
        return data

    def update(self, batch):
        """Composes the phases of one training step; returns the values to track."""
        raise NotImplementedError

    def tracker_names(self):
        """The names of the values `update` reports (each a `keras.metrics.Mean`)."""
        return ("d_loss", "g_loss", "d_accuracy")

    def train_step(self, data):
        batch = self.prepare_batch(data)
        for hook in self._step_hooks:
            hook(self, tf.convert_to_tensor(self.step_counter))
        # Dropout masks are drawn for the global batch, each replica keeping its rows.
        with step_draws(self.step_seed(DROPOUT_DRAW), *replica_info()):
            logs = self.update(batch)
        self.step_counter.assign_add(1)
        if self.uses_ema:
            self._update_ema(self.ema_decay_for(self._global_batch_size(data)))
        return self._reducible(self.track(logs))

    def _reducible(self, logs):
        """The logs, shaped for Keras's reduction over replicas.

        Under a multi-worker collective strategy Keras 3.15 reduces the logs
        with `strategy.reduce("MEAN", value, axis=0)`, which fails on scalars
        ("Invalid reduction dimension 0 for input with 0 dimensions", Keras
        issue #72388). There each scalar is returned as shape `[1]`: the mean
        along axis 0 over every replica is then the all-replica mean scalar,
        what one process or `MirroredStrategy` report.
        """
        if not is_multi_worker(self.distribute_strategy):
            return logs
        return {name: tf.reshape(value, [1]) if value.shape.rank == 0 else value
                for name, value in logs.items()}

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras builds the model on a first batch it all-reduces outside the replicas; under
        # a multi-worker strategy that fails on tuple batches. The networks, trackers and
        # optimizers are built already (`_finish_init`, `compile`): nothing to build.
        if is_multi_worker(self.distribute_strategy):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def track(self, logs):
        for tracker in self.metrics:
            if logs.get(tracker.name) is not None:
                tracker.update_state(logs[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.metrics}

    @property
    def metrics(self):
        if not self._compiled_gan:
            return []
        return list(self._trackers)

    def make_train_function(self, force=False):
        """Keras's train function, or — when phases have intervals — one that picks,
        outside the replicas, which phases are due this step.

        A synchronization point (the gradient all-reduce of `apply`) cannot sit in
        a `tf.cond` inside a replica, so the choice is made in the cross-replica
        context: one traced step per combination of due phases, selected by
        `tf.switch_case` on the step count.
        """
        if self.train_function is not None and not force:
            return self.train_function
        intervals = self._interval_phases()
        if not intervals:
            self._phases_due = None
            return super().make_train_function(force)
        if self.steps_per_execution != 1:
            raise ValueError("Phases with intervals run one step per execution. Received: "
                             f"steps_per_execution={self.steps_per_execution}")
        period = math.lcm(*(phase.every for phase in intervals))
        combos = sorted({frozenset(p.name for p in intervals if step % p.every == 0)
                         for step in range(period)}, key=sorted)
        index_of_step = [combos.index(frozenset(p.name for p in intervals
                                                if step % p.every == 0))
                         for step in range(period)]
        from keras.src.backend.tensorflow.trainer import reduce_per_replica

        strategy = self.distribute_strategy

        def branch(combo, data):
            self._phases_due = combo  # read while the replicas are traced
            try:
                outputs = strategy.run(self.train_step, args=(data,))
            finally:
                self._phases_due = None
            return reduce_per_replica(outputs, strategy, reduction="auto")

        def one_step_on_data(data):
            step = tf.cast(self.step_counter, tf.int64) % period
            index = tf.gather(tf.constant(index_of_step, tf.int32), step)
            branches = [functools.partial(branch, combo, data) for combo in combos]
            return tf.switch_case(index, branches)

        if not self.run_eagerly:
            one_step_on_data = tf.function(one_step_on_data, reduce_retracing=True,
                                           jit_compile=self.jit_compile)
        one_step_on_data = self._autoconvert_optionals(one_step_on_data)

        def function(iterator):
            if isinstance(iterator, (tf.data.Iterator, tf.distribute.DistributedIterator)):
                optional = iterator.get_next_as_optional()
                if not optional.has_value():
                    raise StopIteration
                return one_step_on_data(optional.get_value())
            for data in itertools.islice(iterator, 1):
                return one_step_on_data(data)
            raise StopIteration

        self.train_function = function
        return function

    def _update_ema(self, decay):
        step = tf.cast(self.step_counter, tf.float32)
        decay = tf.where(step <= float(self.ema_start_step), 0.0, decay)
        # The EMA copies are frozen (trainable=False), so pair the full weight lists;
        # trainable weights are averaged, the rest (batch-norm statistics) copied.
        pairs = []
        for attribute in self.generator_attributes:
            ema, network = self.ema_network(attribute), getattr(self, attribute)
            pairs += [(e.value, w.value, w.trainable) for e, w in zip(ema.weights, network.weights)]

        def merge_fn(strategy, decay):
            for ema_var, var, averaged in pairs:
                def update(e, w, d, averaged=averaged):
                    d = tf.cast(d, e.dtype) if averaged else tf.zeros([], e.dtype)
                    return e.assign(d * e + (1.0 - d) * tf.cast(w, e.dtype))

                strategy.extended.update(ema_var, update, args=(var, decay), group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            merge_fn, self.distribute_strategy, decay
        )

    def sync_ema(self):
        """Copies the generator networks' weights into their EMA copies."""
        for attribute in self.generator_attributes:
            ema = self.ema_network(attribute)
            if ema is not None:
                ema.set_weights(getattr(self, attribute).get_weights())

    # --------------------------------------------------------------- compile
    def _uses_loss_scaling(self):
        policy = getattr(self.generator, "dtype_policy", None)
        names = {getattr(policy, "name", None), keras.mixed_precision.global_policy().name}
        return "mixed_float16" in names

    def _build_optimizers(self, g_optimizer, d_optimizer, default):
        g_optimizer = as_optimizer(g_optimizer, default)
        d_optimizer = as_optimizer(d_optimizer, default)
        if self._uses_loss_scaling():
            if not isinstance(g_optimizer, keras.optimizers.LossScaleOptimizer):
                g_optimizer = keras.optimizers.LossScaleOptimizer(g_optimizer)
            if not isinstance(d_optimizer, keras.optimizers.LossScaleOptimizer):
                d_optimizer = keras.optimizers.LossScaleOptimizer(d_optimizer)
        # Optimizer variables must exist in the strategy's scope before `fit`.
        with self.distribute_strategy.scope():
            g_optimizer.build(self.generator_variables())
            d_optimizer.build(self.discriminator_variables())
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    def _finish_compile(self, compile_config, jit_compile, steps_per_execution, **kwargs):
        self._trackers = [keras.metrics.Mean(name=name) for name in self.tracker_names()]
        self._gan_compile_config = {
            "g_optimizer": keras.optimizers.serialize(inner_optimizer(self.g_optimizer)),
            "d_optimizer": keras.optimizers.serialize(inner_optimizer(self.d_optimizer)),
            **compile_config,
            "jit_compile": jit_compile,
            "steps_per_execution": steps_per_execution,
        }
        # `optimizer` is the generator's: Keras callbacks read `model.optimizer.iterations`.
        keras.Model.compile(self, optimizer=self.g_optimizer, jit_compile=jit_compile,
                            steps_per_execution=steps_per_execution, **kwargs)
        self._compiled_gan = True

    def get_compile_config(self):
        if not self._compiled_gan:
            return {}
        if self._gan_compile_config.get("loss", "") is None:
            raise ValueError(
                "A GAN compiled with loss functions (not a registered name) cannot "
                "serialize its compile config; register the pair with "
                "`kerasgan.losses.register_loss` and compile with its name."
            )
        return dict(self._gan_compile_config)

    def compile_from_config(self, config):
        config = dict(config)
        config["g_optimizer"] = keras.optimizers.deserialize(config["g_optimizer"])
        config["d_optimizer"] = keras.optimizers.deserialize(config["d_optimizer"])
        self.compile(**config)

    # --------------------------------------------------------------- helpers
    def real_fake_accuracy(self, real_logits, fake_logits, threshold=0.0):
        """The share of real logits above `threshold` and fake ones at or below it."""
        real_ok = tf.cast(tf.reshape(real_logits, [tf.shape(real_logits)[0], -1]) > threshold,
                          tf.float32)
        fake_ok = tf.cast(tf.reshape(fake_logits, [tf.shape(fake_logits)[0], -1]) <= threshold,
                          tf.float32)
        return 0.5 * (tf.reduce_mean(real_ok) + tf.reduce_mean(fake_ok))

    def _network_config(self, attributes):
        return {attribute: keras.saving.serialize_keras_object(getattr(self, attribute))
                for attribute in attributes}

    @classmethod
    def _deserialize_networks(cls, config, attributes):
        config = copy.deepcopy(config)  # deserialization consumes the nested dicts
        for attribute in attributes:
            config[attribute] = keras.saving.deserialize_keras_object(config[attribute])
        return config


def loss_pair(loss):
    """`(discriminator_loss, generator_loss)` from a registered name or a pair of functions."""
    if isinstance(loss, str):
        return get_loss(loss)
    return loss


def uniform_or_normal(shape, seed, distribution):
    if distribution == "normal":
        return tf.random.stateless_normal(shape, seed)
    return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)


def as_numpy_images(images):
    return np.asarray(tf.cast(images, tf.float32))
