"""GlobalBatchDropout: the mask of an example does not depend on how the global batch is split."""

import keras
import numpy as np
import tensorflow as tf

from kerasgan.layers import GlobalBatchDropout, TestTimeDropout
from kerasgan.layers.global_batch_dropout import step_draws
from kerasgan.models.pix2pix import build_pix2pix
from tests.helpers import check_replica_parity

SEED = tf.constant([3, 17], tf.int64)


def _masked(layer, x, replica_id, num_replicas):
    with step_draws(SEED, replica_id, num_replicas):
        return np.asarray(layer(x, training=True))


def test_each_replica_gets_its_rows_of_the_global_mask():
    layer = GlobalBatchDropout(0.5)
    x = np.random.default_rng(0).normal(size=(8, 4, 4, 3)).astype("float32") + 3.0
    whole = _masked(layer, x, 0, 1)
    for num_replicas in (2, 4):
        local = 8 // num_replicas
        shares = [_masked(layer, x[r * local:(r + 1) * local], r, num_replicas)
                  for r in range(num_replicas)]
        np.testing.assert_array_equal(np.concatenate(shares), whole)
    kept = whole != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(whole[kept], 2.0 * x[kept], rtol=1e-6)
    # The examples do not share one mask.
    assert not np.array_equal(kept[0], kept[1])


def test_calls_in_one_step_draw_different_masks_and_repeat_across_traces():
    layer = GlobalBatchDropout(0.5)
    x = np.ones((4, 64), "float32")
    with step_draws(SEED, 0, 1):
        first, second = np.asarray(layer(x, training=True)), np.asarray(layer(x, training=True))
    assert not np.array_equal(first, second)
    with step_draws(SEED, 0, 1):  # the same step traced again: the same masks, in order
        np.testing.assert_array_equal(np.asarray(layer(x, training=True)), first)
    with step_draws(tf.constant([3, 18], tf.int64), 0, 1):  # another step: another mask
        assert not np.array_equal(np.asarray(layer(x, training=True)), first)


def test_inference_and_calls_outside_a_step_are_plain_dropout():
    layer = GlobalBatchDropout(0.5, seed=1)
    x = np.ones((2, 1000), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    with step_draws(SEED, 0, 1):
        np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    assert sorted(set(out.ravel().tolist())) == [0.0, 2.0]
    # TestTimeDropout drops at inference too, and in a step with the global mask.
    test_time = TestTimeDropout(0.5)
    assert sorted(set(np.asarray(test_time(x, training=False)).ravel().tolist())) == [0.0, 2.0]
    with step_draws(SEED, 1, 2):
        share = np.asarray(test_time(x[:1], training=False))
    np.testing.assert_array_equal(share, _masked(GlobalBatchDropout(0.5), x, 0, 1)[1:])


def test_noise_shape_is_honoured():
    layer = GlobalBatchDropout(0.5, noise_shape=(None, 1, 1, 8))
    x = np.ones((4, 3, 3, 8), "float32")
    out = _masked(layer, x, 0, 1)
    # One decision per (example, channel), shared over the pixels.
    assert np.all(out == out[:, :1, :1, :])
    np.testing.assert_array_equal(_masked(layer, x[2:], 1, 2), out[2:])
    shared = GlobalBatchDropout(0.5, noise_shape=(1, 1, 1, 8))
    out = _masked(shared, x, 0, 1)
    assert np.all(out == out[:1, :1, :1, :])


def test_config_round_trip_and_no_weights():
    layer = GlobalBatchDropout(0.3, noise_shape=(None, 1, 1, 2), name="drop")
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(again, GlobalBatchDropout)
    assert (again.rate, again.noise_shape, again.name) == (0.3, (None, 1, 1, 2), "drop")
    assert layer.weights == []


def test_pix2pix_with_dropout_gives_the_same_weights_on_one_and_two_replicas():
    # 64 px with num_downs=6 is the smallest U-Net with a dropout level (level 4).
    from kerasgan.data.paired import load_paired

    inputs, targets = next(iter(load_paired("shapes", image_size=64, batch_size=4,
                                            num_examples=4, shuffle=False)))

    def build():
        return build_pix2pix(image_size=64, base_filters=4, d_layers=2, compile=False,
                             synchronized_batch_norm=True), {}

    generator = build()[0].generator
    assert any(isinstance(layer, GlobalBatchDropout) for layer in generator.layers)
    check_replica_parity(build, (inputs.numpy(), targets.numpy()), 4, eager=True)
