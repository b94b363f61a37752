"""The StyleGAN training model: logistic loss with R1, style mixing, tracked w_avg, grown in
`fit`."""

import keras
import tensorflow as tf

from kerasgan.models.base import replica_info
from kerasgan.models.gan import GAN
from kerasgan.models.growth import Growing, GrowthSchedule
from kerasgan.models.stylegan.stylegan_generator import StyleGANGenerator

# The official G_opt / D_opt (train.py) with the schedule's base learning rate (G_lrate_base).
_OFFICIAL_ADAM = {"class_name": "Adam",
                  "config": {"learning_rate": 0.001, "beta_1": 0.0, "beta_2": 0.99,
                             "epsilon": 1e-8}}
# The official schedule (train.py, 8 GPUs; training_loop.py defaults for the rest).
OFFICIAL_BATCH_SIZES = {4: 512, 8: 256, 16: 128, 32: 64, 64: 32}
OFFICIAL_BATCH_BASE = 32
OFFICIAL_LEARNING_RATES = {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003}
OFFICIAL_INITIAL_RESOLUTION = 8
OFFICIAL_EMA_HALF_LIFE_KIMG = 10.0
# Draws of a step (see `AdversarialModel.step_seed`): the second latents of style mixing and
# the mixing decision with its crossover, each offset by the phase's draw index.
_MIX_LATENT_DRAW, _MIX_DRAW = 16, 24


def official_schedule(resolution):
    """The official StyleGAN `GrowthSchedule` for `resolution` px (base learning rates: the
    optimizers')."""
    return GrowthSchedule(
        resolution=resolution, initial_resolution=min(OFFICIAL_INITIAL_RESOLUTION, resolution),
        stabilize_images=600_000, fade_images=600_000, batch_size=OFFICIAL_BATCH_BASE,
        batch_sizes={k: v for k, v in OFFICIAL_BATCH_SIZES.items() if k <= resolution},
        g_learning_rates={k: v for k, v in OFFICIAL_LEARNING_RATES.items() if k <= resolution},
        d_learning_rates={k: v for k, v in OFFICIAL_LEARNING_RATES.items() if k <= resolution},
        repeats=4, reset_optimizers=True)


