"""GAN inversion: the latent whose image reproduces a target, found by optimization."""

import dataclasses

import numpy as np

INITS = ("mean", "random")
SPACES = ("z", "w", "w+")


@dataclasses.dataclass
class InversionResult:
    """What `invert` found: latents (`[n, d]`; W+: `[n, layers, d]`), their images, the loss
    history and pixel errors."""

    latents: np.ndarray
    images: np.ndarray
    losses: list
    pixel_errors: np.ndarray  # mean squared error per image, images in [-1, 1]


def _generator_of(model):
    from kerasgan.models.gan import GAN

    if isinstance(model, GAN):
        generator = model.ema_generator or model.generator
        return generator, model.latent_dim, model.conditional, model.latent_distribution
    inputs = model.inputs
    return model, int(inputs[0].shape[-1]), len(inputs) > 1, "normal"


def _space_of(generator, space):
    if space not in SPACES:
        raise ValueError(f"`space` must be one of {SPACES}. Received: space={space!r}")
    from kerasgan.models.network import Network

    spaces = generator.latent_spaces() if isinstance(generator, Network) else ("z",)
    if space not in spaces:
        raise ValueError(f"The generator {generator.name!r} has no {space!r} space: it is driven "
                         f"from {list(spaces)}. Received: space={space!r}")
    return space


def _w_start(generator, space, init, n, seed):
    """The initial W (`[n, dim]`) or W+ (`[n, layers, dim]`) latents."""
    import keras

    layers = generator.style_layers()
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"`init` must be one of {INITS} or an array. Received: "
                             f"init={init!r}")
        if init == "mean":
            center = keras.ops.convert_to_numpy(generator.average_w()).astype(np.float32)
            w_plus = np.broadcast_to(center, (n, layers, center.shape[-1])).copy()
        else:
            latent_dim = int(generator.inputs[0].shape[-1])
            z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
            w_plus = keras.ops.convert_to_numpy(generator.map_latents(z)).astype(np.float32)
        return w_plus[:, 0] if space == "w" else w_plus
    if isinstance(init, keras.Model):
        raise ValueError("An encoder initializes z only; for W or W+ pass 'mean', 'random' or "
                         "an array.")
    return np.asarray(init, np.float32)


def invert(model, target_images, *, steps=300, learning_rate=0.05, feature_extractor=None,
           feature_weight=1.0, prior_weight=1e-3, init="mean", labels=None, seed=0, space="z"):
    """Finds latents whose generated images reproduce `target_images`.

    Minimizes, per image, the pixel mean squared error (images in [-1, 1])
    plus `feature_weight` times the squared error of `feature_extractor`'s
    features (any differentiable callable from images to features, e.g. a
    discriminator trunk or `ShapesExtractor().model` features) plus, for
    normal latents, `prior_weight * (||z||^2 / d - 1)^2`, which keeps `z` on
    the shell where N(0, I) puts its mass. Adam on the latents, generator
    frozen and in inference mode (EMA generator for a GAN that has one).

    A style-based generator can also be inverted in W (one `w` for every
    layer: `[n, w_dim]`) or W+ (one `w` per synthesis layer: `[n, layers,
    w_dim]`), through its synthesis network without truncation; W+ has the
    most freedom and reconstructs best, Z the least.

    Args:
        model: a kerasgan GAN or a generator model.
        target_images: `[n, h, w, c]` floats in [-1, 1] with the generator's
            output shape.
        steps, learning_rate: the optimization.
        feature_extractor, feature_weight: the optional feature loss.
        prior_weight: the latent-norm prior's weight (0: none).
        init: `"mean"` (z = 0; in W and W+ the average w), `"random"` (z ~
            N(0, I) by `seed`; in W and W+ its mapping), an array of initial
            latents, or an encoder (a Keras model image -> z).
        labels: classes of the targets, for conditional generators.
        seed: seeds the `"random"` initialization.
        space: `"z"`, `"w"` or `"w+"` (the last two for generators whose
            `latent_spaces()` list them).

    Returns:
        An `InversionResult`.
    """
    import keras
    import tensorflow as tf

    generator, latent_dim, conditional, distribution = _generator_of(model)
    targets = np.asarray(target_images, np.float32)
    expected = tuple(generator.outputs[0].shape[1:])
    if targets.ndim != 4 or targets.shape[1:] != expected:
        raise ValueError(f"Expected target images of shape [n, {', '.join(map(str, expected))}] "
                         f"(the generator's output). Received: shape={targets.shape}")
    if targets.min() < -1.01 or targets.max() > 1.01:
        raise ValueError(f"Expected target images in [-1, 1]. Received: values from "
                         f"{targets.min():.3g} to {targets.max():.3g}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"`steps` must be a positive integer. Received: steps={steps!r}")
    n = targets.shape[0]
    space = _space_of(generator, space)
    if space != "z":
        if conditional:
            raise ValueError("W and W+ inversion is for unconditional style-based generators.")
        latent_dim = int(generator.average_w().shape[-1])
    label_tensor = None
    if conditional:
        if labels is None:
            raise ValueError("The generator is class-conditional: pass the targets' `labels`.")
        label_tensor = tf.constant(np.broadcast_to(np.asarray(labels, np.int32), (n,)))
    if space != "z":
        start = _w_start(generator, space, init, n, seed)
    elif isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"`init` must be one of {INITS}, an array or an encoder. "
                             f"Received: init={init!r}")
        start = (np.zeros((n, latent_dim), np.float32) if init == "mean" else
                 np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32))
    elif isinstance(init, keras.Model):
        start = np.asarray(init(targets, training=False), np.float32)
    else:
        start = np.asarray(init, np.float32)
    expected_start = ((n, generator.style_layers(), latent_dim) if space == "w+"
                      else (n, latent_dim))
    if start.shape != expected_start:
        raise ValueError(f"Expected initial {space} latents of shape {expected_start}. "
                         f"Received: shape={start.shape}")

    z = tf.Variable(start, name=f"inverted_{space.replace('+', '_plus')}")
    optimizer = keras.optimizers.Adam(learning_rate)
    target = tf.constant(targets)
    target_features = None
    if feature_extractor is not None and feature_weight:
        target_features = tf.cast(feature_extractor(target), tf.float32)
    use_prior = bool(prior_weight) and distribution == "normal" and space == "z"

    def generate(latents):
        if space == "w":
            layers = generator.style_layers()
            return tf.cast(generator.synthesize(
                tf.repeat(latents[:, None], layers, axis=1)), tf.float32)
        if space == "w+":
            return tf.cast(generator.synthesize(latents), tf.float32)
        inputs = [latents, label_tensor] if conditional else latents
        return tf.cast(generator(inputs, training=False), tf.float32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            images = generate(z)
            per_image = tf.reduce_mean(tf.square(images - target), axis=[1, 2, 3])
            loss = per_image
            if target_features is not None:
                features = tf.cast(feature_extractor(images), tf.float32)
                loss = loss + feature_weight * tf.reduce_mean(
                    tf.square(features - target_features), axis=-1)
            if use_prior:
                norm = tf.reduce_sum(tf.square(z), axis=-1) / float(latent_dim)
                loss = loss + prior_weight * tf.square(norm - 1.0)
            total = tf.reduce_sum(loss)
        optimizer.apply([tape.gradient(total, z)], [z])
        return total / float(n)

    optimizer.build([z])
    losses = [float(step()) for _ in range(steps)]
    images = generate(z).numpy()
    errors = np.mean(np.square(images - targets), axis=(1, 2, 3))
    return InversionResult(z.numpy(), images, losses, errors)
