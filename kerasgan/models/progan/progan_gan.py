"""The Progressive GAN training model: WGAN-GP with the drift term, grown inside `fit`."""

import keras

from kerasgan.models.gan import GAN
from kerasgan.models.growth import Growing

# The official G_opt / D_opt (config.py) with the schedule's base learning rate.
_OFFICIAL_ADAM = {"class_name": "Adam",
                  "config": {"learning_rate": 0.001, "beta_1": 0.0, "beta_2": 0.99,
                             "epsilon": 1e-8}}


@keras.saving.register_keras_serializable(package="kerasgan")
class ProGAN(Growing, GAN):
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
            (or any networks with `max_lod` holding `LevelOfDetail` layers).
        schedule: a `GrowthSchedule` or its config dict; its resolution must be
            the networks'.
        **kwargs: `GAN`'s arguments (`ema_decay`, `seed`, ...).

    Examples:

    >>> import numpy as np
    >>> from kerasgan.models.growth import GrowthSchedule
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
        self._init_growth(schedule)

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
        self._check_growth_optimizers()
