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
a function of the step count alone: a model's step hook reads the step
counter and sets `lod`, the learning rates and the optimizer reset, and a run
resumed at any step continues with the same values.

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

import numpy as np


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
            have no entry (`G_lrate_base`, `D_lrate_base`).
        g_learning_rates, d_learning_rates: `{resolution: learning rate}`.
        repeats: steps between two evaluations of the schedule
            (`minibatch_repeats`).
        reset_optimizers: reset the optimizers' state at each new segment
            (`reset_opt_for_new_lod`).
    """

    def __init__(self, resolution, initial_resolution=4, stabilize_images=600_000,
                 fade_images=600_000, batch_size=16, batch_sizes=None, g_learning_rate=0.001,
                 d_learning_rate=0.001, g_learning_rates=None, d_learning_rates=None, repeats=4,
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
        self.g_learning_rate = float(g_learning_rate)
        self.d_learning_rate = float(d_learning_rate)
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
        import tensorflow as tf

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
