"""The StyleGAN layers against numpy: noise injection (global-batch draws, fixed inference
noise), AdaIN style modulation, the blur, the learned constant, the truncation trick; and the
official fused up/down-scaling convolutions against the separate ops the networks use."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import (
    Blur2D,
    ConstantInput,
    EqualizedConv2D,
    NoiseInjection,
    StyleModulation,
    TruncationTrick,
)
from kerasgan.layers.global_batch_dropout import step_draws

RNG = np.random.default_rng(0)
SEED = tf.constant([5, 11], tf.int64)


def _x(shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _conv_same(x, kernel):
    """A numpy stride-1 'same' cross-correlation, NHWC / HWIO, zero padding."""
    k = kernel.shape[0]
    pad = k // 2
    padded = np.pad(x.astype(np.float64), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],), np.float64)
    for i in range(k):
        for j in range(k):
            out += padded[:, i:i + x.shape[1], j:j + x.shape[2], :] @ kernel[i, j]
    return out


def _round_trip(layer):
    return type(layer).from_config(layer.get_config())


# ------------------------------------------------------------ noise injection
def _noise_layer(channels, seed=0):
    layer = NoiseInjection(seed=seed)
    layer.build((None, 4, 4, channels))
    layer.strength.assign(RNG.uniform(0.5, 2.0, channels).astype(np.float32))
    return layer


def _noise_of(layer, y, x):
    """The noise map each output carries: (y - x) / strength, identical over channels."""
    per_channel = (np.asarray(y) - x) / np.asarray(layer.strength)
    np.testing.assert_allclose(per_channel, per_channel[..., :1].repeat(x.shape[-1], -1),
                               rtol=1e-4, atol=1e-5)
    return per_channel[..., 0]


def test_noise_strength_starts_at_zero_and_zero_strength_is_the_identity():
    layer = NoiseInjection(seed=1)
    x = _x((4, 8, 8, 3))
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=True)), x)
    with step_draws(SEED, 0, 1):
        np.testing.assert_array_equal(np.asarray(layer(x, training=True)), x)
    assert [w.name for w in layer.trainable_weights] == ["strength"]
    assert layer.count_params() == 3 and not layer.non_trainable_weights


def test_noise_in_a_step_is_drawn_for_the_global_batch_and_each_replica_keeps_its_rows():
    layer = _noise_layer(3)
    x = _x((8, 4, 4, 3))
    with step_draws(SEED, 0, 1):
        whole = _noise_of(layer, layer(x, training=True), x)
    for num_replicas in (2, 4):
        local = 8 // num_replicas
        shares = []
        for r in range(num_replicas):
            rows = x[r * local:(r + 1) * local]
            with step_draws(SEED, r, num_replicas):
                shares.append(_noise_of(layer, layer(rows, training=True), rows))
        np.testing.assert_allclose(np.concatenate(shares), whole, rtol=1e-5, atol=1e-6)
    assert not np.allclose(whole[0], whole[1])  # every example gets its own map
    assert 0.7 < whole.std() < 1.3 and abs(whole.mean()) < 0.3
    # Another step seed draws other noise; two layers in one step draw different noise.
    with step_draws(tf.constant([6, 11], tf.int64), 0, 1):
        other = _noise_of(layer, layer(x, training=True), x)
    with step_draws(SEED, 0, 1):
        first = _noise_of(layer, layer(x, training=True), x)
        second = _noise_of(layer, layer(x, training=True), x)
    np.testing.assert_allclose(first, whole, rtol=1e-5, atol=1e-6)
    assert not np.allclose(other, whole) and not np.allclose(first, second)


def test_noise_in_a_traced_step_on_two_replicas_matches_one_replica():
    layer = _noise_layer(2)
    x = _x((4, 4, 4, 2))

    @tf.function
    def step(rows, replica_id, num_replicas):
        with step_draws(SEED, replica_id, num_replicas):
            return layer(rows, training=True)

    whole = np.asarray(step(x, 0, 1))
    halves = [np.asarray(step(x[2 * r:2 * r + 2], r, 2)) for r in range(2)]
    np.testing.assert_allclose(np.concatenate(halves), whole, rtol=1e-5, atol=1e-6)


def test_noise_outside_a_step_is_random_in_training_and_fixed_at_inference():
    layer = _noise_layer(3, seed=7)
    x = _x((3, 4, 4, 3))
    first = _noise_of(layer, layer(x, training=True), x)
    second = _noise_of(layer, layer(x, training=True), x)
    assert not np.allclose(first, second) and not np.allclose(first[0], first[1])
    fixed = _noise_of(layer, layer(x), x)
    np.testing.assert_array_equal(_noise_of(layer, layer(x, training=False), x), fixed)
    # One map shared by the batch (the official stored noise maps): an example's output does
    # not depend on its batch.
    np.testing.assert_allclose(fixed, fixed[:1].repeat(3, 0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(x[2:])), np.asarray(layer(x))[2:], rtol=1e-6)
    expected = np.asarray(tf.random.stateless_normal((1, 4, 4, 1), [7, 0]))[..., 0]
    np.testing.assert_allclose(fixed[:1], expected, rtol=1e-4, atol=1e-5)
    # Another seed, another map; the seed survives the config.
    other = _round_trip(layer)
    assert other.seed == 7
    seed_8 = _noise_layer(3, seed=8)
    assert not np.allclose(_noise_of(seed_8, seed_8(x), x), fixed)


def test_explicit_noise_is_used_as_given():
    layer = _noise_layer(3)
    x = _x((2, 4, 4, 3))
    noise = _x((2, 4, 4, 1))
    expected = x + noise * np.asarray(layer.strength)
    for training in (False, True):
        np.testing.assert_allclose(np.asarray(layer(x, noise=noise, training=training)),
                                   expected, rtol=1e-5, atol=1e-6)


def test_noise_in_mixed_precision_keeps_the_input_dtype():
    layer = NoiseInjection(dtype="mixed_bfloat16")
    y = layer(tf.ones((2, 4, 4, 3), tf.bfloat16), training=True)
    assert y.dtype == tf.bfloat16 and layer.strength.dtype == "float32"


# ------------------------------------------------------------ style modulation
def _instance_norm(x, epsilon=1e-8):
    x = x.astype(np.float64)
    x = x - x.mean(axis=(1, 2), keepdims=True)
    return x / np.sqrt((x ** 2).mean(axis=(1, 2), keepdims=True) + epsilon)


def test_style_modulation_is_instance_norm_then_the_official_style_mod():
    channels, dim = 3, 6
    layer = StyleModulation()
    x = _x((4, 5, 5, channels)) * 3.0 + 2.0
    w = _x((4, dim))
    layer([x, w])
    layer.style.bias.assign(_x((2 * channels,)))
    kernel = np.asarray(layer.style.kernel).astype(np.float64)
    assert kernel.shape == (dim, 2 * channels) and layer.style.gain == 1.0
    style = w @ (kernel / math.sqrt(dim)) + np.asarray(layer.style.bias)
    scale, bias = style[:, :channels], style[:, channels:]
    expected = _instance_norm(x) * (scale[:, None, None] + 1) + bias[:, None, None]
    y = np.asarray(layer([x, w]))
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    # Each output channel has the style's bias as mean and |scale + 1| as standard deviation.
    np.testing.assert_allclose(y.mean(axis=(1, 2)), bias, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), np.abs(scale + 1), rtol=1e-4, atol=1e-4)
    assert layer.count_params() == dim * 2 * channels + 2 * channels


def test_style_modulation_takes_its_row_of_the_w_plus_latents():
    layer = StyleModulation(layer_index=2)
    x = _x((2, 4, 4, 3))
    w_plus = _x((2, 4, 6))
    y = np.asarray(layer([x, w_plus]))
    on_row = StyleModulation()
    on_row([x, w_plus[:, 2]])
    on_row.set_weights(layer.get_weights())
    np.testing.assert_allclose(y, np.asarray(on_row([x, w_plus[:, 2]])), rtol=1e-6)
    changed = w_plus.copy()
    changed[:, 0] += 1.0
    np.testing.assert_allclose(np.asarray(layer([x, changed])), y, rtol=1e-6)
    assert _round_trip(layer).layer_index == 2


def test_style_modulation_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"Received: layer_index=-1"):
        StyleModulation(layer_index=-1)
    with pytest.raises(ValueError, match=r"below the 4 W\+ rows. Received: layer_index=4"):
        StyleModulation(layer_index=4)([_x((1, 4, 4, 2)), _x((1, 4, 3))])
    with pytest.raises(ValueError, match=r"needs w as \[batch, dim\]"):
        StyleModulation()([_x((1, 4, 4, 2)), _x((1, 4, 3))])


# ------------------------------------------------------------ blur and fused scaling
def test_blur_is_the_normalized_121_filter_on_every_channel():
    x = _x((2, 6, 5, 3))
    f = np.outer([1, 2, 1], [1, 2, 1]) / 16.0
    kernel = np.zeros((3, 3, 3, 3))
    for c in range(3):
        kernel[:, :, c, c] = f
    blur = Blur2D()
    np.testing.assert_allclose(np.asarray(blur(x)), _conv_same(x, kernel), rtol=1e-5, atol=1e-6)
    raw = Blur2D(taps=[1, 3, 1], normalize=False)
    np.testing.assert_allclose(raw.filter, np.outer([1, 3, 1], [1, 3, 1]))
    assert _round_trip(raw).get_config()["taps"] == [1, 3, 1]
    assert Blur2D(dtype="mixed_bfloat16")(tf.ones((1, 4, 4, 2))).dtype == tf.bfloat16
    with pytest.raises(ValueError, match=r"Received: taps=\[1, 2\]"):
        Blur2D(taps=[1, 2])


def _boxed(kernel):
    """The official fused kernel: [k, k, ...] padded by one and summed over 2x2 shifts."""
    w = np.pad(kernel, ((1, 1), (1, 1), (0, 0), (0, 0)))
    return w[1:, 1:] + w[:-1, 1:] + w[1:, :-1] + w[:-1, :-1]


def test_official_fused_upscale_conv_is_upscaling_then_the_conv_with_the_kernel_flipped():
    # networks_stylegan.upscale2d_conv2d with fused_scale (outputs >= 128 px): the [k, k, in,
    # out] weight, transposed to [k, k, out, in], boxed to 4x4, as a stride-2 transposed conv.
    x = _x((2, 5, 6, 3))
    conv = EqualizedConv2D(4, 3, use_bias=False)
    conv.build((None, 10, 12, 3))
    official = np.asarray(conv.effective_kernel)
    fused = tf.nn.conv2d_transpose(x, _boxed(official).transpose(0, 1, 3, 2), (2, 10, 12, 4),
                                   strides=2, padding="SAME")
    conv.kernel.assign(np.asarray(conv.kernel)[::-1, ::-1])
    separate = conv(keras.layers.UpSampling2D(2)(x))
    np.testing.assert_allclose(np.asarray(separate), np.asarray(fused), rtol=1e-4, atol=1e-5)


def test_official_fused_conv_downscale_is_the_conv_then_average_pooling_with_the_same_kernel():
    # networks_stylegan.conv2d_downscale2d with fused_scale (inputs >= 128 px): the boxed
    # kernel times 1/4 as a stride-2 conv.
    x = _x((2, 8, 6, 3))
    conv = EqualizedConv2D(4, 3, use_bias=False)
    conv.build((None, 8, 6, 3))
    fused = tf.nn.conv2d(x, _boxed(np.asarray(conv.effective_kernel)) * 0.25, strides=2,
                         padding="SAME")
    separate = keras.layers.AveragePooling2D(2)(conv(x))
    np.testing.assert_allclose(np.asarray(separate), np.asarray(fused), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------ constant input, truncation
def test_constant_input_is_a_ones_initialized_tensor_tiled_over_the_batch():
    layer = ConstantInput(5, size=4)
    y = np.asarray(layer(_x((3, 7))))
    assert y.shape == (3, 4, 4, 5)
    np.testing.assert_array_equal(y, 1.0)
    const = _x((4, 4, 5))
    layer.const.assign(const)
    np.testing.assert_array_equal(np.asarray(layer(_x((2, 7)))), np.stack([const] * 2))
    assert layer.count_params() == 80 and _round_trip(layer).channels == 5
    with pytest.raises(ValueError, match=r"Received: channels=0"):
        ConstantInput(0)


def test_truncation_pulls_the_first_rows_towards_w_avg_at_inference_only():
    layer = TruncationTrick(psi=0.7, cutoff=2)
    w = _x((3, 4, 5))
    layer(w)
    assert not layer.trainable_weights and [v.name for v in layer.non_trainable_weights] == [
        "w_avg"]
    w_avg = _x((5,))
    layer.w_avg.assign(w_avg)
    expected = w.copy()
    expected[:, :2] = w_avg + (w[:, :2] - w_avg) * 0.7
    np.testing.assert_allclose(np.asarray(layer(w)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(layer(w, training=True)), w)
    everything = TruncationTrick(psi=0.0, cutoff=None)
    everything(w)
    everything.w_avg.assign(w_avg)
    np.testing.assert_allclose(np.asarray(everything(w)), np.broadcast_to(w_avg, w.shape))
    identity = TruncationTrick(psi=1.0)
    np.testing.assert_array_equal(np.asarray(identity(w)), w)
    assert _round_trip(layer).get_config()["cutoff"] == 2
    with pytest.raises(ValueError, match=r"Received: cutoff=-1"):
        TruncationTrick(cutoff=-1)
    with pytest.raises(ValueError, match=r"Received: psi='0.5'"):
        TruncationTrick(psi="0.5")


@pytest.mark.parametrize("layer, inputs", [
    (NoiseInjection(seed=2), [(2, 4, 4, 3)]),
    (StyleModulation(layer_index=1), [(2, 4, 4, 3), (2, 3, 6)]),
    (Blur2D(), [(2, 4, 4, 3)]),
    (ConstantInput(3), [(2, 6)]),
    (TruncationTrick(psi=0.5, cutoff=1), [(2, 3, 6)]),
], ids=lambda v: type(v).__name__ if isinstance(v, keras.layers.Layer) else "")
def test_layers_round_trip_through_a_keras_file(layer, inputs, tmp_path):
    tensors = [keras.Input(shape[1:]) for shape in inputs]
    tensors = tensors if len(tensors) > 1 else tensors[0]
    model = keras.Model(tensors, layer(tensors))
    for weight in model.weights:
        weight.assign(_x(tuple(weight.shape)))
    arrays = [_x(shape) for shape in inputs]
    arrays = arrays if len(arrays) > 1 else arrays[0]
    path = tmp_path / "layer.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(arrays)), np.asarray(model(arrays)),
                               rtol=1e-6, atol=1e-6)
