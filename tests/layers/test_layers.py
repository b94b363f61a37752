"""The conditional-family layers: self-attention, conditional BN, orthogonal regularization,
the projection head."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import (
    ConditionalBatchNormalization,
    OffDiagonalOrthogonal,
    ProjectionHead,
    SelfAttention,
)

RNG = np.random.default_rng(0)


def _x(shape):
    return RNG.standard_normal(shape).astype(np.float32)


# ----------------------------------------------------------------- attention
@pytest.mark.parametrize("pool", [True, False])
def test_self_attention_starts_as_the_identity_and_rows_sum_to_one(pool):
    layer = SelfAttention(pool_keys=pool, value_divisor=2 if pool else 1)
    x = _x((2, 8, 8, 16))
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # gamma = 0
    weights = np.asarray(layer.attention(x))
    assert weights.shape == (2, 64, 16 if pool else 64)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
    assert (weights >= 0).all()
    layer.gamma.assign(0.5)
    assert np.abs(np.asarray(layer(x)) - x).max() > 1e-3


def test_self_attention_parameter_count_follows_the_official_projections():
    layer = SelfAttention(spectral_norm=False)
    layer.build((None, 8, 8, 64))
    # theta, phi: 64 -> 8; g: 64 -> 32; o: 32 -> 64; gamma.
    assert layer.count_params() == 64 * 8 * 2 + 64 * 32 + 32 * 64 + 1


def test_self_attention_rejects_odd_sizes_when_pooling():
    with pytest.raises(ValueError, match=r"even height and width. Received: input_shape"):
        SelfAttention()(_x((1, 5, 6, 16)))


def test_self_attention_round_trips_in_a_keras_file(tmp_path):
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, SelfAttention(name="attn")(inputs))
    model.get_layer("attn").gamma.assign(0.3)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = _x((2, 8, 8, 16))
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


# ------------------------------------------------------- conditional batch norm
def test_conditional_bn_with_class_k_equals_batch_norm_with_that_class_affine():
    cbn = ConditionalBatchNormalization(num_classes=3, epsilon=1e-3)
    x = _x((6, 4, 4, 5))
    labels = np.full((6,), 2, np.int32)
    cbn([x, labels], training=True)  # build
    gamma = _x((3, 5)) + 1.0
    beta = _x((3, 5))
    cbn.gamma_table.assign(gamma)
    cbn.beta_table.assign(beta)
    reference = keras.layers.BatchNormalization(epsilon=1e-3)
    reference.build(x.shape)
    reference.gamma.assign(gamma[2])
    reference.beta.assign(beta[2])
    np.testing.assert_allclose(np.asarray(cbn([x, labels], training=True)),
                               np.asarray(reference(x, training=True)), atol=1e-5)


def test_conditional_bn_mixes_classes_per_example():
    cbn = ConditionalBatchNormalization(num_classes=2)
    x = _x((4, 3, 3, 2))
    out_same = np.asarray(cbn([x, np.array([0, 0, 0, 0])], training=True))
    cbn.beta_table.assign(np.array([[0.0, 0.0], [5.0, 5.0]], np.float32))
    out_mixed = np.asarray(cbn([x, np.array([0, 1, 0, 1])], training=True))
    np.testing.assert_allclose(out_mixed[[0, 2]], out_same[[0, 2]], atol=1e-6)
    np.testing.assert_allclose(out_mixed[[1, 3]], out_same[[1, 3]] + 5.0, atol=1e-5)


def test_conditional_bn_linear_form_is_plain_batch_norm_for_a_zero_condition():
    cbn = ConditionalBatchNormalization(num_classes=None, spectral_norm=True)
    x = _x((4, 3, 3, 6))
    out = np.asarray(cbn([x, np.zeros((4, 10), np.float32)], training=True))
    reference = keras.layers.BatchNormalization(epsilon=1e-5)
    np.testing.assert_allclose(out, np.asarray(reference(x, training=True)), atol=1e-5)
    assert np.abs(np.asarray(cbn([x, _x((4, 10))], training=True)) - out).max() > 1e-2
    restored = ConditionalBatchNormalization.from_config(cbn.get_config())
    assert restored.get_config() == cbn.get_config()


def test_conditional_bn_rejects_a_bad_class_count():
    with pytest.raises(ValueError, match="Received: num_classes=0"):
        ConditionalBatchNormalization(num_classes=0)


# --------------------------------------------------- orthogonal regularization
def test_orthogonal_regularization_is_zero_only_for_orthogonal_filters():
    reg = OffDiagonalOrthogonal(1e-4)
    q, _ = np.linalg.qr(_x((16, 16)))
    assert float(reg(tf.constant(q[:, :8] * 3.0))) == pytest.approx(0.0, abs=1e-9)
    w = _x((3, 3, 4, 8))
    w2 = w.reshape(-1, 8)
    gram = w2.T @ w2
    expected = 1e-4 * np.sum((gram * (1 - np.eye(8))) ** 2)
    assert float(reg(tf.constant(w))) == pytest.approx(expected, rel=1e-5)
    assert expected > 0


def test_orthogonal_regularization_gradient_matches_finite_differences():
    # Its own draw (the module's RNG state depends on which tests ran first in the worker);
    # the regularizer computes in float32, so the step is large enough for float32 rounding
    # to stay far below the tolerance (the central difference of this quartic is exact to
    # O(h**2)).
    reg = OffDiagonalOrthogonal(1e-2)
    w = tf.Variable(np.random.default_rng(11).standard_normal((5, 4)))
    with tf.GradientTape() as tape:
        value = reg(w)
    grad = tape.gradient(value, w).numpy()
    base = w.numpy()
    numeric = np.zeros_like(base)
    h = 1e-2
    for i in range(base.shape[0]):
        for j in range(base.shape[1]):
            plus, minus = base.copy(), base.copy()
            plus[i, j] += h
            minus[i, j] -= h
            numeric[i, j] = (float(reg(tf.constant(plus))) - float(reg(tf.constant(minus)))) / (
                2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-5)


# -------------------------------------------------------------- projection head
def test_projection_head_equals_its_formula_and_depends_on_the_label():
    head = ProjectionHead(num_classes=4, spectral_norm=False)
    features = _x((3, 6))
    labels = np.array([0, 1, 3])
    out = np.asarray(head([features, labels]))
    kernel, bias = (np.asarray(w) for w in head.linear.weights)
    table = np.asarray(head.embedding.kernel)
    expected = features @ kernel + bias + np.sum(table[labels] * features, axis=1,
                                                 keepdims=True)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    other = np.asarray(head([features, np.array([2, 2, 2])]))
    assert np.abs(other - out).max() > 1e-3
    assert out.dtype == np.float32


def test_projection_head_with_spectral_norm_round_trips(tmp_path):
    features = keras.Input((6,))
    labels = keras.Input((), dtype="int32")
    model = keras.Model([features, labels], ProjectionHead(5, name="head")([features, labels]))
    path = tmp_path / "p.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    f, y = _x((2, 6)), np.array([1, 4], np.int32)
    np.testing.assert_allclose(np.asarray(loaded([f, y])), np.asarray(model([f, y])), atol=1e-6)


def test_global_sum_pooling_sums_positions():
    from kerasgan.layers import GlobalSumPooling2D

    x = _x((2, 3, 4, 5))
    np.testing.assert_allclose(np.asarray(GlobalSumPooling2D()(x)), x.sum(axis=(1, 2)),
                               rtol=1e-5)
