"""The base of the image-to-image GANs (Pix2Pix, CycleGAN, Context Encoder).

Their generators map images to images: there are no latents and no labels.
`TranslationGAN` keeps what `GAN` gives every family (the optimizers built in
the strategy's scope, loss scaling under `mixed_float16`, the step counter
that seeds per-step randomness, serialization) and replaces sampling by
translation: `generate(images)` / `translate(images)`.

The adversarial terms follow the official pytorch-CycleGAN-and-pix2pix
`GANLoss` exactly, so the reconstruction weights (pix2pix's lambda = 100,
CycleGAN's lambda = 10) keep their meaning:

- `"vanilla"` (pix2pix): D minimizes 0.5 * (BCE(D(real), 1) + BCE(D(fake), 0)),
  G minimizes BCE(D(fake), 1);
- `"lsgan"` (CycleGAN): D minimizes 0.5 * ((D(real) - 1)^2 + D(fake)^2),
  G minimizes (D(fake) - 1)^2.

Both are means over the PatchGAN map, per example.
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgan.losses import get_loss
from kerasgan.models.gan import GAN

GAN_MODES = {
    # mode: (registered loss, D factor, G factor) turning the registry's losses into GANLoss's.
    "vanilla": ("non_saturating", 0.5, 1.0),
    "lsgan": ("least_squares", 1.0, 2.0),
}
_UNSUPPORTED = ("gradient_penalty_weight", "r1_weight", "weight_clip")


def gan_mode_losses(gan_mode):
    """`(discriminator_loss, generator_loss)` per-example functions of an official GAN mode."""
    if gan_mode not in GAN_MODES:
        raise ValueError(f"`gan_mode` must be one of {sorted(GAN_MODES)}. "
                         f"Received: gan_mode={gan_mode!r}")
    name, d_factor, g_factor = GAN_MODES[gan_mode]
    d_loss, g_loss = get_loss(name)
    return (lambda real, fake: d_factor * d_loss(real, fake),
            lambda fake: g_factor * g_loss(fake))


def pixel_mean(values):
    """Per-example mean over every axis but the first, in float32."""
    values = tf.cast(values, tf.float32)
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


class TranslationGAN(GAN):
    """Shared parts of the image-to-image GANs; not used directly.

    Subclasses define `train_step`, `get_config` and the extra trackers
    (`_extra_trackers`).
    """

    translation = True

    def __init__(self, generator, discriminator, gan_mode="vanilla", seed=0, **kwargs):
        self.gan_mode = gan_mode
        self._gan_d_loss, self._gan_g_loss = gan_mode_losses(gan_mode)
        super().__init__(generator, discriminator, latent_dim=0, seed=seed, **kwargs)

    # ------------------------------------------------------------- compile
    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Adam(2e-4, beta_1=0.5) for both sides by default, as the official code.

        The adversarial loss is fixed by the model's `gan_mode`; a `loss` in
        `kwargs` (from a saved compile config) must agree with it. One
        discriminator update per generator update; no penalties.
        """
        loss = kwargs.pop("loss", None)
        registered = GAN_MODES[self.gan_mode][0]
        if loss not in (None, registered):
            raise ValueError(f"{type(self).__name__} with gan_mode={self.gan_mode!r} trains "
                             f"with the {registered!r} loss. Received: loss={loss!r}")
        given = {k: kwargs[k] for k in _UNSUPPORTED if kwargs.get(k)}
        if given or kwargs.get("d_steps", 1) != 1:
            raise ValueError(f"{type(self).__name__} takes one discriminator step per "
                             f"generator step and no penalties. Received: {given or kwargs}")
        super().compile(g_optimizer, d_optimizer, loss=registered, **kwargs)
        self._extra_trackers = self._make_trackers()

    def _make_trackers(self):
        return []

    @property
    def metrics(self):
        return super().metrics + list(getattr(self, "_extra_trackers", [])) if (
            self._compiled_gan) else []

    # ------------------------------------------------------------ inference
    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    @property
    def image_shape(self):
        """(height, width, channels) of the generator's input."""
        return tuple(self.generator.inputs[0].shape[1:])

    def _check_inputs(self, images, what="images", shape=None):
        shape = shape or self.image_shape
        array = np.asarray(images, dtype=np.float32)
        if array.ndim == 3:
            array = array[None]
        if array.ndim != 4 or tuple(array.shape[1:]) != tuple(shape):
            raise ValueError(f"Expected {what} of shape (batch, {', '.join(map(str, shape))}) "
                             f"in [-1, 1]. Received: {what} of shape {np.shape(images)}")
        return array

    def translate(self, images, batch_size=16, **kwargs):
        """Translates images in [-1, 1] (NHWC) with the generator in inference mode."""
        array = self._check_inputs(images)
        return self._batched(self.generator, array, batch_size)

    @staticmethod
    def _batched(network, array, batch_size):
        outputs = [tf.cast(network(tf.constant(array[i:i + batch_size]), training=False),
                           tf.float32).numpy() for i in range(0, len(array), batch_size)]
        return np.concatenate(outputs, axis=0)

    def generate(self, images, seed=0, use_ema=True, batch_size=16, labels=None,
                 truncation=None, **kwargs):
        """Image-to-image models translate: `generate(images)` is `translate(images)`."""
        if isinstance(images, (int, np.integer)):
            raise ValueError(f"{type(self).__name__} translates images: pass input images "
                             f"(batch, {', '.join(map(str, self.image_shape))}), not a number "
                             f"of samples. Received: {images!r}")
        if labels is not None or truncation is not None:
            raise ValueError(f"{type(self).__name__} takes no labels or truncation.")
        return self.translate(images, batch_size=batch_size, **kwargs)

    # -------------------------------------------------------------- training
    def _pair(self, data, what):
        if isinstance(data, (tuple, list)) and len(data) >= 2:
            return tf.cast(data[0], tf.float32), tf.cast(data[1], tf.float32)
        raise ValueError(f"{type(self).__name__} trains on {what}. Received: a single tensor; "
                         "pass fit(x=inputs, y=targets) or a dataset of pairs.")

    def _global_scale(self):
        from kerasgan.models.gan import _replica_info

        replica_id, num_replicas = _replica_info()
        return replica_id, num_replicas

    def _track(self, d_loss, g_loss, d_accuracy, extra=()):
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_accuracy_tracker.update_state(d_accuracy)
        for tracker, value in zip(self._extra_trackers, extra):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def _base_config(self):
        return {"name": self.name, "trainable": self.trainable, "gan_mode": self.gan_mode,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="kerasgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A constant learning rate, then linear decay to 0: the official `lr_policy="linear"`.

    pix2pix and CycleGAN train `n_epochs` at the base rate and `n_epochs_decay`
    more while the rate falls linearly to zero (100 + 100 epochs by default).
    The official code steps the rate once per epoch; this schedule falls per
    step: `rate(step) = initial * min(1, 1 - (step - constant_steps) /
    decay_steps)`, clipped at 0.

    Args:
        initial_learning_rate: the base rate (2e-4).
        constant_steps: steps at the base rate.
        decay_steps: steps over which it falls to 0.

    Examples:

    >>> schedule = LinearDecay(2e-4, constant_steps=100, decay_steps=100)
    >>> [round(float(schedule(s)) * 1e4, 2) for s in (0, 100, 150, 200, 300)]
    [2.0, 2.0, 1.0, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        if not initial_learning_rate > 0 or int(constant_steps) < 0 or int(decay_steps) < 1:
            raise ValueError(
                "LinearDecay needs initial_learning_rate > 0, constant_steps >= 0 and "
                f"decay_steps >= 1. Received: {initial_learning_rate}, {constant_steps}, "
                f"{decay_steps}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        fraction = 1.0 - (step - self.constant_steps) / float(self.decay_steps)
        return self.initial_learning_rate * tf.clip_by_value(fraction, 0.0, 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "constant_steps": self.constant_steps, "decay_steps": self.decay_steps}


def translation_optimizers(learning_rate=2e-4, constant_steps=None, decay_steps=None):
    """The official optimizers: Adam(2e-4, beta_1=0.5) for G and D, with the linear decay
    when `decay_steps` is given."""
    if decay_steps:
        learning_rate = LinearDecay(learning_rate, constant_steps or 0, decay_steps)
    return {key: keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5)
            for key in ("g_optimizer", "d_optimizer")}
