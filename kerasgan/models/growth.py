"""Progressive growing as a function of the training step (Progressive GAN, StyleGAN).

The official Progressive GAN training loop (`train.py`, `TrainingSchedule`)
measures training in images shown. Starting at `initial_resolution`, each
resolution is trained for `stabilize_images` images, then the next one is
faded in over `fade_images` images, until the full resolution is reached and
trained on for the rest of the run. The level of detail is

    lod = log2(resolution / initial_resolution) - phase
          - max(images_in_phase - stabilize_images, 0) / fade_images

(clipped at 0) with `phase = images // (stabilize_images + fade_images)`; the
current resolution is `resolution / 2**floor(lod)`, and the batch size and
learning rates are looked up by it. The loop re-evaluates the schedule every
`repeats` steps (`minibatch_repeats = 4`), counting the images of the steps
before, and resets the optimizers' state whenever `floor(lod)` or `ceil(lod)`
changes: at the start of every fade-in and of every stabilization.

`GrowthSchedule` turns this into **segments of steps** (a stabilization or a
fade-in, each with one batch size and learning rates), so that every value is
a function of the step count alone. `Growing`, mixed into a training model,
adds the step hook that reads the step counter and sets every
`LevelOfDetail` of its networks, both learning rates and the optimizer reset,
and fades the real images to the current level of detail; a run resumed at
any step continues with the same values.

Examples:

>>> schedule = GrowthSchedule(resolution=16, initial_resolution=4, stabilize_images=64,
...                           fade_images=64, batch_sizes={4: 16, 8: 8, 16: 8}, repeats=1)
>>> [(s.kind, s.resolution, s.batch_size, s.steps) for s in schedule.segments][:3]
[('stabilize', 4, 16, 5), ('fade', 8, 8, 6), ('stabilize', 8, 8, 9)]
>>> schedule.values_at(0)["lod"], schedule.values_at(8)["lod"], schedule.values_at(12)["lod"]
(2.0, 1.375, 1.0)
"""

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf

from kerasgan.layers.level_of_detail import LevelOfDetail
from kerasgan.models.base import inner_optimizer


def _check_power_of_two(name, value):
    if (not isinstance(value, int) or isinstance(value, bool) or value < 4
            or value & (value - 1)):
        raise ValueError(f"`{name}` must be a power of 2, at least 4. Received: {name}={value!r}")


def _check_count(name, value, minimum):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")


@dataclasses.dataclass(frozen=True)
class Segment:
    """Steps `[start, start + steps)` of one stabilization or fade-in.

    `images` is the count of images shown before the segment's first step;
    `resolution` the resolution shown (the one fading in, during a fade-in).
    """

    kind: str
    resolution: int
    start: int
    steps: int
    images: int
    batch_size: int
    g_learning_rate: float
    d_learning_rate: float


