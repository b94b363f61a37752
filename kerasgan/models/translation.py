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
from kerasgan.models.base import AdversarialModel, ServingEndpoint, pixel_mean

GAN_MODES = {
    # mode: (registered loss, D factor, G factor) turning the registry's losses into GANLoss's.
    "vanilla": ("non_saturating", 0.5, 1.0),
    "lsgan": ("least_squares", 1.0, 2.0),
}
_UNSUPPORTED = ("gradient_penalty_weight", "r1_weight", "weight_clip")
_OFFICIAL_ADAM = {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}

__all__ = ["GAN_MODES", "LinearDecay", "TranslationGAN", "gan_mode_losses", "pixel_mean",
           "translation_optimizers"]


def gan_mode_losses(gan_mode):
    """`(discriminator_loss, generator_loss)` per-example functions of an official GAN mode."""
    if gan_mode not in GAN_MODES:
        raise ValueError(f"`gan_mode` must be one of {sorted(GAN_MODES)}. "
                         f"Received: gan_mode={gan_mode!r}")
    name, d_factor, g_factor = GAN_MODES[gan_mode]
    d_loss, g_loss = get_loss(name)
    return (lambda real, fake: d_factor * d_loss(real, fake),
            lambda fake: g_factor * g_loss(fake))


class TranslationGAN(AdversarialModel):
    """The shared base of the image-to-image GANs; not used directly.

    Generators map images to images: no latents and no labels. Subclasses set
    their networks, call `_finish_init()`, and define `update`, `prepare_batch`,
    `get_config` and the extra tracker names (`extra_tracker_names`).
    """

    def __init__(self, generator, discriminator, gan_mode="vanilla", seed=0, ema_decay=None,
                 ema_start_step=0, **kwargs):
        super().__init__(seed=seed, ema_decay=ema_decay, ema_start_step=ema_start_step,
                         **kwargs)
        self.gan_mode = gan_mode
        self._gan_d_loss, self._gan_g_loss = gan_mode_losses(gan_mode)
        self.generator = generator
        self.discriminator = discriminator

    def _finish_init(self):
        self._init_ema()
        self._init_step_counter()

    # ------------------------------------------------------------- compile
    def compile(self, g_optimizer=None, d_optimizer=None, loss=None, gradient_penalty_weight=0.0,
                r1_weight=0.0, d_steps=1, weight_clip=None, reuse_fake_batch=True,
                jit_compile=False, steps_per_execution=1, **kwargs):
        """Adam(2e-4, beta_1=0.5) for both sides by default, as the official code.

        The adversarial loss is fixed by the model's `gan_mode`; a `loss` (from a
        saved compile config or a recipe flag) must agree with it. One
        discriminator update per generator update; no penalties.
        """
        registered = GAN_MODES[self.gan_mode][0]
        if loss not in (None, registered):
            raise ValueError(f"{type(self).__name__} with gan_mode={self.gan_mode!r} trains "
                             f"with the {registered!r} loss. Received: loss={loss!r}")
        given = {key: value for key, value in (
            ("gradient_penalty_weight", gradient_penalty_weight), ("r1_weight", r1_weight),
            ("weight_clip", weight_clip)) if value}
        if given or d_steps != 1:
            given.update({} if d_steps == 1 else {"d_steps": d_steps})
            raise ValueError(f"{type(self).__name__} takes one discriminator step per "
                             f"generator step and no penalties. Received: {given}")
        self.loss_name = registered
        self._build_optimizers(g_optimizer, d_optimizer, _OFFICIAL_ADAM)
        self._finish_compile({
            "loss": registered, "gradient_penalty_weight": 0.0, "r1_weight": 0.0,
            "d_steps": 1, "weight_clip": None, "reuse_fake_batch": bool(reuse_fake_batch),
        }, jit_compile, steps_per_execution, **kwargs)

    def extra_tracker_names(self):
        return ()

    def tracker_names(self):
        return ("d_loss", "g_loss", "d_accuracy", *self.extra_tracker_names())

    # ------------------------------------------------------------ protocol
    @property
    def image_shape(self):
        """(height, width, channels) of the generator's input."""
        return tuple(self.generator.inputs[0].shape[1:])

    def example_inputs(self, n, seed=0):
        """`n` input images in [-1, 1] (numpy)."""
        rng = np.random.default_rng(seed)
        return rng.uniform(-1.0, 1.0, (int(n), *self.image_shape)).astype(np.float32)

    def data_requirements(self):
        return {"image_size": int(self.image_shape[0]), "channels": int(self.image_shape[-1])}

    def serving_endpoints(self):
        return [ServingEndpoint("serving_default", self.inference_network())]

    # ------------------------------------------------------------ inference
    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _check_inputs(self, images, what="images", shape=None):
        shape = shape or self.image_shape
        array = np.asarray(images, dtype=np.float32)
        if array.ndim == 3:
            array = array[None]
        if array.ndim != 4 or tuple(array.shape[1:]) != tuple(shape):
            raise ValueError(f"Expected {what} of shape (batch, {', '.join(map(str, shape))}) "
                             f"in [-1, 1]. Received: {what} of shape {np.shape(images)}")
        return array

    def translate(self, images, batch_size=16, endpoint=None, use_ema=True):
        """Translates images in [-1, 1] (NHWC) with the generator in inference mode.

        `endpoint` names one of `serving_endpoints()` (default: the first).
        """
        network = self._endpoint_network(endpoint, use_ema)
        array = self._check_inputs(images, shape=tuple(network.inputs[0].shape[1:]))
        return self._batched(network, array, batch_size)

    def _endpoint_network(self, endpoint, use_ema=True):
        if endpoint is None:
            return self.inference_network(use_ema=use_ema)
        names = [e.name for e in self.serving_endpoints()]
        if endpoint not in names:
            raise ValueError(f"`endpoint` must be one of {names}. Received: "
                             f"endpoint={endpoint!r}")
        attribute = self.endpoint_attribute(endpoint)
        return self.inference_network(attribute, use_ema=use_ema)

    def endpoint_attribute(self, endpoint):
        """The generator attribute behind a serving endpoint."""
        return "generator"

    @staticmethod
    def _batched(network, array, batch_size):
        outputs = [tf.cast(network(tf.constant(array[i:i + batch_size]), training=False),
                           tf.float32).numpy() for i in range(0, len(array), batch_size)]
        return np.concatenate(outputs, axis=0)

    def generate(self, images, seed=0, use_ema=True, batch_size=16, labels=None,
                 truncation=None, endpoint=None):
        """Image-to-image models translate: `generate(images)` is `translate(images)`."""
        if isinstance(images, (int, np.integer)):
            raise ValueError(f"{type(self).__name__} translates images: pass input images "
                             f"(batch, {', '.join(map(str, self.image_shape))}), not a number "
                             f"of samples. Received: {images!r}")
        if labels is not None or truncation is not None:
            raise ValueError(f"{type(self).__name__} takes no labels or truncation.")
        return self.translate(images, batch_size=batch_size, endpoint=endpoint, use_ema=use_ema)

    # -------------------------------------------------------------- training
    def _pair(self, data, what):
        if isinstance(data, (tuple, list)) and len(data) >= 2:
            return tf.cast(data[0], tf.float32), tf.cast(data[1], tf.float32)
        raise ValueError(f"{type(self).__name__} trains on {what}. Received: a single tensor; "
                         "pass fit(x=inputs, y=targets) or a dataset of pairs.")

    def judge(self, discriminator, images):
        """A discriminator's logits in float32 (training mode)."""
        return tf.cast(discriminator(images, training=True), tf.float32)

    @classmethod
    def from_config(cls, config):
        return cls(**cls._deserialize_networks(config, ("generator", "discriminator")))

    def _base_config(self):
        config = {"name": self.name, "trainable": self.trainable, "gan_mode": self.gan_mode,
                  "seed": self.seed}
        if self.ema_decay is not None:
            config.update(ema_decay=self.ema_decay, ema_start_step=self.ema_start_step)
        return config


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

    def __str__(self):
        return (f"{self.initial_learning_rate:g}, constant for {self.constant_steps} steps, then "
                f"linearly to 0 at step {self.constant_steps + self.decay_steps}")


