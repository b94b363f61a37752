"""CycleGAN (Zhu et al., 2017): two generators, two discriminators, cycle and identity losses."""

import copy

import keras
import tensorflow as tf

from kerasgan.models.cyclegan.image_pool import ImagePool
from kerasgan.models.gan import _apply_gradients, _regularization
from kerasgan.models.translation import TranslationGAN, pixel_mean

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

    def generator_variables(self):
        return self.generator.trainable_variables + self.generator_ba.trainable_variables

    def discriminator_variables(self):
        return self.discriminator.trainable_variables + self.discriminator_a.trainable_variables

    def _make_trackers(self):
        return [keras.metrics.Mean(name="cycle_loss"), keras.metrics.Mean(name="identity_loss")]

    # ------------------------------------------------------------ inference
    def translate(self, images, batch_size=16, direction="a_to_b"):
        """Translates images in [-1, 1]: `direction` `"a_to_b"` (default) or `"b_to_a"`."""
        network = self.direction_generator(direction)
        array = self._check_inputs(images, shape=tuple(network.inputs[0].shape[1:]))
        return self._batched(network, array, batch_size)

    def direction_generator(self, direction):
        if direction not in DIRECTIONS:
            raise ValueError(f"`direction` must be one of {DIRECTIONS}. "
                             f"Received: direction={direction!r}")
        return self.generator if direction == "a_to_b" else self.generator_ba

    def cycle(self, images, direction="a_to_b", batch_size=16):
        """The round trip: A -> B -> A for `"a_to_b"`, B -> A -> B for `"b_to_a"`."""
        other = DIRECTIONS[1 - DIRECTIONS.index(direction)]
        return self.translate(self.translate(images, batch_size, direction), batch_size, other)

    # -------------------------------------------------------------- training
    def _pool_seed(self, draw):
        step = tf.cast(self.step_counter, tf.int64)
        return tf.stack([tf.constant(self.seed, tf.int64), step * 64 + draw])

    def _pooled(self, pool, fake, draw, replica_id, num_replicas):
        """The pool's answer for this replica's share of the global batch of fakes."""
        fake = tf.stop_gradient(fake)
        context = tf.distribute.get_replica_context()
        if num_replicas == 1 or context is None:
            return pool.query(fake, self._pool_seed(draw))
        everything = context.all_gather(fake, axis=0)
        pooled = pool.query(everything, self._pool_seed(draw))
        share = tf.shape(fake)[0]
        return pooled[replica_id * share:(replica_id + 1) * share]

    def train_step(self, data):
        real_a, real_b = self._pair(data, "(domain A, domain B) image batches")
        replica_id, num_replicas = self._global_scale()
        inv_global = 1.0 / tf.cast(tf.shape(real_a)[0] * num_replicas, tf.float32)

        g_variables = self.generator_variables()
        with tf.GradientTape() as tape:
            fake_b = tf.cast(self.generator(real_a, training=True), tf.float32)
            rec_a = tf.cast(self.generator_ba(fake_b, training=True), tf.float32)
            fake_a = tf.cast(self.generator_ba(real_b, training=True), tf.float32)
            rec_b = tf.cast(self.generator(fake_a, training=True), tf.float32)
            adversarial = (self._gan_g_loss(self._judge(self.discriminator, fake_b))
                           + self._gan_g_loss(self._judge(self.discriminator_a, fake_a)))
            cycle = pixel_mean(tf.abs(rec_a - real_a)) + pixel_mean(tf.abs(rec_b - real_b))
            per_example = adversarial + self.cycle_weight * cycle
            identity = tf.zeros_like(cycle)
            if self.identity_weight:
                same_b = tf.cast(self.generator(real_b, training=True), tf.float32)
                same_a = tf.cast(self.generator_ba(real_a, training=True), tf.float32)
                identity = pixel_mean(tf.abs(same_b - real_b)) + pixel_mean(
                    tf.abs(same_a - real_a))
                per_example = per_example + self.identity_weight * self.cycle_weight * identity
            g_loss = tf.reduce_sum(per_example) * inv_global
            g_loss = g_loss + _regularization(self.generator) + _regularization(self.generator_ba)
            scaled = self.g_optimizer.scale_loss(g_loss)
        _apply_gradients(self.g_optimizer, tape.gradient(scaled, g_variables), g_variables)

        pooled_b = self._pooled(self.pool_b, fake_b, _POOL_DRAW_B, replica_id, num_replicas)
        pooled_a = self._pooled(self.pool_a, fake_a, _POOL_DRAW_A, replica_id, num_replicas)
        d_variables = self.discriminator_variables()
        with tf.GradientTape() as tape:
            real_logits_b = self._judge(self.discriminator, real_b)
            fake_logits_b = self._judge(self.discriminator, pooled_b)
            real_logits_a = self._judge(self.discriminator_a, real_a)
            fake_logits_a = self._judge(self.discriminator_a, pooled_a)
            d_per_example = (self._gan_d_loss(real_logits_b, fake_logits_b)
                             + self._gan_d_loss(real_logits_a, fake_logits_a))
            d_loss = tf.reduce_sum(d_per_example) * inv_global
            d_loss = (d_loss + _regularization(self.discriminator)
                      + _regularization(self.discriminator_a))
            scaled = self.d_optimizer.scale_loss(d_loss)
        _apply_gradients(self.d_optimizer, tape.gradient(scaled, d_variables), d_variables)
        self.step_counter.assign_add(1)
        accuracy = 0.5 * (self._real_fake_accuracy(real_logits_b, fake_logits_b)
                          + self._real_fake_accuracy(real_logits_a, fake_logits_a))
        return self._track(tf.reduce_mean(d_per_example), tf.reduce_mean(adversarial), accuracy,
                           [tf.reduce_mean(cycle), tf.reduce_mean(identity)])

    @staticmethod
    def _judge(discriminator, images):
        return tf.cast(discriminator(images, training=True), tf.float32)

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

