"""The latent GAN: a generator of latents (and labels), a discriminator and their update."""

import keras
import numpy as np
import tensorflow as tf

from kerasgan.losses import gradient_penalty, r1_penalty
from kerasgan.losses.penalties import WeightClip
from kerasgan.models.base import (
    AdversarialModel,
    loss_pair,
    replica_info,
    uniform_or_normal,
)

_LATENT_DISTRIBUTIONS = ("normal", "uniform")
_NOISE_DRAW, _EPSILON_DRAW, _LABEL_DRAW = 0, 32, 48
_FAKE_LABELS = ("uniform", "data")
_DCGAN_ADAM = {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}


@keras.saving.register_keras_serializable(package="kerasgan")
class GAN(AdversarialModel):
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
        ema_half_life_images: instead of `ema_decay`, the EMA's half-life in
            training images (the decay of a step follows its global batch size).
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

    task = "unconditional"

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
        ema_half_life_images=None,
        **kwargs,
    ):
        super().__init__(seed=seed, ema_decay=ema_decay, ema_start_step=ema_start_step,
                         ema_half_life_images=ema_half_life_images, **kwargs)
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
        self.generator = generator
        self.discriminator = discriminator
        if latent_dim is None:
            latent_dim = self._generator_latent_dim()
        self.latent_dim = int(latent_dim)
        self.latent_distribution = latent_distribution
        self._init_ema()
        self._init_step_counter()
        if num_classes is not None:
            self.task = "class-conditional"

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
        drift_weight=0.0,
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
            drift_weight: epsilon_drift of Progressive GAN: adds
                `drift_weight * real_logits**2` to the critic's loss, keeping
                its outputs near 0 (0.001 in the paper).
            jit_compile: XLA-compile the step (measured slower on CPU; off by default).
            steps_per_execution: passed to `keras.Model.compile`.
        """
        if int(d_steps) < 1:
            raise ValueError(f"`d_steps` must be >= 1. Received: d_steps={d_steps}")
        if gradient_penalty_weight < 0 or r1_weight < 0 or drift_weight < 0:
            raise ValueError(
                "Penalty weights must be >= 0. Received: "
                f"gradient_penalty_weight={gradient_penalty_weight}, r1_weight={r1_weight}, "
                f"drift_weight={drift_weight}"
            )
        self._d_loss_fn, self._g_loss_fn = loss_pair(loss)
        self.loss_name = loss if isinstance(loss, str) else None
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.r1_weight = float(r1_weight)
        self.d_steps = int(d_steps)
        self.weight_clip = None if weight_clip is None else float(weight_clip)
        self.reuse_fake_batch = bool(reuse_fake_batch)
        self.drift_weight = float(drift_weight)
        if self.weight_clip is not None:
            constraint = WeightClip(self.weight_clip)
            for weight in self.discriminator.trainable_weights:
                weight.constraint = constraint
        self._build_optimizers(g_optimizer, d_optimizer, _DCGAN_ADAM)
        settings = {
            "loss": self.loss_name,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "r1_weight": self.r1_weight,
            "d_steps": self.d_steps,
            "weight_clip": self.weight_clip,
            "reuse_fake_batch": self.reuse_fake_batch,
        }
        if self.drift_weight:  # only where used: the compile configs of entries stay as written
            settings["drift_weight"] = self.drift_weight
        self._finish_compile(settings, jit_compile, steps_per_execution, **kwargs)

    def tracker_names(self):
        names = ["d_loss", "g_loss", "d_accuracy"]
        if self.gradient_penalty_weight:
            names.append("gradient_penalty")
        if self.r1_weight:
            names.append("r1_penalty")
        return tuple(names)

    # ------------------------------------------------------------- protocol
    def example_inputs(self, n, seed=0):
        """`n` latents of the model's distribution (numpy)."""
        rng = np.random.default_rng(seed)
        shape = (int(n), self.latent_dim)
        if self.latent_distribution == "uniform":
            return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
        return rng.standard_normal(shape).astype(np.float32)

    def data_requirements(self):
        output = self.generator.outputs[0].shape
        return {"image_size": int(output[1]), "channels": int(output[-1]),
                "labels": self.conditional}

    def serving_endpoints(self):
        """The (EMA) generator as `serving_default` (through its network's `serving_wrap`
        if it has one), and its `synthesis_network()`, if any, as `synthesis`."""
        from kerasgan.models.base import ServingEndpoint
        from kerasgan.models.network import Network

        network = self.inference_network()
        endpoints = [ServingEndpoint(
            "serving_default", network,
            wrap=network.serving_wrap() if isinstance(network, Network) else None,
            latent=self.latent_distribution == "normal", num_classes=self.num_classes)]
        synthesis = network.synthesis_network() if isinstance(network, Network) else None
        if synthesis is not None:
            endpoints.append(ServingEndpoint("synthesis", synthesis))
        return endpoints

    # ------------------------------------------------------------- sampling
    def sample_latents(self, batch_size, seed):
        """Latents for a batch from a stateless `seed` (shape [2] ints)."""
        shape = tf.stack([batch_size, self.latent_dim])
        return uniform_or_normal(shape, seed, self.latent_distribution)

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
                 truncation=None, psi=None):
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
            psi: style-based generators: the truncation strength in W
                (`Network.truncate_w`) in place of the generator's own (1 turns
                the truncation off, 0 gives the average image).
        """
        if truncation is not None and self.latent_distribution != "normal":
            raise ValueError("The truncation trick applies to normal latents. Received: "
                             f"latent_distribution={self.latent_distribution!r}")
        if isinstance(num_or_latents, (int, np.integer)) and truncation is not None:
            from kerasgan.latent.truncation import truncated_normal

            z = tf.constant(truncated_normal((int(num_or_latents), self.latent_dim), truncation,
                                             seed=seed))
        elif isinstance(num_or_latents, (int, np.integer)):
            z = self.sample_latents(int(num_or_latents), tf.constant([seed, 0], tf.int64))
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
        generator = self.inference_network(use_ema=use_ema)
        if psi is not None:
            return self._generate_in_w(generator, z, float(psi), batch_size)
        batches = []
        for start in range(0, count, batch_size):
            batch_labels = None if label_array is None else tf.constant(
                label_array[start:start + batch_size])
            images = self._run_generator(generator, z[start:start + batch_size], batch_labels,
                                         training=False)
            batches.append(tf.cast(images, tf.float32).numpy())
        # Generators with a linear output overshoot [-1, 1] a little; the official code
        # of those families clips when it makes images, and so does this.
        return np.clip(np.concatenate(batches, axis=0), -1.0, 1.0)

    def _generate_in_w(self, generator, z, psi, batch_size):
        from kerasgan.models.network import Network

        spaces = generator.latent_spaces() if isinstance(generator, Network) else ("z",)
        if "w" not in spaces or self.conditional:
            raise ValueError(f"`psi` (the truncation trick in W) needs an unconditional "
                             f"style-based generator; {generator.name!r} is driven from "
                             f"{list(spaces)}. Use `truncation` for normal latents.")
        batches = []
        for start in range(0, int(z.shape[0]), batch_size):
            w_plus = generator.truncate_w(generator.map_latents(z[start:start + batch_size]),
                                          psi)
            images = generator.synthesize(w_plus, training=False)
            batches.append(tf.cast(images, tf.float32).numpy())
        return np.clip(np.concatenate(batches, axis=0), -1.0, 1.0)

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

    def _replica_slice(self, values, replica_id, local_batch):
        start = replica_id * local_batch
        return values[start:start + local_batch]

    def _draw(self, batch, draw):
        """The latents and fake labels of draw `draw`: drawn for the global batch, this
        replica's slice (one replica and N replicas see the same noise)."""
        replica_id, local, global_batch = batch["replica_id"], batch["local"], batch["global"]
        z = self.sample_latents(global_batch, self.step_seed(_NOISE_DRAW + draw))
        z = self._replica_slice(z, replica_id, local)
        labels = None
        if self.conditional and self.fake_labels == "data":
            labels = batch["labels"]
        elif self.conditional:
            labels = tf.random.stateless_uniform(
                tf.reshape(global_batch, [1]), self.step_seed(_LABEL_DRAW + draw),
                minval=0, maxval=self.num_classes, dtype=tf.int32,
            )
            labels = self._replica_slice(labels, replica_id, local)
        return z, labels

    def _epsilon(self, batch, draw):
        eps = tf.random.stateless_uniform(
            tf.reshape(batch["global"], [1]), self.step_seed(_EPSILON_DRAW + draw))
        return self._replica_slice(eps, batch["replica_id"], batch["local"])

    def training_fakes(self, batch, z, labels, draw):
        """The generator's images of draw `draw` in a training step (float32).

        Every generator call of `update` goes through here with the draw's
        latents and the draw index, so a subclass can make more randomness of
        the call a stateless function of `step_seed` and the draw (drawn for
        the global batch, `batch["global"]`, and sliced per replica), or update
        generator-side variables whenever the training output is computed.
        Default: the generator in training mode.
        """
        del batch, draw
        return tf.cast(self._run_generator(self.generator, z, labels, True), tf.float32)

    def discriminate(self, images, labels=None, training=True):
        """Discriminator logits in float32."""
        inputs = [images, labels] if self.conditional else images
        return tf.cast(self.discriminator(inputs, training=training), tf.float32)

    def prepare_batch(self, data):
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
        replica_id, num_replicas = replica_info()
        local = tf.shape(real)[0]
        return {"real": real, "labels": real_labels, "replica_id": replica_id,
                "local": local, "global": local * num_replicas}

    def discriminator_loss(self, batch, fake, fake_labels, draw):
        """The discriminator phase's per-example loss and logs."""
        real, real_labels = batch["real"], batch["labels"]
        real_logits = self.discriminate(real, real_labels)
        fake_logits = self.discriminate(fake, fake_labels)
        adversarial = self._d_loss_fn(real_logits, fake_logits)
        per_example = adversarial
        logs = {}
        if self.gradient_penalty_weight:
            gp = gradient_penalty(self.discriminator, real, fake,
                                  epsilon=self._epsilon(batch, draw), labels=real_labels)
            per_example = per_example + self.gradient_penalty_weight * gp
            logs["gradient_penalty"] = tf.reduce_mean(gp)
        if self.r1_weight:
            r1 = r1_penalty(self.discriminator, real, labels=real_labels)
            per_example = per_example + 0.5 * self.r1_weight * r1
            logs["r1_penalty"] = tf.reduce_mean(r1)
        if self.drift_weight:
            drift = tf.reduce_mean(tf.reshape(tf.square(real_logits),
                                              [tf.shape(real_logits)[0], -1]), axis=1)
            per_example = per_example + self.drift_weight * drift
        threshold = 0.5 if self.loss_name in ("least_squares", "lsgan") else 0.0
        logs["d_loss"] = tf.reduce_mean(adversarial)
        logs["d_accuracy"] = self.real_fake_accuracy(real_logits, fake_logits, threshold)
        return per_example, logs

    def update(self, batch):
        """`d_steps` discriminator phases, each on a fresh batch of noise, then the generator
        phase (which, with `reuse_fake_batch`, runs the last discriminator phase on its own
        fake batch first)."""
        separate_updates = self.d_steps - 1 if self.reuse_fake_batch else self.d_steps
        d_logs = {}
        for draw in range(separate_updates):
            z, labels = self._draw(batch, draw)
            fake = self.training_fakes(batch, z, labels, draw)
            d_logs = self.run_phase("discriminator", lambda fake=fake, labels=labels, draw=draw:
                                    self.discriminator_loss(batch, fake, labels, draw))

        g_draw = self.d_steps - 1 if self.reuse_fake_batch else self.d_steps
        z, labels = self._draw(batch, g_draw)

        def generator_loss():
            nonlocal d_logs
            fake = self.training_fakes(batch, z, labels, g_draw)
            if self.reuse_fake_batch:
                d_logs = self.run_phase("discriminator", lambda: self.discriminator_loss(
                    batch, tf.stop_gradient(fake), labels, g_draw))
            return self._g_loss_fn(self.discriminate(fake, labels))

        g_logs = self.run_phase("generator", generator_loss)
        return {**d_logs, "g_loss": g_logs["loss"]}

    # ------------------------------------------------------- serialization
    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            **self._network_config(("generator", "discriminator")),
            "latent_dim": self.latent_dim,
            "latent_distribution": self.latent_distribution,
            "ema_decay": self.ema_decay,
            "ema_start_step": self.ema_start_step,
            "seed": self.seed,
            "num_classes": self.num_classes,
            "fake_labels": self.fake_labels,
        }
        if self.ema_half_life_images is not None:  # only where used: saved configs stay as written
            config["ema_half_life_images"] = self.ema_half_life_images
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**cls._deserialize_networks(config, ("generator", "discriminator")))
