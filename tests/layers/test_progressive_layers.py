"""The Progressive GAN / StyleGAN layers against numpy: equalized dense and conv, pixel
normalization, minibatch standard deviation."""

import math

import keras
import numpy as np
import pytest

from kerasgan.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNormalization

RNG = np.random.default_rng(0)


def _x(shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _conv_same(x, kernel):
    """A numpy stride-1 'same' convolution (cross-correlation, as Keras), NHWC / HWIO."""
    k = kernel.shape[0]
    pad = k // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],), np.float64)
    for i in range(k):
        for j in range(k):
            out += padded[:, i:i + x.shape[1], j:j + x.shape[2], :] @ kernel[i, j]
    return out


# ------------------------------------------------------------ equalized layers
@pytest.mark.parametrize("lr_multiplier", [1.0, 0.01])
def test_equalized_dense_equals_a_matmul_with_the_scaled_kernel(lr_multiplier):
    layer = EqualizedDense(5, gain=1.5, lr_multiplier=lr_multiplier)
    x = _x((3, 8))
    layer(x)
    bias = _x((5,))
    layer.bias.assign(bias)
    c = 1.5 / math.sqrt(8) * lr_multiplier
    assert layer.runtime_coefficient == pytest.approx(c)
    kernel = np.asarray(layer.kernel)
    expected = x @ (kernel * c) + bias * lr_multiplier
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]


def test_equalized_conv_equals_a_convolution_with_the_scaled_kernel():
    layer = EqualizedConv2D(4, 3, lr_multiplier=0.5)
    x = _x((2, 5, 6, 3))
    layer(x)
    bias = _x((4,))
    layer.bias.assign(bias)
    c = math.sqrt(2) / math.sqrt(3 * 3 * 3) * 0.5
    expected = _conv_same(x, np.asarray(layer.kernel) * c) + bias * 0.5
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-4, atol=1e-5)
    one_by_one = EqualizedConv2D(2, 1, gain=1.0, use_bias=False)
    out = np.asarray(one_by_one(x))
    np.testing.assert_allclose(out, x @ (np.asarray(one_by_one.kernel)[0, 0] / math.sqrt(3)),
                               rtol=1e-5, atol=1e-6)
    assert one_by_one.count_params() == 3 * 2


@pytest.mark.parametrize("lr_multiplier", [1.0, 0.01])
def test_equalized_init_stores_unit_over_lrmul_and_computes_with_he_std(lr_multiplier):
    keras.utils.set_random_seed(1)
    layer = EqualizedDense(256, lr_multiplier=lr_multiplier)
    layer.build((None, 512))
    stored = np.asarray(layer.kernel)
    assert stored.std() == pytest.approx(1.0 / lr_multiplier, rel=0.02)
    assert np.asarray(layer.effective_kernel).std() == pytest.approx(
        math.sqrt(2) / math.sqrt(512), rel=0.02)
    np.testing.assert_array_equal(np.asarray(layer.bias), 0.0)


def _one_step(layer, x, optimizer):
    """One optimizer step on sum(layer(x) * target); returns effective kernel change and the
    gradient with respect to the effective kernel."""
    import tensorflow as tf

    target = tf.constant(_x(tuple(layer(x).shape)))
    before = np.asarray(layer.kernel).astype(np.float64)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * target)
    grads = tape.gradient(loss, layer.trainable_variables)
    optimizer.apply(grads, layer.trainable_variables)
    after = np.asarray(layer.kernel).astype(np.float64)
    # The stored kernel is about 1 / lr_multiplier: take the difference before scaling, so the
    # float32 rounding of large stored values does not swamp a small effective step.
    # d loss / d effective kernel of a dense layer: x^T target.
    return (after - before) * layer.runtime_coefficient, np.asarray(x).T @ np.asarray(target)


@pytest.mark.parametrize("lr_multiplier", [1.0, 0.01])
def test_equalized_sgd_step_moves_the_effective_weight_by_lr_c_squared_grad(lr_multiplier):
    layer = EqualizedDense(3, lr_multiplier=lr_multiplier)
    x = _x((4, 6))
    layer(x)
    c = layer.runtime_coefficient
    lr = 0.1 / lr_multiplier
    delta, grad_effective = _one_step(layer, x, keras.optimizers.SGD(lr))
    np.testing.assert_allclose(delta, -lr * c * c * grad_effective, rtol=1e-3)


@pytest.mark.parametrize("lr_multiplier", [1.0, 0.01])
def test_equalized_adam_step_moves_the_effective_weight_by_about_lr_c(lr_multiplier):
    layer = EqualizedDense(3, lr_multiplier=lr_multiplier)
    x = _x((4, 6))
    layer(x)
    c = layer.runtime_coefficient
    adam = keras.optimizers.Adam(0.1, beta_1=0.0, beta_2=0.99, epsilon=1e-8)
    delta, grad_effective = _one_step(layer, x, adam)
    # The first Adam step is lr * sign(grad) on the stored kernel, whatever the gradient's scale.
    np.testing.assert_allclose(delta, -0.1 * c * np.sign(grad_effective), rtol=1e-3)


def test_equalized_layers_validate_their_arguments():
    with pytest.raises(ValueError, match=r"Received: kernel_size=2"):
        EqualizedConv2D(4, 2)
    with pytest.raises(ValueError, match=r"Received: lr_multiplier=0"):
        EqualizedDense(4, lr_multiplier=0)
    with pytest.raises(ValueError, match=r"Received: gain=-1"):
        EqualizedConv2D(4, 3, gain=-1)
    with pytest.raises(ValueError, match=r"Received: units=0"):
        EqualizedDense(0)
    with pytest.raises(ValueError, match=r"Received: padding='causal'"):
        EqualizedConv2D(4, 3, padding="causal")


