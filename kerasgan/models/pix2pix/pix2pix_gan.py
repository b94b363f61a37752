"""Pix2Pix (Isola et al., 2017): a conditional GAN on (input, output) pairs plus lambda * L1."""

import keras
import tensorflow as tf

from kerasgan.models.base import pixel_mean
from kerasgan.models.translation import TranslationGAN


@keras.saving.register_keras_serializable(package="kerasgan")
class Pix2Pix(TranslationGAN):
    """Pix2Pix: G maps an input image to an output image; D judges (input, output) pairs.

    The data yields `(inputs, targets)` pairs (`kerasgan.data.load_paired`, or
    `fit(x=inputs, y=targets)`). Each step follows the official
    `pix2pix_model.py`: G translates the batch once (in training mode, so
    dropout and batch statistics apply), D takes one step on
    `[input, target]` (real) against `[input, G(input)]` (fake, no gradient
    to G), then G takes one step on `GANLoss(D([input, G(input)]), real) +
    l1_weight * |target - G(input)|`, with D as just updated. The
    discriminator sees the channel-wise concatenation of input and image, so
    its `input_channels` is the sum of both images' channels (6 for RGB).

    Args:
        generator: an image-to-image network (e.g. `UNetGenerator`).
        discriminator: a patch discriminator on concatenated pairs
            (e.g. `PatchGANDiscriminator(input_channels=6)`).
        l1_weight: lambda of the L1 term (100 in the paper).
        gan_mode: `"vanilla"` (the paper's cross-entropy) or `"lsgan"`.
        seed: seeds per-step randomness.

    Examples:

    >>> import numpy as np
    >>> from kerasgan.models.pix2pix import build_pix2pix
    >>> gan = build_pix2pix(image_size=16, base_filters=4, d_layers=2)
    >>> gan.translate(np.zeros((2, 16, 16, 3), "float32")).shape
    (2, 16, 16, 3)
    """

    task = "paired"

    def __init__(self, generator, discriminator, l1_weight=100.0, gan_mode="vanilla", seed=0,
                 **kwargs):
        if not l1_weight >= 0:
            raise ValueError(f"`l1_weight` must be >= 0. Received: l1_weight={l1_weight}")
        self.l1_weight = float(l1_weight)
        super().__init__(generator, discriminator, gan_mode=gan_mode, seed=seed, **kwargs)
        in_channels = int(generator.inputs[0].shape[-1])
        out_channels = int(generator.outputs[0].shape[-1])
        d_channels = int(discriminator.inputs[0].shape[-1])
        if d_channels != in_channels + out_channels:
            raise ValueError(
                "The discriminator judges (input, output) pairs concatenated on channels: it "
                f"needs {in_channels} + {out_channels} = {in_channels + out_channels} input "
                f"channels. Received: a discriminator with {d_channels} input channels.")
        self._finish_init()

    def extra_tracker_names(self):
        return ("l1_loss",)

    def discriminate_pair(self, inputs, images, training=True):
        """Discriminator logits (float32) of `concat([inputs, images], channels)`."""
        pairs = tf.concat([tf.cast(inputs, tf.float32), tf.cast(images, tf.float32)], axis=-1)
        return tf.cast(self.discriminator(pairs, training=training), tf.float32)

    def prepare_batch(self, data):
        return self._pair(data, "(inputs, targets) pairs")

    def discriminator_loss(self, inputs, targets, fake):
        real_logits = self.discriminate_pair(inputs, targets)
        fake_logits = self.discriminate_pair(inputs, fake)
        per_example = self._gan_d_loss(real_logits, fake_logits)
        return per_example, {"d_loss": tf.reduce_mean(per_example),
                             "d_accuracy": self.real_fake_accuracy(real_logits, fake_logits)}

    def update(self, batch):
        inputs, targets = batch
        d_logs = {}

        def generator_loss():
            nonlocal d_logs
            fake = tf.cast(self.generator(inputs, training=True), tf.float32)
            d_logs = self.run_phase("discriminator", lambda: self.discriminator_loss(
                inputs, targets, tf.stop_gradient(fake)))
            adversarial = self._gan_g_loss(self.discriminate_pair(inputs, fake))
            l1 = pixel_mean(tf.abs(targets - fake))
            return adversarial + self.l1_weight * l1, {
                "g_loss": tf.reduce_mean(adversarial), "l1_loss": tf.reduce_mean(l1)}

        g_logs = self.run_phase("generator", generator_loss)
        return {**d_logs, **g_logs}

    def get_config(self):
        return {
            **self._base_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "l1_weight": self.l1_weight,
        }
