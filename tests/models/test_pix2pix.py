"""Pix2Pix: the official U-Net and PatchGAN, skips, receptive field, dropout, training, family."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data.paired import load_paired
from kerasgan.models.pix2pix import (
    PatchGANDiscriminator,
    Pix2Pix,
    PixelDiscriminator,
    UNetGenerator,
    build_pix2pix,
)
from tests.helpers import run_gan_family_test

TINY = {"image_size": 16, "base_filters": 4, "d_layers": 2}


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def test_official_unet_256_and_70x70_patchgan_parameter_counts():
    # junyanz/pytorch-CycleGAN-and-pix2pix, netG=unet_256 (ngf 64, batch norm, dropout) and
    # netD=basic (ndf 64, 6 input channels), trainable parameters (the official print_networks
    # prints 54.414 M and 2.769 M). U-Net, batch norm: no conv bias but the outermost up conv.
    # Down convs 3*64*16 + 64*128*16 + 128*256*16 + 256*512*16 + 4 * 512*512*16 = 19,532,800;
    # down BN 2*(128+256+512*4) = 4,864; up convs 512*512*16 + 3 * 1024*512*16 +
    # 1024*256*16 + 512*128*16 + 256*64*16 + (128*3*16 + 3) = 34,871,299;
    # up BN 2*(64+128+256+512*4) = 4,992 -> 54,413,955.
    # PatchGAN: (6*64*16 + 64) + 64*128*16 + 128*256*16 + 256*512*16 + (512*16 + 1)
    # + BN 2*(128+256+512) = 2,768,705.
    gan = build_pix2pix(compile=False)
    assert _trainable(gan.generator) == 54_413_955
    assert _trainable(gan.discriminator) == 2_768_705
    assert gan.discriminator.output.shape[1:] == (30, 30, 1)  # 256x256 -> 30x30 patches
    assert gan.discriminator.receptive_field() == 70
    assert gan.l1_weight == 100.0 and gan.gan_mode == "vanilla"
    dropouts = [layer.name for layer in gan.generator.layers
                if isinstance(layer, keras.layers.Dropout)]
    assert dropouts == ["up6_dropout", "up5_dropout", "up4_dropout"]  # the 3 inner 512 levels
    # unet_128: one 512 level fewer (7 downsamplings) -> 41.829 M in the official print.
    assert _trainable(UNetGenerator.preset("unet_128")) == 41_828_995


def test_patchgan_receptive_field_is_measured_from_gradients():
    # The patch each logit sees, measured: the support of d logit[center] / d input.
    for num_layers, expected in ((1, 16), (2, 34), (3, 70)):
        d = PatchGANDiscriminator(image_size=96, input_channels=1, base_filters=2,
                                  num_layers=num_layers, norm="none")
        assert d.receptive_field() == expected
        x = tf.Variable(np.random.RandomState(0).normal(size=(1, 96, 96, 1)).astype("float32"))
        with tf.GradientTape() as tape:
            logits = d(x)
            center = logits.shape[1] // 2
            value = logits[0, center, center, 0]
        grad = np.abs(tape.gradient(value, x).numpy()[0, :, :, 0])
        rows = np.nonzero(grad.sum(axis=1))[0]
        cols = np.nonzero(grad.sum(axis=0))[0]
        assert rows[-1] - rows[0] + 1 == expected, (num_layers, rows)
        assert cols[-1] - cols[0] + 1 == expected, (num_layers, cols)


def test_pixel_discriminator_judges_each_pixel_alone():
    d = PixelDiscriminator(image_size=16, input_channels=6, base_filters=4, norm="none")
    x = np.random.RandomState(1).uniform(-1, 1, (1, 16, 16, 6)).astype("float32")
    y = x.copy()
    y[0, 3, 5] += 1.0
    changed = np.abs(np.asarray(d(y)) - np.asarray(d(x)))[0, :, :, 0] > 0
    assert changed.sum() == 1 and changed[3, 5]


def test_unet_skips_carry_structure_past_a_zeroed_bottleneck():
    g = UNetGenerator(image_size=32, num_downs=5, base_filters=8, norm="none")
    innermost = g.get_layer("down4_conv")
    innermost.kernel.assign(tf.zeros_like(innermost.kernel))
    innermost.bias.assign(tf.zeros_like(innermost.bias))
    # Each decoder stage concatenates the encoder features of its own resolution.
    for i in range(1, 5):
        skip, up = g.get_layer(f"skip{i}").input
        assert skip.shape[1:3] == up.shape[1:3] == (32 // 2 ** i, 32 // 2 ** i)
    rng = np.random.RandomState(0)
    a = rng.uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    b = a.copy()
    b[:, :8, :8] = -a[:, :8, :8]  # change the top-left corner only
    out_a, out_b = np.asarray(g(a)), np.asarray(g(b))
    diff = np.abs(out_a - out_b).mean(axis=(0, 3))
    # Without skips a zero bottleneck would give one constant image for every input.
    assert diff.max() > 1e-3
    # The change stays local: it shows in the top-left quarter, not the bottom-right one.
    assert diff[:16, :16].mean() > 20 * diff[16:, 16:].mean()


def test_dropout_is_off_at_inference_unless_asked_for():
    x = np.random.RandomState(2).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    g = UNetGenerator(image_size=64, num_downs=6, base_filters=4)
    np.testing.assert_array_equal(np.asarray(g(x)), np.asarray(g(x)))
    assert not np.array_equal(np.asarray(g(x, training=True)), np.asarray(g(x, training=True)))
    noisy = UNetGenerator(image_size=64, num_downs=6, base_filters=4, dropout_at_inference=True)
    assert not np.array_equal(np.asarray(noisy(x)), np.asarray(noisy(x)))
    restored = UNetGenerator.from_config(noisy.get_config())
    assert restored.dropout_at_inference


def test_batch_statistics_at_inference_follow_the_paper_without_touching_the_averages():
    rng = np.random.RandomState(4)
    x = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    other = rng.uniform(-1, 1, (3, 16, 16, 3)).astype("float32")
    paper = UNetGenerator(image_size=16, num_downs=4, base_filters=4,
                          batch_statistics_at_inference=True)
    usual = UNetGenerator.from_config({**paper.get_config(),
                                       "batch_statistics_at_inference": False})
    usual.set_weights(paper.get_weights())
    averages = [w.numpy().copy() for w in paper.non_trainable_weights]
    alone = np.asarray(paper(x[:1]))
    in_batch = np.asarray(paper(np.concatenate([x[:1], other])))[:1]
    # The test batch's statistics: an image's output depends on its batch-mates...
    assert np.abs(alone - in_batch).max() > 1e-4
    # ... as in training mode (no dropout in this small U-Net) ...
    np.testing.assert_allclose(np.asarray(paper(x)), np.asarray(usual(x, training=True)),
                               atol=1e-5)
    # ... and the moving averages are left as they were; the usual model ignores batch-mates.
    for before, after in zip(averages, paper.non_trainable_weights):
        np.testing.assert_array_equal(before, after.numpy())
    np.testing.assert_allclose(np.asarray(usual(x[:1])),
                               np.asarray(usual(np.concatenate([x[:1], other])))[:1], atol=1e-5)


def test_paper_inference_mode_exports_with_parity(tmp_path):
    from kerasgan.export import export

    paper = UNetGenerator(image_size=16, num_downs=4, base_filters=4,
                          batch_statistics_at_inference=True)
    result = export(paper, str(tmp_path), format="onnx", name="paper")
    assert result.input_names == ["image"] and result.max_abs_diff <= 1e-4


def test_training_lowers_the_l1_and_beats_the_identity_mapping_on_held_out_pairs():
    # The shapes' colours are random, so an edge map fixes the outline, not the colours: the
    # L1 has a high floor. Training must lower the L1 on the training pairs and keep the
    # held-out L1 far below the identity mapping's (edges as the image).
    keras.utils.set_random_seed(0)
    gan = build_pix2pix(image_size=16, base_filters=8, d_layers=2)
    train = load_paired("shapes", image_size=16, batch_size=8, num_examples=256)
    inputs, targets = next(iter(load_paired("shapes", image_size=16, batch_size=64, seed=99,
                                            num_examples=64, shuffle=False)))
    inputs, targets = inputs.numpy(), targets.numpy()
    identity = float(np.mean(np.abs(inputs - targets)))
    history = gan.fit(train, epochs=8, verbose=0).history["l1_loss"]
    held_out = float(np.mean(np.abs(gan.translate(inputs) - targets)))
    assert history[-1] < 0.85 * history[0], history
    assert held_out < 0.7 * identity, (identity, held_out)


def test_instance_norm_variant_has_no_batch_norm_and_biased_convolutions():
    gan = build_pix2pix(norm="instance", **TINY)
    for network in (gan.generator, gan.discriminator):
        layers = network.layers
        assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in layers)
        norms = [layer for layer in layers if isinstance(layer, keras.layers.GroupNormalization)]
        assert norms and all(not layer.weights for layer in norms)  # affine-free
        convs = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
        assert all(layer.use_bias for layer in convs)
    batch = build_pix2pix(**TINY)
    assert not batch.generator.get_layer("down1_conv").use_bias  # followed by batch norm


def test_batch_size_one_trains_as_the_paper_does():
    gan = build_pix2pix(**TINY)
    x = np.random.RandomState(3).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    history = gan.fit(x, x[::-1], batch_size=1, epochs=1, verbose=0).history
    assert int(gan.step_counter.numpy()) == 2
    assert all(np.isfinite(v[0]) for v in history.values())
    assert np.isfinite(gan.translate(x)).all()


def test_bad_inputs_are_refused():
    gan = build_pix2pix(**TINY)
    with pytest.raises(ValueError, match="6 input channels"):
        Pix2Pix(gan.generator, PatchGANDiscriminator(image_size=16, input_channels=3,
                                                     base_filters=4, num_layers=2))
    with pytest.raises(ValueError, match=r"shape \(batch, 16, 16, 3\).*\(2, 8, 8, 3\)"):
        gan.translate(np.zeros((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match="translates images"):
        gan.generate(4)
    with pytest.raises(ValueError, match="pairs"):
        gan.fit(np.zeros((4, 16, 16, 3), "float32"), batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="multiple of 2\\^num_downs = 32"):
        UNetGenerator(image_size=48, num_downs=5)
    with pytest.raises(ValueError, match="at least"):
        PatchGANDiscriminator(image_size=16, num_layers=3)
    with pytest.raises(ValueError, match="norm"):
        build_pix2pix(norm="group", **TINY)
    with pytest.raises(ValueError, match="trains with the 'non_saturating' loss"):
        gan.compile(loss="hinge")


def pix2pix_builder():
    def build():
        return build_pix2pix(compile=False, synchronized_batch_norm=True, **TINY), {}

    return build


@pytest.mark.heavy
def test_pix2pix_passes_family_checks(tmp_path):
    inputs, targets = next(iter(load_paired("shapes", image_size=16, batch_size=8,
                                            num_examples=8, shuffle=False)))
    run_gan_family_test(pix2pix_builder(), (inputs.numpy(), targets.numpy()), tmp_path,
                        export_formats=("savedmodel", "onnx"))