def translation_optimizers(learning_rate=2e-4, constant_steps=None, decay_steps=None):
    """The official optimizers: Adam(2e-4, beta_1=0.5) for G and D, with the linear decay
    when `decay_steps` is given."""
    if decay_steps:
        learning_rate = LinearDecay(learning_rate, constant_steps or 0, decay_steps)
    return {key: keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.5)
            for key in ("g_optimizer", "d_optimizer")}


def linear_decay_schedule(settings, total_steps):
    """A recipe schedule: both optimizers at their base rate for the first half of the run,
    then linearly to 0 at its last step (the official `lr_policy="linear"`, per step).

    A rate that is already a `LinearDecay` (the compile config of an earlier run)
    starts again from its base rate over `total_steps`; another schedule is kept."""
    settings = dict(settings)
    constant = total_steps // 2
    for key in ("g_optimizer", "d_optimizer"):
        optimizer = {**settings[key], "config": dict(settings[key].get("config", {}))}
        rate = optimizer["config"].get("learning_rate", 2e-4)
        if isinstance(rate, dict):
            rate = keras.saving.deserialize_keras_object(rate)
            if not isinstance(rate, LinearDecay):
                continue
            rate = rate.initial_learning_rate
        optimizer["config"]["learning_rate"] = keras.saving.serialize_keras_object(
            LinearDecay(float(rate), constant_steps=constant,
                        decay_steps=max(1, total_steps - constant)))
        settings[key] = optimizer
    return settings


def patch_layers_for(image_size):
    """PatchGAN depth for an image side: the 70x70 PatchGAN (3 layers) needs 24 px and more;
    smaller images get fewer layers."""
    return 3 if image_size >= 24 else (2 if image_size >= 12 else 1)
