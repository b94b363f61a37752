import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.losses import WeightClip, apply_weight_clipping, gradient_penalty, r1_penalty


def linear_critic(weights):
    """D(x) = <w, x>: its input gradient is w everywhere."""
    inputs = keras.Input(weights.shape)
    flat = keras.layers.Flatten()(inputs)
    dense = keras.layers.Dense(1, use_bias=False)
    model = keras.Model(inputs, dense(flat))
    dense.kernel.assign(weights.reshape(-1, 1))
    return model


def test_gradient_penalty_of_linear_critic_is_closed_form():
    w = np.random.RandomState(0).normal(size=(4, 4, 3)).astype("float32")
    critic = linear_critic(w)
    real = np.random.RandomState(1).normal(size=(6, 4, 4, 3)).astype("float32")
    fake = np.random.RandomState(2).normal(size=(6, 4, 4, 3)).astype("float32")
    gp = gradient_penalty(critic, real, fake).numpy()
    assert gp.shape == (6,)
    np.testing.assert_allclose(gp, (np.linalg.norm(w) - 1.0) ** 2, rtol=1e-4)


def test_gradient_penalty_is_zero_for_unit_norm_gradient():
    w = np.random.RandomState(0).normal(size=(2, 2, 1)).astype("float32")
    critic = linear_critic(w / np.linalg.norm(w))
    real = np.ones((3, 2, 2, 1), "float32")
    gp = gradient_penalty(critic, real, -real, epsilon=np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(gp.numpy(), 0.0, atol=1e-6)


def test_gradient_penalty_interpolates_between_real_and_fake():
    """For D(x) = sum(x^2)/2 the gradient at x_hat is x_hat itself."""
    critic = lambda x, training=True: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])
    real = np.full((2, 1, 1, 1), 3.0, "float32")
    fake = np.zeros((2, 1, 1, 1), "float32")
    gp = gradient_penalty(critic, real, fake, epsilon=np.array([0.0, 1.0], "float32")).numpy()
    np.testing.assert_allclose(gp, [(0.0 - 1.0) ** 2, (3.0 - 1.0) ** 2], rtol=1e-5)


def test_r1_of_linear_critic_is_squared_norm():
    w = np.random.RandomState(3).normal(size=(3, 3, 2)).astype("float32")
    critic = linear_critic(w)
    real = np.random.RandomState(4).normal(size=(5, 3, 3, 2)).astype("float32")
    np.testing.assert_allclose(r1_penalty(critic, real).numpy(), np.sum(w**2), rtol=1e-5)


def test_weight_clip_constraint_clamps_after_update():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert apply_weight_clipping(model, 0.01) == 2
    optimizer = keras.optimizers.SGD(10.0)
    x = np.ones((4, 3), "float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    for weight in model.trainable_weights:
        values = weight.numpy()
        assert np.max(np.abs(values)) <= 0.01 + 1e-7
        assert np.max(np.abs(values)) == pytest.approx(0.01)  # the big step was clipped


def test_weight_clip_validation_and_config():
    with pytest.raises(ValueError, match="Received: clip_value=0"):
        WeightClip(0)
    clip = WeightClip(0.05)
    assert WeightClip.from_config(clip.get_config()).clip_value == 0.05
