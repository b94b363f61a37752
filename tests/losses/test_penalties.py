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


# Shapes of one example, ranks 2 to 5 with the batch axis, and the closed-form
# WGAN-GP penalty of the all-ones linear critic on them: ||w|| = sqrt(size).
RANKED_SHAPES = [
    ((16,), 9.0),  # ||w|| = 4: (4 - 1)^2
    ((3, 3), 4.0),  # ||w|| = 3
    ((5, 5, 1), 16.0),  # ||w|| = 5
    ((2, 2, 2, 2), 9.0),  # ||w|| = 4
]


def plain_linear_critic(weights):
    """The same D(x) = <w, x> as a plain function: nothing checks the input's shape."""
    w = tf.constant(weights)
    axes = list(range(1, weights.ndim + 1))
    return lambda x, training=True: tf.reduce_sum(x * w, axis=axes)


@pytest.mark.parametrize("example_shape, expected", RANKED_SHAPES)
@pytest.mark.parametrize("critic_fn", [linear_critic, plain_linear_critic])
def test_gradient_penalty_is_exact_for_every_input_rank(example_shape, expected, critic_fn):
    """Batch 2: the interpolation factor broadcasts per example, whatever the rank.

    Reshaping it to rank 4 made the Keras critic on rank-2 inputs fail and the
    plain one on [2, 16] return 21.69 = (4 * sqrt(2) - 1)^2 instead of 9.
    """
    critic = critic_fn(np.ones(example_shape, "float32"))
    real = np.random.RandomState(5).normal(size=(2, *example_shape)).astype("float32")
    fake = np.random.RandomState(6).normal(size=(2, *example_shape)).astype("float32")
    gp = gradient_penalty(critic, real, fake, epsilon=np.array([0.25, 0.75], "float32")).numpy()
    assert gp.shape == (2,)
    np.testing.assert_allclose(gp, [expected, expected], rtol=1e-6)
    drawn = gradient_penalty(critic, real, fake).numpy()  # epsilon drawn inside
    np.testing.assert_allclose(drawn, [expected, expected], rtol=1e-6)


@pytest.mark.parametrize("example_shape", [(4,), (2, 2), (2, 2, 1), (1, 2, 2, 1)])
def test_gradient_penalty_weights_each_example_by_its_own_factor(example_shape):
    """For D(x) = sum(x^2)/2 the gradient at x_hat is x_hat, so its norm shows each eps_i.

    Example i is filled with c_i (real) and d_i (fake) over 4 entries, so
    ||x_hat_i|| = 2 * |eps_i c_i + (1 - eps_i) d_i|: with c = (1, 2, 3),
    d = (3, 0, 1), eps = (1, 0.25, 0.5) the norms are 2, 1, 4.
    """
    axes = list(range(1, len(example_shape) + 1))
    critic = lambda x, training=True: 0.5 * tf.reduce_sum(tf.square(x), axis=axes)
    shape = (3, *example_shape)
    real = np.ones(shape, "float32") * np.reshape([1.0, 2.0, 3.0], (3,) + (1,) * len(axes))
    fake = np.ones(shape, "float32") * np.reshape([3.0, 0.0, 1.0], (3,) + (1,) * len(axes))
    epsilon = np.array([1.0, 0.25, 0.5], "float32")
    gp = gradient_penalty(critic, real.astype("float32"), fake.astype("float32"),
                          epsilon=epsilon).numpy()
    np.testing.assert_allclose(gp, [1.0, 0.0, 9.0], rtol=1e-6, atol=1e-6)


def conditional_linear_critic(example_shape, class_scales):
    """D(x, y) = <s_y * ones, x>: its input gradient has norm s_y * sqrt(size)."""
    images = keras.Input(example_shape, name="images")
    labels = keras.Input((), dtype="int32", name="labels")
    size = int(np.prod(example_shape))
    embedding = keras.layers.Embedding(len(class_scales), size)
    weights = embedding(labels)
    flat = keras.layers.Flatten()(images)
    logits = keras.layers.Dot(axes=1)([flat, weights])
    model = keras.Model([images, labels], logits)
    table = np.asarray(class_scales, "float32")[:, None] * np.ones((1, size), "float32")
    embedding.embeddings.assign(table)
    return model


@pytest.mark.parametrize("example_shape", [(16,), (4, 4), (2, 2, 4)])
def test_penalties_pass_labels_to_a_conditional_critic_of_any_rank(example_shape):
    """16 entries; class scales 1, 0.5, 0.25 give gradient norms 4, 2, 1."""
    critic = conditional_linear_critic(example_shape, [1.0, 0.5, 0.25])
    labels = np.array([2, 0, 1], "int32")
    real = np.random.RandomState(7).normal(size=(3, *example_shape)).astype("float32")
    fake = np.random.RandomState(8).normal(size=(3, *example_shape)).astype("float32")
    gp = gradient_penalty(critic, real, fake, epsilon=np.array([0.1, 0.5, 0.9], "float32"),
                          labels=labels).numpy()
    np.testing.assert_allclose(gp, [0.0, 9.0, 1.0], rtol=1e-6, atol=1e-6)
    r1 = r1_penalty(critic, real, labels=labels).numpy()
    np.testing.assert_allclose(r1, [1.0, 16.0, 4.0], rtol=1e-6)


@pytest.mark.parametrize("example_shape, expected", RANKED_SHAPES)
def test_r1_is_exact_for_every_input_rank(example_shape, expected):
    critic = linear_critic(np.ones(example_shape, "float32"))
    real = np.random.RandomState(9).normal(size=(2, *example_shape)).astype("float32")
    size = float(np.prod(example_shape))  # ||w||^2 of the all-ones critic
    np.testing.assert_allclose(r1_penalty(critic, real).numpy(), [size, size], rtol=1e-6)


def test_gradient_penalty_rejects_real_and_fake_of_different_shapes():
    critic = plain_linear_critic(np.ones((4,), "float32"))
    with pytest.raises(ValueError, match=r"Received: real_images.shape=\(2, 4\), "
                                         r"fake_images.shape=\(1, 4\)"):
        gradient_penalty(critic, np.ones((2, 4), "float32"), np.ones((1, 4), "float32"))
