"""The adversarial base model: a generator, a discriminator and the training step."""

import copy

import keras
import numpy as np
import tensorflow as tf

from kerasgan.losses import get_loss, gradient_penalty, r1_penalty
from kerasgan.losses.penalties import WeightClip

_LATENT_DISTRIBUTIONS = ("normal", "uniform")
# Offsets that keep the seeded draws of one step apart from each other.
_DRAWS_PER_STEP = 64
_NOISE_DRAW, _EPSILON_DRAW, _LABEL_DRAW = 0, 32, 48
_FAKE_LABELS = ("uniform", "data")


def _as_optimizer(optimizer, default):
    if optimizer is None:
        return keras.optimizers.get(default)
    if isinstance(optimizer, (str, dict)):
        return keras.optimizers.get(optimizer)
    return optimizer


def _inner(optimizer):
    return optimizer.inner_optimizer if isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ) else optimizer


def _replica_info():
    """(replica id, number of replicas) of the current replica context."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: eager sampling, callbacks
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def _apply_gradients(optimizer, grads, variables):
    """`optimizer.apply`, with the loss-scale skip decided over all replicas.

    Keras 3.15's `LossScaleOptimizer` decides whether to skip a step from the
    first replica's local gradients only (it assumes they were all-reduced,
    which happens later, inside the inner optimizer), so another replica's
    overflow is applied as NaN. Here every replica's gradients are made
    non-finite when any replica's are, so all replicas skip together.
    """
    context = tf.distribute.get_replica_context()
    if (
        isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        and context is not None
        and context.num_replicas_in_sync > 1
    ):
        def all_finite(strategy, local_finite):
            return tf.reduce_all(tf.stack(strategy.experimental_local_results(local_finite)))

        finite = context.merge_call(all_finite, args=(optimizer.check_finite(grads),))
        poison = tf.where(finite, 0.0, float("nan"))
        grads = [None if g is None else g + tf.cast(poison, g.dtype) for g in grads]
    optimizer.apply(grads, variables)


def _regularization(network):
    """The network's own losses (weight regularizers such as BigGAN's orthogonal one).

    Each replica computes the same value and the gradients are summed over
    replicas, so each replica adds its 1/N share.
    """
    losses = network.losses
    if not losses:
        return tf.constant(0.0)
    total = tf.add_n([tf.cast(loss, tf.float32) for loss in losses])
    _, num_replicas = _replica_info()
    return total / float(num_replicas)


@keras.saving.register_keras_serializable(package="kerasgan")
class GAN(keras.Model):
    """A GAN trained with `fit`: a generator, a discriminator and the step.

    Unconditional by default. With `num_classes` set it is class-conditional:
    the data yields `(images, labels)`, the generator is called on
    `[z, labels]` and the discriminator on `[images, labels]`, and the labels
    of generated batches are drawn uniformly (`fake_labels="uniform"`) or
    taken from the real batch, i.e. from the data's class frequencies
    (`fake_labels="data"`).

    The training step does `d_steps` discriminator updates, each on a fresh
    batch of noise, then one generator update. With `reuse_fake_batch=True`
    (the default) the generator update differentiates through the fake batch
    of the last discriminator update instead of generating another one, as
    the DCGAN reference implementation does; the discriminator is re-run on
    it after its update.

    Distribution and precision follow `tf.distribute` rules: every loss is a
    sum of per-example losses divided by the *global* batch size, the noise
    of a step is drawn for the global batch from a stateless seed and each
    replica takes its slice (so one replica and N replicas see the same
    noise), the optimizers are built in the strategy's scope at `compile`, and
    under `mixed_float16` both optimizers are wrapped in a
    `keras.optimizers.LossScaleOptimizer`. Logits, losses and penalties are
    float32 under any policy.

    Args:
        generator: a Keras model mapping latents `z` of shape
            `(latent_dim,)` to images.
        discriminator: a Keras model mapping images to logits.
        latent_dim: size of `z`; read from the generator's input when omitted.
        latent_distribution: `"normal"` (N(0, 1)) or `"uniform"` (U[-1, 1]).
        ema_decay: if set (e.g. 0.999), keep an exponential moving average copy
            of the generator, `ema_generator`, used by `generate` and export.
        ema_start_step: before this many generator updates the EMA copy just
            tracks the generator's weights.
        seed: seeds the noise of every training step (with the step count), so
            training is reproducible and resumable.
        num_classes: the number of classes of a conditional GAN (`None`:
            unconditional).
        fake_labels: `"uniform"` or `"data"`: how a conditional GAN labels its
            generated batches.

    Examples:

    >>> import numpy as np
    >>> from kerasgan.models.dcgan import DCGANGenerator, DCGANDiscriminator
    >>> gan = GAN(DCGANGenerator(latent_dim=8, image_size=32, base_filters=4),
    ...           DCGANDiscriminator(image_size=32, base_filters=4))
    >>> gan.compile(loss="hinge")
    >>> images = np.random.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    >>> history = gan.fit(images, batch_size=4, epochs=1, verbose=0)
    >>> gan.generate(2).shape
    (2, 32, 32, 3)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        latent_distribution="normal",
        ema_decay=None,
        ema_start_step=0,
        seed=0,
        num_classes=None,
        fake_labels="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
            raise ValueError(f"`num_classes` must be an integer >= 2 or None. "
                             f"Received: num_classes={num_classes!r}")
        if fake_labels not in _FAKE_LABELS:
            raise ValueError(f"`fake_labels` must be one of {_FAKE_LABELS}. "
                             f"Received: fake_labels={fake_labels!r}")
        self.num_classes = num_classes
        self.fake_labels = fake_labels
        if latent_distribution not in _LATENT_DISTRIBUTIONS:
            raise ValueError(
                f"`latent_distribution` must be one of {_LATENT_DISTRIBUTIONS}. "
                f"Received: latent_distribution={latent_distribution!r}"
            )
        if ema_decay is not None and not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"`ema_decay` must be in [0, 1). Received: ema_decay={ema_decay}")
        self.generator = generator
        self.discriminator = discriminator
        if latent_dim is None:
            latent_dim = self._generator_latent_dim()
        self.latent_dim = int(latent_dim)
        self.latent_distribution = latent_distribution
        self.ema_decay = ema_decay
        self.ema_start_step = int(ema_start_step)
        self.seed = int(seed)
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = generator.__class__.from_config(generator.get_config())
            self.ema_generator.name = f"{generator.name}_ema"
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
        # Generator updates done so far; seeds the noise and drives the EMA schedule.
        self.step_counter = self.add_weight(
            shape=(),
            dtype="int64",
            initializer="zeros",
            trainable=False,
            aggregation="only_first_replica",
            name="step_counter",
        )
        self.built = True
        self._compiled_gan = False

    def _generator_latent_dim(self):
        inputs = getattr(self.generator, "inputs", None)
        if not inputs:
            raise ValueError(
                "`latent_dim` could not be read from the generator (it has no `inputs`); "
                "pass `latent_dim=` explicitly."
            )
        return int(inputs[0].shape[-1])

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        g_optimizer=None,
        d_optimizer=None,
        loss="non_saturating",
        gradient_penalty_weight=0.0,
        r1_weight=0.0,
        d_steps=1,
        weight_clip=None,
        reuse_fake_batch=True,
        jit_compile=False,
        steps_per_execution=1,
        **kwargs,
    ):
        """Configures the adversarial training.

        Args:
            g_optimizer: generator optimizer (instance, name or config dict);
                default Adam(2e-4, beta_1=0.5).
            d_optimizer: discriminator optimizer; same default.
            loss: a registered loss name (`non_saturating`, `minimax`,
                `wasserstein`, `least_squares`, `hinge`) or a pair of functions
                `(discriminator_loss, generator_loss)` returning per-example losses.
            gradient_penalty_weight: lambda of the WGAN-GP penalty (10 in the paper).
            r1_weight: gamma of the R1 penalty on real data (adds gamma/2 ||grad||^2).
            d_steps: discriminator updates per generator update (5 for WGAN).
            weight_clip: clip every discriminator weight to [-c, c] after
                each update (WGAN: 0.01).
            reuse_fake_batch: the generator update reuses the last
                discriminator update's fake batch (saves one generator pass).
            jit_compile: XLA-compile the step (measured slower on CPU; off by default).
            steps_per_execution: passed to `keras.Model.compile`.
        """
        if int(d_steps) < 1:
            raise ValueError(f"`d_steps` must be >= 1. Received: d_steps={d_steps}")
        if gradient_penalty_weight < 0 or r1_weight < 0:
            raise ValueError(
                "Penalty weights must be >= 0. Received: "
                f"gradient_penalty_weight={gradient_penalty_weight}, r1_weight={r1_weight}"
            )
        if isinstance(loss, str):
            self._d_loss_fn, self._g_loss_fn = get_loss(loss)
        else:
            self._d_loss_fn, self._g_loss_fn = loss
        self.loss_name = loss if isinstance(loss, str) else None
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.r1_weight = float(r1_weight)
        self.d_steps = int(d_steps)
        self.weight_clip = None if weight_clip is None else float(weight_clip)
        self.reuse_fake_batch = bool(reuse_fake_batch)

        adam = {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}
        g_optimizer = _as_optimizer(g_optimizer, adam)
        d_optimizer = _as_optimizer(d_optimizer, adam)
        if self._uses_loss_scaling():
            if not isinstance(g_optimizer, keras.optimizers.LossScaleOptimizer):
                g_optimizer = keras.optimizers.LossScaleOptimizer(g_optimizer)
            if not isinstance(d_optimizer, keras.optimizers.LossScaleOptimizer):
                d_optimizer = keras.optimizers.LossScaleOptimizer(d_optimizer)
        if self.weight_clip is not None:
            constraint = WeightClip(self.weight_clip)
            for weight in self.discriminator.trainable_weights:
                weight.constraint = constraint
        # Optimizer variables must exist in the strategy's scope before `fit`.
        with self.distribute_strategy.scope():
            g_optimizer.build(self.generator_variables())
            d_optimizer.build(self.discriminator_variables())
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.gp_tracker = keras.metrics.Mean(name="gradient_penalty")
        self.r1_tracker = keras.metrics.Mean(name="r1_penalty")

        self._gan_compile_config = {
            "g_optimizer": keras.optimizers.serialize(_inner(g_optimizer)),
            "d_optimizer": keras.optimizers.serialize(_inner(d_optimizer)),
            "loss": self.loss_name,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "r1_weight": self.r1_weight,
            "d_steps": self.d_steps,
            "weight_clip": self.weight_clip,
            "reuse_fake_batch": self.reuse_fake_batch,
            "jit_compile": jit_compile,
            "steps_per_execution": steps_per_execution,
        }
        # `optimizer` is the generator's: Keras callbacks read `model.optimizer.iterations`.
        super().compile(
            optimizer=g_optimizer,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            **kwargs,
        )
        self._compiled_gan = True

    def generator_variables(self):
        """The variables the generator optimizer updates (families with two generators
        override this)."""
        return self.generator.trainable_variables

    def discriminator_variables(self):
        """The variables the discriminator optimizer updates."""
        return self.discriminator.trainable_variables

    def _uses_loss_scaling(self):
        policy = getattr(self.generator, "dtype_policy", None)
        names = {getattr(policy, "name", None), keras.mixed_precision.global_policy().name}
        return "mixed_float16" in names

    def get_compile_config(self):
        if not self._compiled_gan:
            return {}
        if self._gan_compile_config["loss"] is None:
            raise ValueError(
                "A GAN compiled with loss functions (not a registered name) cannot "
                "serialize its compile config; register the pair with "
                "`kerasgan.losses.register_loss` and compile with its name."
            )
        return dict(self._gan_compile_config)

    def compile_from_config(self, config):
        config = dict(config)
        config["g_optimizer"] = keras.optimizers.deserialize(config["g_optimizer"])
        config["d_optimizer"] = keras.optimizers.deserialize(config["d_optimizer"])
        self.compile(**config)

    @property
    def metrics(self):
        if not self._compiled_gan:
            return []
        trackers = [self.d_loss_tracker, self.g_loss_tracker, self.d_accuracy_tracker]
        if self.gradient_penalty_weight:
            trackers.append(self.gp_tracker)
        if self.r1_weight:
            trackers.append(self.r1_tracker)
        return trackers

    # ------------------------------------------------------------- sampling
    def sample_latents(self, batch_size, seed):
        """Latents for a batch from a stateless `seed` (shape [2] ints)."""
        shape = tf.stack([batch_size, self.latent_dim])
        if self.latent_distribution == "normal":
            return tf.random.stateless_normal(shape, seed)
        return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)

    @property
    def conditional(self):
        return self.num_classes is not None

    def _run_generator(self, generator, z, labels, training):
        if self.conditional:
            return generator([z, labels], training=training)
        return generator(z, training=training)

    def call(self, inputs, training=False):
        if self.conditional:
            z, labels = inputs
            return self._run_generator(self.generator, z, labels, training)
        return self.generator(inputs, training=training)

    def generate(self, num_or_latents, seed=0, use_ema=True, batch_size=64, labels=None,
                 truncation=None):
        """Generates images in [-1, 1] as a numpy array (EMA generator by default).

        Args:
            num_or_latents: a number of images, or an array of latents.
            seed: seeds the latents when a number is given.
            use_ema: use the EMA generator where one exists.
            batch_size: generation batch size.
            labels: for a conditional GAN, one class for every image or one per
                image; by default image i gets class `i % num_classes`.
            truncation: the truncation trick's threshold (normal latents only):
                drawn latents beyond it are resampled
                (`kerasgan.latent.truncated_normal`); given latents are mapped
                onto the truncated normal (`kerasgan.latent.truncate_latents`,
                the map exported models apply).
        """
        if truncation is not None and self.latent_distribution != "normal":
            raise ValueError("The truncation trick applies to normal latents. Received: "
                             f"latent_distribution={self.latent_distribution!r}")
        if isinstance(num_or_latents, int) and truncation is not None:
            from kerasgan.latent.truncation import truncated_normal

            z = tf.constant(truncated_normal((num_or_latents, self.latent_dim), truncation,
                                             seed=seed))
        elif isinstance(num_or_latents, int):
            z = self.sample_latents(num_or_latents, tf.constant([seed, 0], tf.int64))
        else:
            z = tf.convert_to_tensor(num_or_latents, tf.float32)
            if truncation is not None:
                from kerasgan.latent.truncation import truncate_latents

                z = tf.convert_to_tensor(truncate_latents(z, truncation))
        count = int(z.shape[0])
        label_array = None
        if self.conditional:
            label_array = self._generation_labels(labels, count)
        elif labels is not None:
            raise ValueError("`labels` were given to an unconditional GAN (num_classes=None).")
        generator = self.ema_generator if (use_ema and self.ema_generator is not None) else (
            self.generator
        )
        batches = []
        for start in range(0, count, batch_size):
            batch_labels = None if label_array is None else tf.constant(
                label_array[start:start + batch_size])
            images = self._run_generator(generator, z[start:start + batch_size], batch_labels,
                                         training=False)
            batches.append(tf.cast(images, tf.float32).numpy())
        return np.concatenate(batches, axis=0)

    def _generation_labels(self, labels, count):
        if labels is None:
            return np.arange(count, dtype=np.int32) % self.num_classes
        values = np.asarray(labels)
        if values.ndim == 0:
            values = np.full((count,), int(values), np.int32)
        if values.shape != (count,) or not np.issubdtype(values.dtype, np.integer):
            raise ValueError(f"Expected one integer label or {count} of them. "
                             f"Received: labels of shape {values.shape} and dtype {values.dtype}")
        if values.min() < 0 or values.max() >= self.num_classes:
            raise ValueError(f"Labels must be in [0, {self.num_classes}). Received: labels "
                             f"from {values.min()} to {values.max()}")
        return values.astype(np.int32)

    # ----------------------------------------------------------- training
    def _unpack(self, data):
        if isinstance(data, dict):
            return data["images"], data.get("labels")
        if isinstance(data, (tuple, list)):
            images = data[0]
            labels = data[1] if len(data) > 1 else None
            return images, labels
        return data, None

    def _check_images(self, images):
        expected = tuple(self.discriminator.inputs[0].shape[1:]) if getattr(
            self.discriminator, "inputs", None
        ) else None
        received = tuple(images.shape[1:])
        if expected is not None and None not in received and received != expected:
            raise ValueError(
                f"The data's images do not fit the discriminator. Expected images of shape "
                f"{expected} (height, width, channels). Received: images of shape {received}. "
                "Load the data with the model's image_size and channels."
            )

    def _step_seed(self, draw):
        step = tf.cast(self.step_counter, tf.int64)
        return tf.stack([tf.constant(self.seed, tf.int64), step * _DRAWS_PER_STEP + draw])

    def _replica_slice(self, values, replica_id, local_batch):
        start = replica_id * local_batch
        return values[start:start + local_batch]

    def _latents_for_replica(self, draw, replica_id, local_batch, global_batch):
        z = self.sample_latents(global_batch, self._step_seed(_NOISE_DRAW + draw))
        return self._replica_slice(z, replica_id, local_batch)

    def _epsilon_for_replica(self, draw, replica_id, local_batch, global_batch):
        eps = tf.random.stateless_uniform(
            tf.reshape(global_batch, [1]), self._step_seed(_EPSILON_DRAW + draw)
        )
        return self._replica_slice(eps, replica_id, local_batch)

    def discriminate(self, images, labels=None, training=True):
        """Discriminator logits in float32."""
        inputs = [images, labels] if self.conditional else images
        return tf.cast(self.discriminator(inputs, training=training), tf.float32)

    def _fake_labels_for_replica(self, draw, replica_id, local_batch, global_batch, real_labels):
        if not self.conditional:
            return None
        if self.fake_labels == "data":
            return real_labels
        labels = tf.random.stateless_uniform(
            tf.reshape(global_batch, [1]), self._step_seed(_LABEL_DRAW + draw),
            minval=0, maxval=self.num_classes, dtype=tf.int32,
        )
        return self._replica_slice(labels, replica_id, local_batch)

    def _real_fake_accuracy(self, real_logits, fake_logits):
        threshold = 0.5 if self.loss_name in ("least_squares", "lsgan") else 0.0
        real_ok = tf.cast(tf.reshape(real_logits, [tf.shape(real_logits)[0], -1]) > threshold,
                          tf.float32)
        fake_ok = tf.cast(tf.reshape(fake_logits, [tf.shape(fake_logits)[0], -1]) <= threshold,
                          tf.float32)
        return 0.5 * (tf.reduce_mean(real_ok) + tf.reduce_mean(fake_ok))

    def _discriminator_update(self, real, fake, draw, replica_id, global_batch,
                              real_labels=None, fake_labels=None):
        """One discriminator update; returns (loss, accuracy, gp, r1) per-replica means."""
        local_batch = tf.shape(real)[0]
        inv_global = 1.0 / tf.cast(global_batch, tf.float32)
        variables = self.discriminator.trainable_variables
        gp = r1 = tf.constant(0.0)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(real, real_labels)
            fake_logits = self.discriminate(fake, fake_labels)
            per_example = self._d_loss_fn(real_logits, fake_logits)
            adversarial = per_example
            if self.gradient_penalty_weight:
                eps = self._epsilon_for_replica(draw, replica_id, local_batch, global_batch)
                gp = gradient_penalty(self.discriminator, real, fake, epsilon=eps,
                                      labels=real_labels)
                per_example = per_example + self.gradient_penalty_weight * gp
            if self.r1_weight:
                r1 = r1_penalty(self.discriminator, real, labels=real_labels)
                per_example = per_example + 0.5 * self.r1_weight * r1
            loss = tf.reduce_sum(per_example) * inv_global
            loss = loss + _regularization(self.discriminator)
            scaled = self.d_optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        _apply_gradients(self.d_optimizer, grads, variables)
        return (
            tf.reduce_mean(adversarial),
            self._real_fake_accuracy(real_logits, fake_logits),
            tf.reduce_mean(gp),
            tf.reduce_mean(r1),
        )

    def train_step(self, data):
        real, real_labels = self._unpack(data)
        self._check_images(real)
        real = tf.cast(real, tf.float32)
        if self.conditional:
            if real_labels is None:
                raise ValueError(
                    f"A conditional GAN (num_classes={self.num_classes}) trains on "
                    "(images, labels) data. Received: images only. Load the data with "
                    "labels=True."
                )
            real_labels = tf.cast(tf.reshape(real_labels, [-1]), tf.int32)
        else:
            real_labels = None
        replica_id, num_replicas = _replica_info()
        local_batch = tf.shape(real)[0]
        global_batch = local_batch * num_replicas
        inv_global = 1.0 / tf.cast(global_batch, tf.float32)

        separate_updates = self.d_steps - 1 if self.reuse_fake_batch else self.d_steps
        d_results = None
        for draw in range(separate_updates):
            z = self._latents_for_replica(draw, replica_id, local_batch, global_batch)
            labels = self._fake_labels_for_replica(draw, replica_id, local_batch, global_batch,
                                                   real_labels)
            fake = tf.cast(self._run_generator(self.generator, z, labels, True), tf.float32)
            d_results = self._discriminator_update(real, fake, draw, replica_id, global_batch,
                                                   real_labels, labels)

        g_variables = self.generator.trainable_variables
        g_draw = self.d_steps - 1 if self.reuse_fake_batch else self.d_steps
        z = self._latents_for_replica(g_draw, replica_id, local_batch, global_batch)
        labels = self._fake_labels_for_replica(g_draw, replica_id, local_batch, global_batch,
                                               real_labels)
        with tf.GradientTape() as tape:
            fake = tf.cast(self._run_generator(self.generator, z, labels, True), tf.float32)
            if self.reuse_fake_batch:
                with tape.stop_recording():
                    d_results = self._discriminator_update(
                        real, tf.stop_gradient(fake), g_draw, replica_id, global_batch,
                        real_labels, labels,
                    )
            fake_logits = self.discriminate(fake, labels)
            g_per_example = self._g_loss_fn(fake_logits)
            g_loss = tf.reduce_sum(g_per_example) * inv_global
            g_loss = g_loss + _regularization(self.generator)
            scaled = self.g_optimizer.scale_loss(g_loss)
        grads = tape.gradient(scaled, g_variables)
        _apply_gradients(self.g_optimizer, grads, g_variables)
        self.step_counter.assign_add(1)
        if self.ema_generator is not None:
            self._update_ema()

        d_loss, d_accuracy, gp, r1 = d_results
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(tf.reduce_mean(g_per_example))
        self.d_accuracy_tracker.update_state(d_accuracy)
        if self.gradient_penalty_weight:
            self.gp_tracker.update_state(gp)
        if self.r1_weight:
            self.r1_tracker.update_state(r1)
        return {m.name: m.result() for m in self.metrics}

    def _update_ema(self):
        step = tf.cast(self.step_counter, tf.float32)
        decay = tf.where(step <= float(self.ema_start_step), 0.0, float(self.ema_decay))
        # The EMA copy is frozen (trainable=False), so pair the full weight lists;
        # trainable weights are averaged, the rest (batch-norm statistics) copied.
        pairs = [
            (e.value, w.value, w.trainable)
            for e, w in zip(self.ema_generator.weights, self.generator.weights)
        ]

        def merge_fn(strategy, decay):
            for ema_var, var, averaged in pairs:
                def update(e, w, d, averaged=averaged):
                    d = tf.cast(d, e.dtype) if averaged else tf.zeros([], e.dtype)
                    return e.assign(d * e + (1.0 - d) * tf.cast(w, e.dtype))

                strategy.extended.update(ema_var, update, args=(var, decay), group=False)

        tf.__internal__.distribute.interim.maybe_merge_call(
            merge_fn, self.distribute_strategy, decay
        )

    def sync_ema(self):
        """Copies the generator's weights into the EMA generator."""
        if self.ema_generator is not None:
            self.ema_generator.set_weights(self.generator.get_weights())

    # ------------------------------------------------------- serialization
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "latent_distribution": self.latent_distribution,
            "ema_decay": self.ema_decay,
            "ema_start_step": self.ema_start_step,
            "seed": self.seed,
            "num_classes": self.num_classes,
            "fake_labels": self.fake_labels,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes the nested dicts
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)
