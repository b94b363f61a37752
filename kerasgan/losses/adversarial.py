"""Adversarial losses as pure functions on discriminator logits.

Every function follows one signature family:

- ``<name>_discriminator_loss(real_logits, fake_logits)``
- ``<name>_generator_loss(fake_logits)``

and returns a **per-example** loss of shape ``[batch]`` in float32. Logits of
any rank are accepted (``[batch]``, ``[batch, 1]``, or PatchGAN maps
``[batch, h, w, 1]``): non-batch axes are averaged. Returning per-example
values lets the training step divide by the *global* batch size, which is what
makes the update the same under any number of replicas.

Examples:

>>> import numpy as np
>>> from kerasgan.losses import get_loss
>>> d_loss, g_loss = get_loss("hinge")
>>> d_loss(np.array([2.0, 0.5]), np.array([-2.0, 0.0])).numpy().tolist()
[0.0, 1.5]
"""

import tensorflow as tf


def _per_example(values):
    """Averages every axis but the first, in float32."""
    values = tf.cast(values, tf.float32)
    if values.shape.rank is not None and values.shape.rank <= 1:
        return tf.reshape(values, [-1])
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)


def _logits(x):
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


# Minimax (Goodfellow et al., 2014): min_G max_D E log D(x) + E log(1 - D(G(z))).
def minimax_discriminator_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z))), with D = sigmoid(logits)."""
    real, fake = _logits(real_logits), _logits(fake_logits)
    return _per_example(tf.nn.softplus(-real)) + _per_example(tf.nn.softplus(fake))


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))): the saturating generator loss of the original minimax game."""
    return _per_example(-tf.nn.softplus(_logits(fake_logits)))


# Non-saturating (NSGAN): same discriminator, generator maximizes log D(G(z)).
def non_saturating_discriminator_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z))) (identical to the minimax discriminator)."""
    return minimax_discriminator_loss(real_logits, fake_logits)


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z))."""
    return _per_example(tf.nn.softplus(-_logits(fake_logits)))


# Wasserstein (Arjovsky et al., 2017): the critic's output is unbounded.
def wasserstein_discriminator_loss(real_logits, fake_logits):
    """C(G(z)) - C(x): the critic maximizes the score gap."""
    return _per_example(_logits(fake_logits)) - _per_example(_logits(real_logits))


def wasserstein_generator_loss(fake_logits):
    """-C(G(z))."""
    return _per_example(-_logits(fake_logits))


# Least squares (Mao et al., 2017) with the 0-1 coding (a=0, b=1, c=1).
def least_squares_discriminator_loss(real_logits, fake_logits):
    """0.5 (D(x) - 1)^2 + 0.5 D(G(z))^2 on raw outputs."""
    real, fake = _logits(real_logits), _logits(fake_logits)
    return _per_example(0.5 * tf.square(real - 1.0)) + _per_example(0.5 * tf.square(fake))


def least_squares_generator_loss(fake_logits):
    """0.5 (D(G(z)) - 1)^2."""
    return _per_example(0.5 * tf.square(_logits(fake_logits) - 1.0))


# Hinge (Lim & Ye, 2017; used by SAGAN and BigGAN).
def hinge_discriminator_loss(real_logits, fake_logits):
    """max(0, 1 - D(x)) + max(0, 1 + D(G(z)))."""
    real, fake = _logits(real_logits), _logits(fake_logits)
    return _per_example(tf.nn.relu(1.0 - real)) + _per_example(tf.nn.relu(1.0 + fake))


def hinge_generator_loss(fake_logits):
    """-D(G(z))."""
    return _per_example(-_logits(fake_logits))
