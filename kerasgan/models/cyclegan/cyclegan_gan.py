"""CycleGAN (Zhu et al., 2017): two generators, two discriminators, cycle and identity losses."""

import copy

import keras
import tensorflow as tf

from kerasgan.models.base import ServingEndpoint, pixel_mean, replica_info
from kerasgan.models.cyclegan.image_pool import ImagePool
from kerasgan.models.translation import TranslationGAN

DIRECTIONS = ("a_to_b", "b_to_a")
_POOL_DRAW_A, _POOL_DRAW_B = 1, 2


@keras.saving.register_keras_serializable(package="kerasgan")
class CycleGAN(TranslationGAN):
    """CycleGAN: unpaired translation between domains A and B in one `keras.Model`.

    `generator` maps A to B (the official `G_A`), `generator_ba` maps B to A
    (`G_B`); `discriminator` judges domain B images (`D_A` in the official
    code, which judges G_A's outputs) and `discriminator_a` judges domain A
    images. The data yields `(a_images, b_images)` batches
    (`kerasgan.data.load_unpaired`). Each step follows the official
    `cycle_gan_model.py`:

    1. fake_b = G_AB(a), rec_a = G_BA(fake_b), fake_a = G_BA(b), rec_b = G_AB(fake_a);
    2. both generators take one step (one optimizer over both) on
       GANLoss(D_B(fake_b)) + GANLoss(D_A(fake_a)) + cycle_weight *
       (|rec_a - a| + |rec_b - b|) + identity_weight * cycle_weight *
       (|G_AB(b) - b| + |G_BA(a) - a|);
    3. both discriminators take one step (one optimizer) on
       0.5 * (GANLoss(D(real), 1) + GANLoss(D(pooled fake), 0)), where each
       fake batch first goes through its `ImagePool` of `pool_size` past
       generated images.

    Under a `tf.distribute` strategy the pools hold the global batch's
    images: each replica gathers the generated images of all replicas,
    queries its identical copy of the pool with the same seed and keeps its
    own share of the result, so a step equals the same step on one device.

    Args:
        generator: the A -> B generator.
        generator_ba: the B -> A generator.
        discriminator: the domain B discriminator.
        discriminator_a: the domain A discriminator.
        cycle_weight: lambda of the cycle-consistency L1 losses (10).
        identity_weight: the identity loss's weight relative to `cycle_weight`
            (0.5; 0 turns it off; it needs equal input and output channels).
        pool_size: past generated images kept per discriminator (50; 0: none).
        gan_mode: `"lsgan"` (the paper's least squares) or `"vanilla"`.
        seed: seeds the image pools' random choices.

    Examples:

    >>> import numpy as np
    >>> from kerasgan.models.cyclegan import build_cyclegan
    >>> gan = build_cyclegan(image_size=16, base_filters=4, num_blocks=1, d_layers=2)
    >>> gan.translate(np.zeros((2, 16, 16, 3), "float32"), direction="b_to_a").shape
    (2, 16, 16, 3)
    """

    task = "unpaired"
    generator_attributes = ("generator", "generator_ba")
    discriminator_attributes = ("discriminator", "discriminator_a")

    def __init__(self, generator, generator_ba, discriminator, discriminator_a,
                 cycle_weight=10.0, identity_weight=0.5, pool_size=50, gan_mode="lsgan", seed=0,
                 **kwargs):
        if not cycle_weight >= 0 or not identity_weight >= 0:
            raise ValueError("Loss weights must be >= 0. Received: "
                             f"cycle_weight={cycle_weight}, identity_weight={identity_weight}")
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        super().__init__(generator, discriminator, gan_mode=gan_mode, seed=seed, **kwargs)
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        shape_a = tuple(generator.inputs[0].shape[1:])
        shape_b = tuple(generator.outputs[0].shape[1:])
        for network, expected, what in (
            (generator_ba, (shape_b, shape_a), "generator_ba (B -> A)"),
        ):
            received = (tuple(network.inputs[0].shape[1:]), tuple(network.outputs[0].shape[1:]))
            if received != expected:
                raise ValueError(f"{what} must map images of shape {expected[0]} to {expected[1]}"
                                 f". Received: {received[0]} -> {received[1]}")
        for network, shape, what in ((discriminator, shape_b, "discriminator (domain B)"),
                                     (discriminator_a, shape_a, "discriminator_a (domain A)")):
            received = tuple(network.inputs[0].shape[1:])
            if received[-1] != shape[-1]:
                raise ValueError(f"{what} must take images with {shape[-1]} channels. "
                                 f"Received: input shape {received}")
        if self.identity_weight and shape_a[-1] != shape_b[-1]:
            raise ValueError("The identity loss needs domains with equal channels. Received: "
                             f"A {shape_a}, B {shape_b}; pass identity_weight=0.")
        self.pool_a = ImagePool(self.pool_size, shape_a, name="pool_a")
        self.pool_b = ImagePool(self.pool_size, shape_b, name="pool_b")
        self._finish_init()

    def extra_tracker_names(self):
        return ("cycle_loss", "identity_loss")

    # ------------------------------------------------------------ inference
    def serving_endpoints(self):
        """Both directions: `a_to_b` (the default signature) and `b_to_a`."""
        return [ServingEndpoint(direction, self.inference_network(self.endpoint_attribute(
            direction))) for direction in DIRECTIONS]

    def endpoint_attribute(self, endpoint):
        return "generator" if endpoint == "a_to_b" else "generator_ba"

    def translate(self, images, batch_size=16, direction="a_to_b", endpoint=None, use_ema=True):
        """Translates images in [-1, 1]: `direction` `"a_to_b"` (default) or `"b_to_a"`."""
        if direction not in DIRECTIONS:
            raise ValueError(f"`direction` must be one of {DIRECTIONS}. "
                             f"Received: direction={direction!r}")
        return super().translate(images, batch_size, endpoint=endpoint or direction,
                                 use_ema=use_ema)

    def direction_generator(self, direction):
        """The generator of one direction (its EMA copy where there is one)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"`direction` must be one of {DIRECTIONS}. "
                             f"Received: direction={direction!r}")
        return self.inference_network(self.endpoint_attribute(direction))

    def cycle(self, images, direction="a_to_b", batch_size=16):
        """The round trip: A -> B -> A for `"a_to_b"`, B -> A -> B for `"b_to_a"`."""
        other = DIRECTIONS[1 - DIRECTIONS.index(direction)]
        return self.translate(self.translate(images, batch_size, direction), batch_size, other)

    # -------------------------------------------------------------- training
    def _pooled(self, pool, fake, draw, replica_id, num_replicas):
        """The pool's answer for this replica's share of the global batch of fakes."""
        fake = tf.stop_gradient(fake)
        context = tf.distribute.get_replica_context()
        if num_replicas == 1 or context is None:
            return pool.query(fake, self.step_seed(draw))
        everything = context.all_gather(fake, axis=0)
        pooled = pool.query(everything, self.step_seed(draw))
        share = tf.shape(fake)[0]
        return pooled[replica_id * share:(replica_id + 1) * share]

    def prepare_batch(self, data):
        return self._pair(data, "(domain A, domain B) image batches")

    def generator_loss(self, real_a, real_b):
        """Both generators' per-example loss; the fakes go to `self._fakes` for the D phase."""
        fake_b = tf.cast(self.generator(real_a, training=True), tf.float32)
        rec_a = tf.cast(self.generator_ba(fake_b, training=True), tf.float32)
        fake_a = tf.cast(self.generator_ba(real_b, training=True), tf.float32)
        rec_b = tf.cast(self.generator(fake_a, training=True), tf.float32)
        adversarial = (self._gan_g_loss(self.judge(self.discriminator, fake_b))
                       + self._gan_g_loss(self.judge(self.discriminator_a, fake_a)))
        cycle = pixel_mean(tf.abs(rec_a - real_a)) + pixel_mean(tf.abs(rec_b - real_b))
        per_example = adversarial + self.cycle_weight * cycle
        identity = tf.zeros_like(cycle)
        if self.identity_weight:
            same_b = tf.cast(self.generator(real_b, training=True), tf.float32)
            same_a = tf.cast(self.generator_ba(real_a, training=True), tf.float32)
            identity = pixel_mean(tf.abs(same_b - real_b)) + pixel_mean(
                tf.abs(same_a - real_a))
            per_example = per_example + self.identity_weight * self.cycle_weight * identity
        logs = {"g_loss": tf.reduce_mean(adversarial), "cycle_loss": tf.reduce_mean(cycle),
                "identity_loss": tf.reduce_mean(identity)}
        return per_example, logs, (fake_a, fake_b)

    def discriminator_loss(self, real_a, real_b, pooled_a, pooled_b):
        real_logits_b = self.judge(self.discriminator, real_b)
        fake_logits_b = self.judge(self.discriminator, pooled_b)
        real_logits_a = self.judge(self.discriminator_a, real_a)
        fake_logits_a = self.judge(self.discriminator_a, pooled_a)
        per_example = (self._gan_d_loss(real_logits_b, fake_logits_b)
                       + self._gan_d_loss(real_logits_a, fake_logits_a))
        accuracy = 0.5 * (self.real_fake_accuracy(real_logits_b, fake_logits_b)
                          + self.real_fake_accuracy(real_logits_a, fake_logits_a))
        return per_example, {"d_loss": tf.reduce_mean(per_example), "d_accuracy": accuracy}

    def update(self, batch):
        """The generators' phase, then the discriminators' phase on pooled fakes."""
        real_a, real_b = batch
        fakes = []

        def generator_phase():
            per_example, logs, made = self.generator_loss(real_a, real_b)
            fakes.extend(made)
            return per_example, logs

        g_logs = self.run_phase("generator", generator_phase)
        fake_a, fake_b = fakes
        replica_id, num_replicas = replica_info()
        pooled_b = self._pooled(self.pool_b, fake_b, _POOL_DRAW_B, replica_id, num_replicas)
        pooled_a = self._pooled(self.pool_a, fake_a, _POOL_DRAW_A, replica_id, num_replicas)
        d_logs = self.run_phase("discriminator", lambda: self.discriminator_loss(
            real_a, real_b, pooled_a, pooled_b))
        return {**g_logs, **d_logs}

    # ------------------------------------------------------- serialization
    def get_config(self):
        return {
            **self._base_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "generator_ba": keras.saving.serialize_keras_object(self.generator_ba),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "discriminator_a": keras.saving.serialize_keras_object(self.discriminator_a),
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        for key in ("generator", "generator_ba", "discriminator", "discriminator_a"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