class GrowthSchedule:
    """The official growth schedule, in training steps.

    Args:
        resolution: the final resolution (a power of 2).
        initial_resolution: the resolution training starts at.
        stabilize_images: images shown at each resolution before the next fades in
            (official `lod_training_kimg` * 1000).
        fade_images: images shown while a new resolution fades in
            (`lod_transition_kimg` * 1000).
        batch_size: the global batch size where `batch_sizes` has no entry
            (`minibatch_base`).
        batch_sizes: `{resolution: global batch size}` (`minibatch_dict`).
        g_learning_rate, d_learning_rate: the learning rates where the dicts
            have no entry (`G_lrate_base`, `D_lrate_base`); `None`: the
            learning rate the model's optimizer is compiled with.
        g_learning_rates, d_learning_rates: `{resolution: learning rate}`.
        repeats: steps between two evaluations of the schedule
            (`minibatch_repeats`).
        reset_optimizers: reset the optimizers' state at each new segment
            (`reset_opt_for_new_lod`).
    """

    def __init__(self, resolution, initial_resolution=4, stabilize_images=600_000,
                 fade_images=600_000, batch_size=16, batch_sizes=None, g_learning_rate=None,
                 d_learning_rate=None, g_learning_rates=None, d_learning_rates=None, repeats=4,
                 reset_optimizers=True):
        _check_power_of_two("resolution", resolution)
        _check_power_of_two("initial_resolution", initial_resolution)
        if initial_resolution > resolution:
            raise ValueError(f"`initial_resolution` ({initial_resolution}) must not exceed "
                             f"`resolution` ({resolution}).")
        _check_count("stabilize_images", stabilize_images, 1)
        _check_count("fade_images", fade_images, 1)
        _check_count("batch_size", batch_size, 1)
        _check_count("repeats", repeats, 1)
        self.resolution = resolution
        self.initial_resolution = initial_resolution
        self.stabilize_images = stabilize_images
        self.fade_images = fade_images
        self.batch_size = batch_size
        self.batch_sizes = self._per_resolution("batch_sizes", batch_sizes, int)
        for name, rate in (("g_learning_rate", g_learning_rate),
                           ("d_learning_rate", d_learning_rate)):
            if rate is not None and (isinstance(rate, bool) or not isinstance(
                    rate, (int, float)) or not rate > 0):
                raise ValueError(f"`{name}` must be None (the optimizer's) or a positive "
                                 f"number. Received: {name}={rate!r}")
        self.g_learning_rate = None if g_learning_rate is None else float(g_learning_rate)
        self.d_learning_rate = None if d_learning_rate is None else float(d_learning_rate)
        self.g_learning_rates = self._per_resolution("g_learning_rates", g_learning_rates, float)
        self.d_learning_rates = self._per_resolution("d_learning_rates", d_learning_rates, float)
        self.repeats = repeats
        self.reset_optimizers = bool(reset_optimizers)
        self.max_lod = int(math.log2(resolution // initial_resolution))
        self.segments = self._segments()

    def _per_resolution(self, name, values, kind):
        values = dict(values or {})
        result = {}
        for key, value in values.items():
            key = int(key)  # JSON configs hold string keys
            _check_power_of_two(f"{name} key", key)
            if (kind is int and (not isinstance(value, int) or isinstance(value, bool)
                                 or value < 1)) or (kind is float and not value > 0):
                raise ValueError(f"`{name}` must map resolutions to positive "
                                 f"{kind.__name__}s. Received: {name}[{key}]={value!r}")
            result[key] = kind(value)
        return result

    def get_config(self):
        return {
            "resolution": self.resolution, "initial_resolution": self.initial_resolution,
            "stabilize_images": self.stabilize_images, "fade_images": self.fade_images,
            "batch_size": self.batch_size,
            "batch_sizes": {str(k): v for k, v in sorted(self.batch_sizes.items())},
            "g_learning_rate": self.g_learning_rate, "d_learning_rate": self.d_learning_rate,
            "g_learning_rates": {str(k): v for k, v in sorted(self.g_learning_rates.items())},
            "d_learning_rates": {str(k): v for k, v in sorted(self.d_learning_rates.items())},
            "repeats": self.repeats, "reset_optimizers": self.reset_optimizers,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def with_base_rates(self, g_learning_rate, d_learning_rate):
        """This schedule with the base learning rates that are `None` set to these."""
        config = self.get_config()
        for key, rate in (("g_learning_rate", g_learning_rate),
                          ("d_learning_rate", d_learning_rate)):
            if config[key] is None:
                config[key] = float(rate)
        return GrowthSchedule.from_config(config)

    def batch_segments(self):
        """`((start_step, global batch size), ...)`: where the data's batch size changes."""
        segments = []
        for segment in self.segments:
            if not segments or segments[-1][1] != segment.batch_size:
                segments.append((segment.start, segment.batch_size))
        return tuple(segments)

    # ------------------------------------------------------------ the schedule
    def lod_of_images(self, images):
        """The official level of detail after `images` images (numpy, float64)."""
        period = self.stabilize_images + self.fade_images
        phase = images // period
        in_phase = images - phase * period
        lod = self.max_lod - phase - np.maximum(in_phase - self.stabilize_images, 0) / (
            self.fade_images)
        return np.maximum(lod, 0.0)

    def _at_resolution(self, resolution):
        return (self.batch_sizes.get(resolution, self.batch_size),
                self.g_learning_rates.get(resolution, self.g_learning_rate),
                self.d_learning_rates.get(resolution, self.d_learning_rate))

    def _segments(self):
        segments, step, images = [], 0, 0
        period = self.stabilize_images + self.fade_images
        for phase in range(self.max_lod + 1):
            resolution = self.initial_resolution * 2 ** phase
            # Stabilization: the evaluations where images <= the phase's stabilization end
            # (lod is an integer there); the last phase lasts for the rest of the run.
            end = phase * period + self.stabilize_images
            batch, g_lr, d_lr = self._at_resolution(resolution)
            per_evaluation = self.repeats * batch
            if phase == self.max_lod:
                segments.append(Segment("stabilize", resolution, step, 0, images, batch,
                                        g_lr, d_lr))
                break
            evaluations = max(0, (end - images) // per_evaluation + 1)
            segments.append(Segment("stabilize", resolution, step, evaluations * self.repeats,
                                    images, batch, g_lr, d_lr))
            step += evaluations * self.repeats
            images += evaluations * per_evaluation
            # Fade-in of the next resolution: images in (stabilization end, phase end).
            resolution *= 2
            end = (phase + 1) * period
            batch, g_lr, d_lr = self._at_resolution(resolution)
            per_evaluation = self.repeats * batch
            evaluations = max(0, -(-(end - images) // per_evaluation))
            segments.append(Segment("fade", resolution, step, evaluations * self.repeats,
                                    images, batch, g_lr, d_lr))
            step += evaluations * self.repeats
            images += evaluations * per_evaluation
        return [segment for segment in segments if segment.steps or segment is segments[-1]]

    @property
    def growth_steps(self):
        """The step at which the full resolution is reached and stays."""
        return self.segments[-1].start

    def segment_at(self, step):
        index = 0
        for number, segment in enumerate(self.segments):
            if segment.start <= step:
                index = number
        return self.segments[index]

    def values_at(self, step):
        """The schedule's values at `step` (Python; `step_values` is the in-graph twin)."""
        if not isinstance(step, (int, np.integer)) or step < 0:
            raise ValueError(f"`step` must be an integer >= 0. Received: step={step!r}")
        segment = self.segment_at(int(step))
        evaluation = (int(step) - segment.start) // self.repeats
        images = segment.images + evaluation * self.repeats * segment.batch_size
        return {"lod": float(self.lod_of_images(images)), "resolution": segment.resolution,
                "batch_size": segment.batch_size, "images": images,
                "g_learning_rate": segment.g_learning_rate,
                "d_learning_rate": segment.d_learning_rate,
                "reset": self.reset_optimizers and step == segment.start and step > 0}

    def step_values(self, step):
        """The values at `step` (an int64 tensor) in graph mode: a dict of tensors
        (`lod`, `resolution`, `batch_size`, `g_learning_rate`, `d_learning_rate`,
        `reset`)."""
        if self.g_learning_rate is None or self.d_learning_rate is None:
            raise ValueError("The schedule's base learning rates are unset (None): take them "
                             "from the optimizers with `with_base_rates` first.")
        starts = tf.constant([s.start for s in self.segments], tf.int64)
        step = tf.cast(step, tf.int64)
        index = tf.reduce_sum(tf.cast(starts <= step, tf.int32)) - 1

        def column(values, dtype):
            return tf.gather(tf.constant(values, dtype), index)

        start = column([s.start for s in self.segments], tf.int64)
        batch = column([s.batch_size for s in self.segments], tf.int64)
        evaluation = (step - start) // self.repeats
        images = column([s.images for s in self.segments], tf.int64) + (
            evaluation * self.repeats * batch)
        period = self.stabilize_images + self.fade_images
        phase = images // period
        in_phase = tf.cast(images - phase * period, tf.float64)
        lod = float(self.max_lod) - tf.cast(phase, tf.float64) - tf.maximum(
            in_phase - float(self.stabilize_images), 0.0) / float(self.fade_images)
        return {
            "lod": tf.cast(tf.maximum(lod, 0.0), tf.float32),
            "resolution": column([s.resolution for s in self.segments], tf.int64),
            "batch_size": batch,
            "g_learning_rate": column([s.g_learning_rate for s in self.segments], tf.float32),
            "d_learning_rate": column([s.d_learning_rate for s in self.segments], tf.float32),
            "reset": tf.logical_and(tf.logical_and(step == start, step > 0),
                                    self.reset_optimizers),
        }


def parse_resolution_table(name, text, kind):
    """`"8:64,16:32"` -> `{8: 64, 16: 32}` (values of `kind`), or a `ValueError` naming
    `name` and the entry."""
    table = {}
    for entry in (part.strip() for part in (text or "").split(",")):
        if not entry:
            continue
        key, sep, value = entry.partition(":")
        try:
            if not sep:
                raise ValueError
            table[int(key)] = kind(value)
        except ValueError:
            raise ValueError(f"`{name}` must be a list of RESOLUTION:VALUE entries such as "
                             f"'8:64,16:32'. Received: {name}={text!r} (entry {entry!r})"
                             ) from None
    return table


def growth_arguments(initial_resolution, batch_sizes, learning_rates, dataset):
    """The recipe arguments of a growing recipe's schedule and data, with its defaults
    (`dataset`: the official dataset whose run mirrors its images, for the help)."""
    from kerasgan.models.registry import Argument

    return (
        Argument("initial_resolution", int, initial_resolution, "resolution training starts at"),
        Argument("stabilize_kimg", float, 600.0, "thousands of images per stabilization"),
        Argument("fade_kimg", float, 600.0, "thousands of images per fade-in"),
        Argument("batch_sizes", str, batch_sizes, "global batch size per resolution "
                 "(RES:BATCH,...; --batch-size elsewhere)"),
        Argument("learning_rates", str, learning_rates, "G and D learning rate per "
                 "resolution (RES:RATE,...; the optimizers' elsewhere)"),
        Argument("minibatch_repeats", int, 4, "steps between two reads of the schedule"),
        Argument("mirror", bool, False, "flip the images left-right at random (the official "
                 f"mirror_augment, on for {dataset})", target="data"),
    )


def growth_schedule(image_size, batch_size, initial_resolution, stabilize_kimg, fade_kimg,
                    batch_sizes, learning_rates, minibatch_repeats):
    """The `GrowthSchedule` of a growing recipe's arguments (kimg: thousands of images)."""
    for name, kimg in (("stabilize_kimg", stabilize_kimg), ("fade_kimg", fade_kimg)):
        if not kimg > 0:
            raise ValueError(f"`{name}` must be positive. Received: {name}={kimg!r}")
    rates = parse_resolution_table("learning_rates", learning_rates, float)
    return GrowthSchedule(
        resolution=image_size, initial_resolution=initial_resolution,
        stabilize_images=max(1, round(stabilize_kimg * 1000)),
        fade_images=max(1, round(fade_kimg * 1000)), batch_size=batch_size,
        batch_sizes={key: value for key, value in parse_resolution_table(
            "batch_sizes", batch_sizes, int).items() if key <= image_size},
        g_learning_rates={k: v for k, v in rates.items() if k <= image_size},
        d_learning_rates={k: v for k, v in rates.items() if k <= image_size},
        repeats=minibatch_repeats)


def box_filtered(images, lod, max_lod):
    """The official `process_reals` fade of real images to level of detail `lod`.

    The official loop reads the reals at resolution `2**floor(lod)` times
    smaller (2x2 box-filtered, as `dataset_tool.py` writes them), blends them
    with their own 2x2 box filter by `lod - floor(lod)` and upscales them
    (nearest) to full size. With `B_k` the full-size image box-filtered over
    `2**k` x `2**k` blocks, that is `sum_k max(0, 1 - |lod - k|) * B_k`.
    """
    images = tf.cast(images, tf.float32)
    lod = tf.reshape(tf.cast(lod, tf.float32), [])
    total = tf.zeros_like(images)
    level = images
    for k in range(max_lod + 1):
        if k:
            level = tf.nn.avg_pool2d(level, 2, 2, "VALID")
        weight = tf.maximum(0.0, 1.0 - tf.abs(lod - float(k)))
        block = level
        if k:
            block = tf.repeat(tf.repeat(level, 2**k, axis=1), 2**k, axis=2)
        total = total + weight * block
    return total


def level_of_detail_variables(network):
    """The `lod` variables of every `LevelOfDetail` layer inside `network` (nested models
    included), in layer order."""
    found = []

    def walk(layer):
        if isinstance(layer, LevelOfDetail):
            found.append(layer.lod)
        for child in getattr(layer, "layers", ()):
            walk(child)

    walk(network)
    return found


class Growing:
    """Mixed into a latent training model (before `GAN`): progressive growing inside `fit`.

    Call `_init_growth(schedule)` at the end of `__init__` and
    `_check_growth_optimizers()` at the end of `compile`. A step hook then
    sets, from the schedule and the step count, the level of detail of every
    `LevelOfDetail` in the generator and discriminator (the EMA copy follows
    the generator's), both learning rates of the current resolution, and —
    on the first step of each stabilization and fade-in — zeroes both
    optimizers' state (moments and iteration count; the learning rate is
    set, not reset), as the official `reset_optimizer_state`. Each batch of
    reals is faded to the current level of detail (`box_filtered`), and the
    data's global batch size is checked against the schedule's at every
    step. The logs report `lod`.
    """

    def _init_growth(self, schedule):
        if schedule is None:
            schedule = GrowthSchedule(resolution=self._network_resolution())
        if isinstance(schedule, dict):
            schedule = GrowthSchedule.from_config(schedule)
        if not isinstance(schedule, GrowthSchedule):
            raise TypeError(f"`schedule` must be a GrowthSchedule or its config. "
                            f"Received: {schedule!r}")
        resolution = self._network_resolution()
        if schedule.resolution != resolution:
            raise ValueError(f"The growth schedule ends at {schedule.resolution} px but the "
                             f"networks are {resolution} px. Received: schedule.resolution="
                             f"{schedule.resolution}")
        if schedule.max_lod > self.generator.max_lod:
            raise ValueError(f"The schedule starts at {schedule.initial_resolution} px; the "
                             f"generator grows from {resolution // 2**self.generator.max_lod} "
                             "px.")
        if not level_of_detail_variables(self.generator) or not level_of_detail_variables(
                self.discriminator):
            raise ValueError("Growing needs a LevelOfDetail layer in both the generator and "
                             "the discriminator.")
        self.schedule = schedule
        self.add_step_hook(Growing._grow)

    def _network_resolution(self):
        return int(self.generator.outputs[0].shape[1])

    def _check_growth_optimizers(self):
        """Checks the compiled optimizers and takes the schedule's unset base learning rates
        from them."""
        rates = []
        for optimizer in (self.g_optimizer, self.d_optimizer):
            rate = inner_optimizer(optimizer)._learning_rate
            if not isinstance(rate, keras.Variable):
                raise ValueError("A growing model sets the learning rates of each resolution "
                                 "itself: compile it with plain float learning rates. "
                                 f"Received: learning_rate={rate!r}")
            rates.append(float(inner_optimizer(optimizer).get_config()["learning_rate"]))
        self._active_schedule = self.schedule.with_base_rates(*rates)

    @property
    def resolved_schedule(self):
        """The schedule training follows: `schedule` with the base learning rates it leaves
        unset taken from the compiled optimizers (`None` before `compile`)."""
        return getattr(self, "_active_schedule", None)

    def batch_segments(self, batch_size):
        """The schedule's global batch sizes by step (the run's `batch_size` is unused: the
        schedule's `batch_size` and `batch_sizes` set them)."""
        return self.schedule.batch_segments()

    def _grow(self, step):
        values = self._active_schedule.step_values(step)
        lods = [variable.value for network in (self.generator, self.discriminator)
                for variable in level_of_detail_variables(network)]
        optimizers = [inner_optimizer(self.g_optimizer), inner_optimizer(self.d_optimizer)]
        rates = [optimizer._learning_rate.value for optimizer in optimizers]
        states = [variable.value for optimizer in optimizers for variable in optimizer.variables
                  if variable is not optimizer._learning_rate]

        def merge_fn(strategy, lod, reset, g_rate, d_rate):
            extended = strategy.extended
            for variable in lods:
                extended.update(variable, lambda v, t: v.assign(t), args=(lod,), group=False)
            for variable, rate in zip(rates, (g_rate, d_rate)):
                extended.update(variable, lambda v, r: v.assign(tf.cast(r, v.dtype)),
                                args=(rate,), group=False)
            for variable in states:
                extended.update(
                    variable, lambda v, r: v.assign(tf.where(r, tf.zeros_like(v), v)),
                    args=(reset,), group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            merge_fn, self.distribute_strategy, values["lod"], values["reset"],
            values["g_learning_rate"], values["d_learning_rate"])

    def progress_label(self):
        """`"16px"` at a stabilization, `"16px-fade0.25"` while 16 px fades in (a quarter
        of the way)."""
        lod = float(keras.ops.convert_to_numpy(level_of_detail_variables(self.generator)[0]))
        level = math.floor(lod)
        label = f"{self.schedule.resolution // 2**level}px"
        if lod > level:
            label += f"-fade{1.0 - (lod - level):.2f}"
        return label

    def tracker_names(self):
        return super().tracker_names() + ("lod",)

    def prepare_batch(self, data):
        batch = super().prepare_batch(data)
        values = self._active_schedule.step_values(tf.convert_to_tensor(self.step_counter))
        expected = tf.cast(values["batch_size"], tf.int32)
        check = tf.debugging.assert_equal(
            tf.cast(batch["global"], tf.int32), expected,
            message="The global batch size of the data must equal the growth schedule batch "
                    "size at this step (x: the data, y: the schedule)")
        with tf.control_dependencies([check]):
            batch["real"] = box_filtered(batch["real"], values["lod"], self.schedule.max_lod)
        batch["lod"] = values["lod"]
        return batch

    def update(self, batch):
        logs = super().update(batch)
        return {**logs, "lod": batch["lod"]}

    def get_config(self):
        return {**super().get_config(), "schedule": self.schedule.get_config()}
