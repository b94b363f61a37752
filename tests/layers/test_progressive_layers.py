"""The Progressive GAN / StyleGAN layers against numpy: equalized dense and conv, pixel
normalization, minibatch standard deviation."""

import math

import keras
import numpy as np
import pytest

from kerasgan.layers import EqualizedConv2D, EqualizedDense

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
