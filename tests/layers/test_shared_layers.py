"""Layers that moved to kerasgan.layers, the shared norms module and the SN helpers."""

import pathlib
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from kerasgan.layers import (
    HeldAtZero,
    LatentChunks,
    PasteCenter,
    SpectralNormalization,
    TestTimeBatchNormalization,
    TestTimeDropout,
    norms,
    sn_conv,
    sn_dense,
)

# Where each layer was defined before it moved (saved `.keras` files name these modules).
FORMER_MODULES = {
    TestTimeDropout: "kerasgan.models.pix2pix.unet_generator",
    TestTimeBatchNormalization: "kerasgan.models.pix2pix._norm",
    LatentChunks: "kerasgan.models.biggan._blocks",
    PasteCenter: "kerasgan.models.context_encoder.context_encoder_gan",
}
CONFIGS = {
    TestTimeDropout: {"rate": 0.5},
    TestTimeBatchNormalization: {},
    LatentChunks: {"num_chunks": 2},
    PasteCenter: {"image_size": 8, "hole_offset": 2, "hole_size": 4, "overlap": 1},
}


@pytest.mark.parametrize("cls", list(FORMER_MODULES), ids=lambda cls: cls.__name__)
def test_moved_layers_keep_their_registered_names_and_load_from_old_configs(cls):
    assert cls.__module__.startswith("kerasgan.layers.")
    assert keras.saving.get_registered_name(cls) == f"kerasgan>{cls.__name__}"
    layer = cls(**CONFIGS[cls], name="moved")
    stored = keras.saving.serialize_keras_object(layer)
    stored["module"] = FORMER_MODULES[cls]  # as a file written before the move records it
    restored = keras.saving.deserialize_keras_object(stored)
    assert type(restored) is cls
    assert restored.get_config() == layer.get_config()


def test_former_public_paths_are_the_same_objects():
    assert kerasgan.models.pix2pix.TestTimeDropout is TestTimeDropout
    assert kerasgan.models.biggan.LatentChunks is LatentChunks


def test_test_time_dropout_drops_at_inference_where_dropout_does_not():
    x = np.ones((4, 256), "float32")
    out = np.asarray(TestTimeDropout(0.5, seed=1)(x, training=False))
    assert set(np.unique(out)) == {0.0, 2.0}
    assert 0.3 < np.mean(out == 0.0) < 0.7
    np.testing.assert_array_equal(keras.layers.Dropout(0.5)(x, training=False), x)


def test_test_time_batch_norm_uses_batch_statistics_and_leaves_the_averages():
    rng = np.random.RandomState(0)
    x = rng.normal(3.0, 2.0, (8, 4, 4, 3)).astype("float32")
    layer = TestTimeBatchNormalization(epsilon=1e-5, beta_initializer="ones")
    layer.build(x.shape)
    out = np.asarray(layer(x, training=False))
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5) + 1.0, atol=1e-4)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(3))
    # Training is plain batch norm (which also updates the averages).
    plain = keras.layers.BatchNormalization(epsilon=1e-5, beta_initializer="ones")
    np.testing.assert_allclose(layer(x, training=True), plain(x, training=True), atol=1e-5)
    assert not np.allclose(layer.moving_mean.numpy(), 0.0)


def test_latent_chunks_split_z_in_order():
    z = np.arange(12, dtype="float32").reshape(2, 6)
    chunks = [np.asarray(c) for c in LatentChunks(3)(z)]
    assert [c.shape for c in chunks] == [(2, 2)] * 3
    np.testing.assert_array_equal(np.concatenate(chunks, axis=-1), z)
    with pytest.raises(ValueError, match="does not split into 4"):
        LatentChunks(4)(z)
    with pytest.raises(ValueError, match="Received: num_chunks=0"):
        LatentChunks(0)


def test_paste_center_pastes_the_interior_and_keeps_everything_else():
    rng = np.random.RandomState(2)
    images = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    centers = rng.uniform(-1, 1, (2, 8, 8, 3)).astype("float32")
    out = np.asarray(PasteCenter(16, 4, 8, 2)([images, centers]))
    np.testing.assert_array_equal(out[:, 6:10, 6:10], centers[:, 2:6, 2:6])
    kept = np.ones((16, 16), bool)
    kept[6:10, 6:10] = False
    np.testing.assert_array_equal(out[:, kept], images[:, kept])
    with pytest.raises(ValueError, match="overlap=4"):
        PasteCenter(16, 4, 8, 4)


