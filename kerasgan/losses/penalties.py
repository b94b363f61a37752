"""Discriminator regularizers: WGAN-GP gradient penalty, R1, and WGAN weight clipping.

The penalties take the discriminator and its inputs and return per-example
values of shape ``[batch]`` in float32 (the caller divides by the global batch).
"""

import keras
import tensorflow as tf


def _call_discriminator(discriminator, images, labels):
    if labels is None:
        logits = discriminator(images, training=True)
    else:
        # A Keras model refuses a list mixing tensors and NumPy arrays.
        logits = discriminator([images, tf.convert_to_tensor(labels)], training=True)
    return tf.cast(logits, tf.float32)


def _per_example_sq_norm(gradients):
    gradients = tf.cast(gradients, tf.float32)
    flat = tf.reshape(gradients, [tf.shape(gradients)[0], -1])
    return tf.reduce_sum(tf.square(flat), axis=1)


def _per_example_shape(images):
    """``[-1, 1, ..., 1]`` with the rank of ``images``: one factor per example.

    A factor of this shape broadcasts over every axis but the batch axis,
    whatever the input's rank (feature vectors, sequences, images, volumes).
    """
    rank = images.shape.rank
    if rank is not None:
        return [-1] + [1] * (rank - 1)
    return tf.concat([[-1], tf.ones([tf.rank(images) - 1], tf.int32)], axis=0)


def gradient_penalty(discriminator, real_images, fake_images, epsilon=None, labels=None,
                     target_norm=1.0):
    """WGAN-GP penalty (Gulrajani et al., 2017): (||grad_x D(x_hat)|| - target)^2.

    ``x_hat = eps * real + (1 - eps) * fake`` with ``eps ~ U[0, 1]`` per example.
    Multiply by lambda (10 in the paper) in the training step.

    Args:
        discriminator: a callable returning logits.
        real_images: a batch of real inputs of any rank ``>= 1`` (images
            ``[batch, height, width, channels]``, feature vectors
            ``[batch, features]``, ...).
        fake_images: a batch of generated inputs of the same shape.
        epsilon: optional per-example interpolation weights, shape ``[batch]``;
            drawn uniformly when omitted (the training step passes its own
            seeded draw so that every replica count gives the same result).
        labels: optional labels passed to a conditional discriminator.
        target_norm: the gradient norm the penalty pulls towards (1 in WGAN-GP).

    Returns:
        A float32 tensor of shape ``[batch]``.
    """
    real_images = tf.convert_to_tensor(real_images)
    fake_images = tf.cast(fake_images, real_images.dtype)
    if not real_images.shape.is_compatible_with(fake_images.shape):
        raise ValueError(
            "`real_images` and `fake_images` must have the same shape. Received: "
            f"real_images.shape={tuple(real_images.shape)}, "
            f"fake_images.shape={tuple(fake_images.shape)}"
        )
    batch = tf.shape(real_images)[0]
    if epsilon is None:
        epsilon = tf.random.uniform([batch], dtype=tf.float32)
    epsilon = tf.reshape(tf.cast(epsilon, real_images.dtype), _per_example_shape(real_images))
    interpolates = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        logits = _call_discriminator(discriminator, interpolates, labels)
        total = tf.reduce_sum(logits)
    gradients = tape.gradient(total, interpolates)
    norm = tf.sqrt(_per_example_sq_norm(gradients) + 1e-12)
    return tf.square(norm - target_norm)


def r1_penalty(discriminator, real_images, labels=None):
    """R1 penalty (Mescheder et al., 2018): ||grad_x D(x)||^2 on real data.

    The training step multiplies it by gamma / 2.

    Returns:
        A float32 tensor of shape ``[batch]``.
    """
    real_images = tf.convert_to_tensor(real_images)
    with tf.GradientTape() as tape:
        tape.watch(real_images)
        logits = _call_discriminator(discriminator, real_images, labels)
        total = tf.reduce_sum(logits)
    gradients = tape.gradient(total, real_images)
    return _per_example_sq_norm(gradients)


@keras.saving.register_keras_serializable(package="kerasgan")
class WeightClip(keras.constraints.Constraint):
    """Clips every weight to ``[-clip_value, clip_value]`` after each update (WGAN, c = 0.01).

    Keras optimizers apply a variable's constraint right after its update, so
    attaching this constraint to the critic's weights is the post-update clip
    of the WGAN algorithm.

    Examples:

    >>> import numpy as np
    >>> WeightClip(0.01)(np.array([0.5, -0.005, -2.0])).numpy().tolist()
    [0.01, -0.005, -0.01]
    """

    def __init__(self, clip_value=0.01):
        if not clip_value > 0:
            raise ValueError(f"`clip_value` must be positive. Received: clip_value={clip_value}")
        self.clip_value = float(clip_value)

    def __call__(self, w):
        return keras.ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}


def apply_weight_clipping(model, clip_value=0.01):
    """Attaches a `WeightClip` constraint to every trainable weight of `model`.

    Batch-norm scale/offset are clipped too, as in the WGAN reference code,
    which clamps every critic parameter.

    Returns:
        The number of weights constrained.
    """
    constraint = WeightClip(clip_value)
    count = 0
    for weight in model.trainable_weights:
        weight.constraint = constraint
        count += 1
    return count
