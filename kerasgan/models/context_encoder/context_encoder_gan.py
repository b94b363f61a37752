"""The Context Encoder (Pathak et al., 2016): adversarial + weighted L2 inpainting of the center."""

import keras
import numpy as np
import tensorflow as tf

from kerasgan.layers import PasteCenter
from kerasgan.losses import get_loss
from kerasgan.models.base import ServingEndpoint, pixel_mean
from kerasgan.models.translation import TranslationGAN


@keras.saving.register_keras_serializable(package="kerasgan")
class ContextEncoder(TranslationGAN):
    """Context Encoder for the center region, as the official `train.lua` trains it.

    The generator maps an image whose center is filled (`kerasgan.data.
    load_inpainting(mask="center")`) to its `hole_size` center; the
    discriminator judges centers (real crops against predictions). The data
    yields `(masked_images, targets[, masks])`; the real center is cropped
    from the targets.

    Losses (per example, summed over the global batch):
    - D: BCE(D(real center), 1) + BCE(D(prediction), 0);
    - G: `adversarial_weight` * BCE(D(prediction), 1) + `reconstruction_weight`
      * mean(W * (prediction - real center)^2), where W is `overlap_weight`
      (10) on the `overlap`-pixel border of the hole, which the input keeps
      (official `overlapPred` = 4), and 1 inside (official wtl2 = 0.999 and
      1 - wtl2 = 0.001).

    `inpaint` pastes the prediction's interior (the hole minus its border)
    into the input, as the official `test.lua` does; export writes that
    pasted image (`image` -> `images`).

    Args:
        generator: a `ContextEncoderGenerator`.
        discriminator: a network on `hole_size` images (e.g. a DCGAN
            discriminator, the official choice).
        reconstruction_weight, adversarial_weight: lambda_rec and lambda_adv.
        overlap: the border of the hole kept by the input (pixels).
        overlap_weight: the L2 weight of that border relative to the interior.
        seed: seeds per-step randomness.

    Examples:

    >>> from kerasgan.models.context_encoder import build_context_encoder
    >>> gan = build_context_encoder(image_size=32, base_filters=4, bottleneck_dim=16)
    >>> gan.inpaint(np.zeros((2, 32, 32, 3), "float32")).shape
    (2, 32, 32, 3)
    """

    task = "inpainting"

    def __init__(self, generator, discriminator, reconstruction_weight=0.999,
                 adversarial_weight=0.001, overlap=4, overlap_weight=10.0, seed=0, **kwargs):
        for key, value in (("reconstruction_weight", reconstruction_weight),
                           ("adversarial_weight", adversarial_weight),
                           ("overlap_weight", overlap_weight)):
            if not value >= 0:
                raise ValueError(f"`{key}` must be >= 0. Received: {key}={value}")
        kwargs.pop("gan_mode", None)
        super().__init__(generator, discriminator, gan_mode="vanilla", seed=seed, **kwargs)
        # The official criterion: BCE(real) + BCE(fake) for D (not halved), BCE(fake, 1) for G.
        self._gan_d_loss, self._gan_g_loss = get_loss("non_saturating")
        self.reconstruction_weight = float(reconstruction_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.overlap_weight = float(overlap_weight)
        image_size = int(generator.inputs[0].shape[1])
        hole_size = int(generator.outputs[0].shape[1])
        if not isinstance(overlap, int) or not 0 <= overlap < hole_size // 2:
            raise ValueError(f"`overlap` must be an integer in [0, {hole_size // 2}). "
                             f"Received: overlap={overlap!r}")
        self.overlap = overlap
        self.image_size, self.hole_size = image_size, hole_size
        self.hole_offset = (image_size - hole_size) // 2
        expected = tuple(generator.outputs[0].shape[1:])
        received = tuple(discriminator.inputs[0].shape[1:])
        if received != expected:
            raise ValueError(f"The discriminator judges the predicted centers of shape "
                             f"{expected}. Received: a discriminator on {received}")
        weights = np.full((hole_size, hole_size, 1), self.overlap_weight, np.float32)
        inner = slice(overlap, hole_size - overlap)
        weights[inner, inner] = 1.0
        self._l2_weights = weights
        self._finish_init()

    def extra_tracker_names(self):
        return ("l2_loss",)

    def data_requirements(self):
        return {**super().data_requirements(), "hole_size": self.hole_size,
                "overlap": self.overlap}

    def crop_center(self, images):
        """The hole region `[offset, offset + hole_size)` of full-size images."""
        o, h = self.hole_offset, self.hole_size
        return images[:, o:o + h, o:o + h]

    def prepare_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("ContextEncoder trains on (masked_images, targets[, masks]) from "
                             "kerasgan.data.load_inpainting(mask='center'). Received: a single "
                             "tensor.")
        return tf.cast(data[0], tf.float32), self.crop_center(tf.cast(data[1], tf.float32))

    def discriminator_loss(self, real, fake):
        real_logits = self.discriminate(real)
        fake_logits = self.discriminate(fake)
        per_example = self._gan_d_loss(real_logits, fake_logits)
        return per_example, {"d_loss": tf.reduce_mean(per_example),
                             "d_accuracy": self.real_fake_accuracy(real_logits, fake_logits)}

    def discriminate(self, images):
        return self.judge(self.discriminator, images)

    def update(self, batch):
        masked, real = batch
        d_logs = {}

        def generator_loss():
            nonlocal d_logs
            fake = tf.cast(self.generator(masked, training=True), tf.float32)
            d_logs = self.run_phase("discriminator", lambda: self.discriminator_loss(
                real, tf.stop_gradient(fake)))
            adversarial = self._gan_g_loss(self.discriminate(fake))
            l2 = pixel_mean(tf.constant(self._l2_weights) * tf.square(fake - real))
            per_example = self.adversarial_weight * adversarial + self.reconstruction_weight * l2
            return per_example, {"g_loss": tf.reduce_mean(adversarial),
                                 "l2_loss": tf.reduce_mean(l2)}

        g_logs = self.run_phase("generator", generator_loss)
        return {**d_logs, **g_logs}

    # ------------------------------------------------------------ inference
    def paste(self, masked_images, centers):
        """`masked_images` with the interior of `centers` (hole minus overlap) pasted in."""
        return self._paste_layer()([tf.convert_to_tensor(masked_images, tf.float32), centers])

    def _paste_layer(self, name="paste_center"):
        return PasteCenter(self.image_size, self.hole_offset, self.hole_size, self.overlap,
                           name=name)

    def inpaint(self, masked_images, batch_size=16, use_ema=True):
        """Completed images: the input with the predicted center pasted in (numpy)."""
        array = self._check_inputs(masked_images, "masked_images")
        centers = self._batched(self.inference_network(use_ema=use_ema), array, batch_size)
        return np.asarray(self.paste(array, centers))

    def prepare_inputs(self, images):
        """Whole images -> the generator's input: their centers masked (`mask_center`)."""
        return self.mask_center(images)

    def mask_center(self, images):
        """Full images in [-1, 1] -> the generator's input: the hole (but its `overlap`
        border) filled with the official mean colour, as `kerasgan.data.load_inpainting`."""
        from kerasgan.data.inpainting import FILL_VALUE, center_masks

        array = self._check_inputs(images)
        _, fill = center_masks(self.image_size, self.hole_size, self.overlap)
        return array * (1.0 - fill) + np.asarray(FILL_VALUE, np.float32) * fill

    def translate(self, images, batch_size=16, endpoint=None, use_ema=True):
        """`inpaint`: the images with their centers predicted."""
        self._endpoint_network(endpoint)  # validates the name
        return self.inpaint(images, batch_size, use_ema=use_ema)

    def serving_endpoints(self):
        """`image` (masked) -> `images` (completed): the prediction pasted into the input."""
        return [ServingEndpoint("serving_default", self.inference_network(),
                                wrap=self.serving_model)]

    def serving_model(self, generator):
        """The export graph: `image` (masked) -> `images` (completed), on a float32 generator."""
        image = keras.Input(tuple(generator.inputs[0].shape[1:]), name="image")
        centers = generator(image, training=False)
        completed = self._paste_layer()([image, centers])
        return keras.Model(image, completed, name=f"{generator.name}_inpainting")

    def get_config(self):
        config = self._base_config()
        config.pop("gan_mode")
        return {
            **config,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "reconstruction_weight": self.reconstruction_weight,
            "adversarial_weight": self.adversarial_weight,
            "overlap": self.overlap,
            "overlap_weight": self.overlap_weight,
        }