def test_held_at_zero_undoes_every_update_of_the_bias():
    layer = keras.layers.Dense(3, **norms.held_zero_bias())
    x = np.ones((4, 2), "float32")
    layer.build(x.shape)
    kernel_before = layer.kernel.numpy().copy()
    optimizer = keras.optimizers.Adam(0.1)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = keras.ops.sum(layer(x))  # the bias gradient is 4 per unit, never 0
        optimizer.apply(tape.gradient(loss, layer.trainable_weights), layer.trainable_weights)
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(3))
    assert not np.allclose(layer.kernel.numpy(), kernel_before)
    assert isinstance(layer.bias.constraint, HeldAtZero)
    assert layer.count_params() == 2 * 3 + 3  # the bias exists and counts


def test_norms_match_the_pytorch_references():
    bn = norms.batch_norm("bn", gamma_stddev=0.02)
    assert type(bn) is keras.layers.BatchNormalization
    assert (bn.momentum, bn.epsilon, bn.synchronized) == (0.9, 1e-5, False)
    bn.build((None, 4, 4, 4096))
    gamma = bn.gamma.numpy()
    assert gamma.mean() == pytest.approx(1.0, abs=0.003)
    assert gamma.std() == pytest.approx(0.02, rel=0.1)
    np.testing.assert_array_equal(bn.beta.numpy(), 0.0)
    assert type(norms.batch_norm("bn", synchronized=True,
                                 batch_statistics_at_inference=True)) is (
        TestTimeBatchNormalization)
    kernel = norms.kernel_initializer()((64, 64))
    assert float(np.std(kernel)) == pytest.approx(0.02, rel=0.05)
    assert float(np.std(norms.kernel_initializer(0.5)((64, 64)))) == pytest.approx(0.5, rel=0.05)


def test_instance_norm_is_affine_free_and_normalizes_each_example_and_channel():
    x = np.random.RandomState(3).normal(5.0, 3.0, (2, 8, 8, 3)).astype("float32")
    x[1] *= 10.0
    layer = norms.norm_layer("instance", "in")
    out = np.asarray(layer(x))
    assert layer.weights == []
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), 1.0, atol=1e-3)
    assert norms.norm_layer("none", "none") is None
    assert norms.apply_norm(x, "none", "none") is x
    assert [norms.conv_bias(n) for n in norms.NORMS] == [False, True, True]
    with pytest.raises(ValueError, match="Received: norm='group'"):
        norms.check_norm("group")


def test_sn_conv_and_sn_dense_take_the_initializer_and_the_regularizer():
    regularizer = kerasgan.layers.OffDiagonalOrthogonal(1e-4)
    conv = sn_conv(8, 3, "conv", kernel_initializer="orthogonal", kernel_regularizer=regularizer)
    assert isinstance(conv, SpectralNormalization) and conv.name == "conv_sn"
    assert isinstance(conv.layer, keras.layers.Conv2D) and conv.layer.name == "conv"
    assert conv.layer.use_bias and conv.layer.padding == "same"
    assert tuple(conv(np.ones((1, 4, 4, 2), "float32")).shape) == (1, 4, 4, 8)
    w = conv.layer.kernel.numpy().reshape(-1, 8)
    np.testing.assert_allclose(w.T @ w, np.eye(8), atol=1e-5)  # orthogonal filters
    assert float(regularizer(conv.layer.kernel)) == pytest.approx(0.0, abs=1e-9)
    assert len(conv.layer.losses) == 1
    dense = sn_dense(5, "linear")
    assert dense.name == "linear_sn" and isinstance(dense.layer, keras.layers.Dense)
    assert isinstance(dense.layer.kernel_initializer, keras.initializers.GlorotUniform)
    assert dense.layer.kernel_regularizer is None and dense.layer.use_bias


def test_no_family_imports_another_familys_private_module():
    models_dir = pathlib.Path(kerasgan.models.__file__).parent
    pattern = re.compile(r"from kerasgan\.models\.(\w+)\.(_\w+) import|"
                         r"import kerasgan\.models\.(\w+)\.(_\w+)")
    offenders = []
    for path in models_dir.glob("*/*.py"):
        family = path.parent.name
        for match in pattern.finditer(path.read_text()):
            imported = match.group(1) or match.group(3)
            if imported != family:
                offenders.append(f"{path.relative_to(models_dir)} imports {match.group(0)}")
    assert offenders == []


def test_each_layer_file_defines_one_public_layer():
    layers_dir = pathlib.Path(kerasgan.layers.__file__).parent
    for path in layers_dir.glob("*.py"):
        if path.name in ("__init__.py", "norms.py"):
            continue
        classes = re.findall(r"^class (\w+)", path.read_text(), flags=re.MULTILINE)
        assert len([c for c in classes if not c.startswith("_")]) == 1, (path.name, classes)