@keras.saving.register_keras_serializable(package="kerasgan")
class StyleGAN(Growing, GAN):
    """StyleGAN training (Karras et al., 2019): style mixing, tracked w_avg, grown inside `fit`.

    As the official `training_loop.py` with `G_style`, `D_basic`,
    `G_logistic_nonsaturating` and `D_logistic_simplegp`:

    - growth: the `GrowthSchedule` step hook sets the level of detail of both
      networks, the learning rates of the current resolution and resets both
      optimizers at each new stabilization and fade-in; reals are faded to the
      level of detail (see `Growing`);
    - loss: non-saturating logistic, R1 on the (faded) reals with
      `r1_weight` = gamma = 10 (adds `gamma / 2 * sum(grad**2)` per example,
      the official `r1_gamma * 0.5`), one discriminator step and fresh latents
      for each phase;
    - every training call of the generator (the discriminator phase's fakes
      and the generator phase's, as the official graph computes `G`'s
      training output in both losses) maps z to W+, first moves `w_avg`
      towards the batch mean of w (`w_avg = lerp(mean, w_avg,
      dlatent_avg_beta)` over the *global* batch, the same value on every
      replica), then — with probability `style_mixing_prob` — maps a second
      latent and takes its W+ rows from a crossover index drawn uniformly in
      `[1, active layers)`, `active layers = num_layers - 2 * int(lod)` (one
      decision and one crossover per call for the whole global batch; without
      mixing the crossover is `active layers`, as the official); both from a
      stateless seed of the step and draw. The truncation trick is not applied
      in training;
    - the generator's EMA copy (`ema_half_life_images`: official
      `G_smoothing_kimg` = 10, decay `0.5 ** (batch / 10_000)` at each step's
      batch size) is what samples and exports use, with the generator's
      `truncation_psi`; its `w_avg` and level of detail are copied from the
      generator's at every step.

    Args:
        generator: a `StyleGANGenerator` (`mapping`, `synthesis`, `w_avg`).
        discriminator: a `StyleGANDiscriminator`.
        schedule: a `GrowthSchedule` or its config; default: the official one
            for the networks' resolution (from 8 px, `official_schedule`).
        style_mixing_prob: probability of mixing two latents' styles (0.9);
            0 disables mixing.
        dlatent_avg_beta: the decay of `w_avg`'s tracking (0.995); `None`
            disables it.
        **kwargs: `GAN`'s arguments (`ema_half_life_images`, `seed`, ...).

    Examples:

    >>> import numpy as np
    >>> from kerasgan.models.growth import GrowthSchedule
    >>> from kerasgan.models.stylegan import StyleGANDiscriminator, StyleGANGenerator
    >>> schedule = GrowthSchedule(resolution=8, initial_resolution=4, stabilize_images=8,
    ...                           fade_images=8, batch_size=4, repeats=1)
    >>> gan = StyleGAN(StyleGANGenerator(resolution=8, latent_dim=8, dlatent_dim=8,
    ...                                  mapping_layers=2, mapping_fmaps=8, fmap_base=16,
    ...                                  fmap_max=8),
    ...                StyleGANDiscriminator(resolution=8, fmap_base=16, fmap_max=8),
    ...                schedule=schedule, ema_half_life_images=100.0)
    >>> gan.compile()
    >>> images = np.random.uniform(-1, 1, (24, 8, 8, 3)).astype("float32")
    >>> _ = gan.fit(images, batch_size=4, epochs=1, verbose=0)
    >>> gan.generator.lod, bool(np.any(gan.generator.w_avg.numpy() != 0))
    (0.0, True)
    """

    def __init__(self, generator, discriminator, schedule=None, style_mixing_prob=0.9,
                 dlatent_avg_beta=0.995, **kwargs):
        if (isinstance(style_mixing_prob, bool) or not isinstance(style_mixing_prob, (int, float))
                or not 0.0 <= style_mixing_prob <= 1.0):
            raise ValueError("`style_mixing_prob` must be a number in [0, 1]. "
                             f"Received: style_mixing_prob={style_mixing_prob!r}")
        if dlatent_avg_beta is not None and (
                isinstance(dlatent_avg_beta, bool)
                or not isinstance(dlatent_avg_beta, (int, float))
                or not 0.0 <= dlatent_avg_beta <= 1.0):
            raise ValueError("`dlatent_avg_beta` must be None or a number in [0, 1]. "
                             f"Received: dlatent_avg_beta={dlatent_avg_beta!r}")
        if not isinstance(generator, StyleGANGenerator):
            raise TypeError("StyleGAN trains a StyleGANGenerator (its `mapping`, `synthesis` "
                            f"and `w_avg`). Received: generator={generator!r}")
        super().__init__(generator, discriminator, **kwargs)
        self.style_mixing_prob = float(style_mixing_prob)
        self.dlatent_avg_beta = None if dlatent_avg_beta is None else float(dlatent_avg_beta)
        if schedule is None:
            schedule = official_schedule(self._network_resolution())
        self._init_growth(schedule)

    # ------------------------------------------------------------------ compile
    def compile(self, g_optimizer=None, d_optimizer=None, loss="non_saturating", r1_weight=10.0,
                d_steps=1, reuse_fake_batch=False, **kwargs):
        """The official training settings by default: the non-saturating logistic loss with R1
        (gamma 10) on the reals, one discriminator step, fresh latents for the generator step,
        Adam(beta=(0, 0.99), eps=1e-8) whose learning rate the schedule sets."""
        g_optimizer = _OFFICIAL_ADAM if g_optimizer is None else g_optimizer
        d_optimizer = _OFFICIAL_ADAM if d_optimizer is None else d_optimizer
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, loss=loss,
                        r1_weight=r1_weight, d_steps=d_steps,
                        reuse_fake_batch=reuse_fake_batch, **kwargs)
        self._check_growth_optimizers()

    # ----------------------------------------------------------------- training
    @property
    def num_layers(self):
        """The W+ rows of the synthesis network."""
        return int(self.generator.synthesis.num_layers)

    def active_layers(self, lod):
        """The W+ rows in use at level of detail `lod`: `num_layers - 2 * int(lod)` (int32)."""
        return self.num_layers - 2 * tf.cast(tf.cast(lod, tf.float32), tf.int32)

    def mixing_cutoff(self, lod, draw):
        """The first W+ row taken from the second latent at draw `draw` of this step (int32):
        with probability `style_mixing_prob` uniform in `[1, active layers)`, otherwise the
        active layers."""
        active = self.active_layers(lod)
        decision, position = tf.unstack(tf.random.stateless_uniform(
            [2], self.step_seed(_MIX_DRAW + draw)))
        crossover = 1 + tf.cast(tf.floor(position * tf.cast(active - 1, tf.float32)), tf.int32)
        crossover = tf.minimum(crossover, active - 1)  # rounding can never reach `active`
        return tf.where(decision < self.style_mixing_prob, crossover, active)

    @staticmethod
    def mix_styles(w1, w2, cutoff):
        """W+ with the rows before `cutoff` from `w1` and the rest from `w2`."""
        rows = tf.range(tf.shape(w1)[1])[tf.newaxis, :, tf.newaxis]
        return tf.where(rows < cutoff, w1, w2)

    def training_fakes(self, batch, z, labels, draw):
        generator = self.generator
        w = generator.mapping(z, training=True)
        self._track_w_avg(w, batch)
        if self.style_mixing_prob > 0.0:
            z2 = self.sample_latents(batch["global"], self.step_seed(_MIX_LATENT_DRAW + draw))
            z2 = self._replica_slice(z2, batch["replica_id"], batch["local"])
            w2 = generator.mapping(z2, training=True)
            w = self.mix_styles(w, w2, self.mixing_cutoff(batch["lod"], draw))
        return tf.cast(generator.synthesis(w, training=True), tf.float32)

    def _track_w_avg(self, w, batch):
        """`w_avg = lerp(global batch mean of w, w_avg, dlatent_avg_beta)` on every replica."""
        if self.dlatent_avg_beta is None:
            return
        local_sum = tf.reduce_sum(tf.stop_gradient(tf.cast(w[:, 0], tf.float32)), axis=0)
        _, num_replicas = replica_info()
        if num_replicas > 1:
            local_sum = tf.distribute.get_replica_context().all_reduce(
                tf.distribute.ReduceOp.SUM, local_sum)
        mean = local_sum / tf.cast(batch["global"], tf.float32)
        variable = self.generator.w_avg.value
        beta = self.dlatent_avg_beta

        def merge_fn(strategy, mean):
            strategy.extended.update(
                variable, lambda v, m: v.assign(m + (v - m) * beta), args=(mean,), group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            merge_fn, self.distribute_strategy, mean)

    # ------------------------------------------------------------ serialization
    def get_config(self):
        return {**super().get_config(), "style_mixing_prob": self.style_mixing_prob,
                "dlatent_avg_beta": self.dlatent_avg_beta}