def test_equalized_layers_round_trip_in_a_keras_file(tmp_path):
    inputs = keras.Input((4, 4, 2))
    h = EqualizedConv2D(3, 3, lr_multiplier=0.5, activation="leaky_relu")(inputs)
    h = keras.layers.Flatten()(h)
    outputs = EqualizedDense(2, gain=1.0, lr_multiplier=0.01)(h)
    model = keras.Model(inputs, outputs)
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(_x(tuple(layer.bias.shape)))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = _x((2, 4, 4, 2))
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)
    assert loaded.layers[1].get_config()["lr_multiplier"] == 0.5


# ------------------------------------------------------------ pixel normalization
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (4, 7)])
def test_pixel_norm_gives_unit_mean_square_per_pixel(shape):
    x = _x(shape) * 5.0 + 1.0
    y = np.asarray(PixelNormalization()(x))
    np.testing.assert_allclose(np.mean(y**2, axis=-1), 1.0, rtol=1e-5)
    expected = x / np.sqrt(np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_pixel_norm_epsilon_keeps_zero_vectors_finite_and_validates():
    y = np.asarray(PixelNormalization(epsilon=1e-8)(np.zeros((2, 3), np.float32)))
    np.testing.assert_array_equal(y, 0.0)
    x = np.full((1, 4), 1e-3, np.float32)
    # mean square 1e-6 against epsilon 1e-6: scale 1 / sqrt(2e-6).
    np.testing.assert_allclose(np.asarray(PixelNormalization(epsilon=1e-6)(x)),
                               1e-3 / np.sqrt(2e-6), rtol=1e-5)
    with pytest.raises(ValueError, match=r"Received: epsilon=-1"):
        PixelNormalization(epsilon=-1)


# ------------------------------------------------------- minibatch standard deviation
def _mbstd_reference(x, group_size, num_features):
    """The official computation written out over explicit groups (NHWC)."""
    n, h, w, c = x.shape
    g = min(group_size, n)
    m = n // g
    out = np.zeros((n, h, w, num_features))
    block = c // num_features
    for group in range(m):
        members = [i for i in range(n) if i % m == group]
        assert len(members) == g
        for f in range(num_features):
            values = x[members][..., f * block:(f + 1) * block].astype(np.float64)
            std = np.sqrt(values.var(axis=0) + 1e-8)
            out[members, :, :, f] = std.mean()
    return np.concatenate([x, out], axis=-1)


@pytest.mark.parametrize("batch,group_size,num_features",
                         [(8, 4, 1), (8, 4, 2), (6, 2, 2), (3, 4, 1), (4, 4, 4)])
def test_minibatch_stddev_equals_the_grouped_numpy_computation(batch, group_size, num_features):
    x = _x((batch, 3, 5, 4)) * np.arange(1, 5, dtype=np.float32)
    layer = MinibatchStdDev(group_size=group_size, num_features=num_features)
    y = np.asarray(layer(x))
    assert y.shape == (batch, 3, 5, 4 + num_features)
    np.testing.assert_allclose(y, _mbstd_reference(x, group_size, num_features), rtol=1e-5)


def test_minibatch_stddev_groups_examples_with_the_official_strided_order():
    # Batch 4, groups of 2: groups are {0, 2} and {1, 3}, not {0, 1} and {2, 3}.
    x = np.zeros((4, 1, 1, 1), np.float32)
    x[2] = 2.0  # group {0, 2}: std 1; group {1, 3}: std 0 (plus epsilon)
    y = np.asarray(MinibatchStdDev(group_size=2)(x))[:, 0, 0, 1]
    np.testing.assert_allclose(y, [1.0, 1e-4, 1.0, 1e-4], rtol=1e-4)


def test_minibatch_stddev_in_a_graph_with_unknown_batch():
    import tensorflow as tf

    layer = MinibatchStdDev(group_size=4)
    x = _x((8, 2, 2, 3))
    fn = tf.function(layer, input_signature=[tf.TensorSpec((None, 2, 2, 3), tf.float32)])
    np.testing.assert_allclose(np.asarray(fn(x)), _mbstd_reference(x, 4, 1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(fn(x[:2])), _mbstd_reference(x[:2], 4, 1), rtol=1e-5)


def test_minibatch_stddev_rejects_bad_batches_and_channels():
    with pytest.raises(ValueError, match=r"Received: batch=6, group_size=4"):
        MinibatchStdDev(group_size=4)(_x((6, 2, 2, 3)))
    with pytest.raises(ValueError, match=r"divide the 3 channels. Received: num_features=2"):
        MinibatchStdDev(num_features=2)(_x((4, 2, 2, 3)))
    with pytest.raises(ValueError, match=r"Received: group_size=0"):
        MinibatchStdDev(group_size=0)


def test_pixel_norm_and_minibatch_stddev_round_trip_in_a_keras_file(tmp_path):
    inputs = keras.Input((4, 4, 2), batch_size=4)
    outputs = MinibatchStdDev(group_size=2, num_features=2)(PixelNormalization()(inputs))
    model = keras.Model(inputs, outputs)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = _x((4, 4, 4, 2))
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)
    assert loaded.layers[2].get_config()["num_features"] == 2
