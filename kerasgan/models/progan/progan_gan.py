"""The Progressive GAN training model: WGAN-GP with the drift term, grown inside `fit`."""

import keras
import tensorflow as tf

from kerasgan.models.base import inner_optimizer
from kerasgan.models.gan import GAN
from kerasgan.models.growth import GrowthSchedule

# The official G_opt / D_opt (config.py) with the schedule's base learning rate.
_OFFICIAL_ADAM = {"class_name": "Adam",
                  "config": {"learning_rate": 0.001, "beta_1": 0.0, "beta_2": 0.99,
                             "epsilon": 1e-8}}


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


@keras.saving.register_keras_serializable(package="kerasgan")
class ProGAN(GAN):
    """Progressive GAN training (Karras et al., 2018): the networks grow inside `fit`.

    A step hook reads the step count and sets, from the `GrowthSchedule`
    (the official `TrainingSchedule` in steps), the networks' level of detail,
    both learning rates of the current resolution and — on the first step of
    each stabilization and fade-in — resets both optimizers' state (moments and
    iteration count, as the official `reset_optimizer_state`). Real images are
    faded to the current level of detail as the official `process_reals` does.
    Every value is a function of the step count, so a run resumed from a
    `.keras` file at any step, mid-fade included, continues exactly.

    The loss is the official WGAN-GP (`D_wgangp_acgan`, `G_wgan_acgan` without
    labels): the critic's `fake - real`, the gradient penalty with weight
    `gradient_penalty_weight` (10) and the drift term `drift_weight * real**2`
    (epsilon_drift = 0.001); one critic step per generator step, each with its
    own latents. The generator's EMA copy (`ema_decay`, official G_smoothing =
    0.999) is what samples and exports use; its level of detail follows the
    generator's.

    The data's global batch size must be the schedule's at every step
    (`schedule.values_at(step)["batch_size"]`): a step with another batch size
    fails with both figures in the error.

    Args:
        generator, discriminator: `ProGANGenerator` and `ProGANDiscriminator`
            (or any networks with `max_lod`, holding a `LevelOfDetail` layer
            named `lod`).
        schedule: a `GrowthSchedule` or its config dict; its resolution must be
            the networks'.
        **kwargs: `GAN`'s arguments (`ema_decay`, `seed`, ...).

    Examples:

    >>> import numpy as np
    >>> from kerasgan.models.progan import ProGANGenerator, ProGANDiscriminator
    >>> schedule = GrowthSchedule(resolution=8, stabilize_images=8, fade_images=8,
    ...                           batch_size=4, repeats=1)
    >>> gan = ProGAN(ProGANGenerator(resolution=8, fmap_base=16, latent_dim=8),
    ...              ProGANDiscriminator(resolution=8, fmap_base=16), schedule=schedule)
    >>> gan.compile()
    >>> images = np.random.uniform(-1, 1, (24, 8, 8, 3)).astype("float32")
    >>> _ = gan.fit(images, batch_size=4, epochs=1, verbose=0)
    >>> gan.generator.lod, gan.discriminator.lod  # 3 steps at 4x4, 1 fading, 2 at 8x8
    (0.0, 0.0)
    """

    def __init__(self, generator, discriminator, schedule=None, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
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
        if schedule.max_lod > generator.max_lod:
            raise ValueError(f"The schedule starts at {schedule.initial_resolution} px; the "
                             f"generator grows from {resolution // 2**generator.max_lod} px.")
        self.schedule = schedule
        self.add_step_hook(ProGAN._grow)

    def _network_resolution(self):
        return int(self.generator.outputs[0].shape[1])

    def _lod_variables(self):
        networks = [self.generator, self.discriminator]
        return [network.get_layer("lod").lod for network in networks]

    # ------------------------------------------------------------------ compile
    def compile(self, g_optimizer=None, d_optimizer=None, loss="wasserstein",
                gradient_penalty_weight=10.0, drift_weight=0.001, d_steps=1,
                reuse_fake_batch=False, **kwargs):
        """The official training settings by default: WGAN-GP (lambda 10, drift 0.001), one
        critic step, fresh latents for the generator step, Adam(beta=(0, 0.99), eps=1e-8)
        whose learning rate the schedule sets."""
        g_optimizer = _OFFICIAL_ADAM if g_optimizer is None else g_optimizer
        d_optimizer = _OFFICIAL_ADAM if d_optimizer is None else d_optimizer
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, loss=loss,
                        gradient_penalty_weight=gradient_penalty_weight,
                        drift_weight=drift_weight, d_steps=d_steps,
                        reuse_fake_batch=reuse_fake_batch, **kwargs)
        for optimizer in (self.g_optimizer, self.d_optimizer):
            rate = inner_optimizer(optimizer)._learning_rate
            if not isinstance(rate, keras.Variable):
                raise ValueError("ProGAN sets the learning rates of each resolution itself: "
                                 "compile it with plain float learning rates. Received: "
                                 f"learning_rate={rate!r}")

    def tracker_names(self):
        return super().tracker_names() + ("lod",)

    # ----------------------------------------------------------------- growing
    def _grow(self, step):
        values = self.schedule.step_values(step)
        lods = [variable.value for variable in self._lod_variables()]
        rates = [(inner_optimizer(self.g_optimizer)._learning_rate.value,
                  values["g_learning_rate"]),
                 (inner_optimizer(self.d_optimizer)._learning_rate.value,
                  values["d_learning_rate"])]
        states = [variable.value for optimizer in (self.g_optimizer, self.d_optimizer)
                  for variable in inner_optimizer(optimizer).variables
                  if variable is not inner_optimizer(optimizer)._learning_rate]

        def merge_fn(strategy, lod, reset, g_rate, d_rate):
            extended = strategy.extended
            for variable in lods:
                extended.update(variable, lambda v, t: v.assign(t), args=(lod,), group=False)
            for (variable, _), rate in zip(rates, (g_rate, d_rate)):
                extended.update(variable, lambda v, r: v.assign(tf.cast(r, v.dtype)),
                                args=(rate,), group=False)
            for variable in states:
                extended.update(
                    variable, lambda v, r: v.assign(tf.where(r, tf.zeros_like(v), v)),
                    args=(reset,), group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            merge_fn, self.distribute_strategy, values["lod"], values["reset"],
            values["g_learning_rate"], values["d_learning_rate"])

    # ---------------------------------------------------------------- training
    def prepare_batch(self, data):
        batch = super().prepare_batch(data)
        values = self.schedule.step_values(tf.convert_to_tensor(self.step_counter))
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

    # ----------------------------------------------------------- serialization
    def get_config(self):
        return {**super().get_config(), "schedule": self.schedule.get_config()}
