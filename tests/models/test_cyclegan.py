"""CycleGAN: the official ResNet generator and PatchGAN, reflection padding, image pool,
cycle and identity losses, the learning-rate decay, and the family checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data.unpaired import load_unpaired
from kerasgan.layers import ReflectionPadding2D
from kerasgan.models.cyclegan import CycleGAN, ImagePool, ResNetGenerator, build_cyclegan
from kerasgan.models.pix2pix import PatchGANDiscriminator
from kerasgan.models.translation import LinearDecay
from tests.helpers import run_gan_family_test

TINY = {"image_size": 16, "base_filters": 4, "num_blocks": 1, "d_layers": 2}


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def test_official_resnet_9blocks_and_patchgan_parameter_counts():
    # junyanz/pytorch-CycleGAN-and-pix2pix, netG=resnet_9blocks, netD=basic, norm=instance
    # (affine-free, so convolutions carry biases); the official print: 11.378 M and 2.765 M.
    # G: (3*64*49 + 64) + (64*128*9 + 128) + (128*256*9 + 256) + 9 * 2 * (256*256*9 + 256)
    #    + (256*128*9 + 128) + (128*64*9 + 64) + (64*3*49 + 3) = 11,378,179.
    # D: (3*64*16 + 64) + (64*128*16 + 128) + (128*256*16 + 256) + (256*512*16 + 512)
    #    + (512*16 + 1) = 2,764,737.
    gan = build_cyclegan(compile=False)
    for generator in (gan.generator, gan.generator_ba):
        assert _trainable(generator) == 11_378_179
        assert generator.output.shape[1:] == (256, 256, 3)
    for discriminator in (gan.discriminator, gan.discriminator_a):
        assert _trainable(discriminator) == 2_764_737
        assert discriminator.output.shape[1:] == (30, 30, 1)
    # No affine parameters in the instance norms.
    norms = [layer for layer in gan.generator.layers
             if isinstance(layer, keras.layers.GroupNormalization)]
    assert len(norms) == 3 + 18 + 2 and all(not layer.weights for layer in norms)
    assert (gan.cycle_weight, gan.identity_weight, gan.pool_size) == (10.0, 0.5, 50)
    assert gan.gan_mode == "lsgan"
    # resnet_6blocks (the 128x128 configuration): 7.838 M in the official print.
    assert _trainable(ResNetGenerator.preset("resnet_6blocks", image_size=128)) == 7_837_699


def test_reflection_padding_matches_numpy_reflect():
    x = np.random.RandomState(0).normal(size=(2, 5, 6, 3)).astype("float32")
    out = np.asarray(ReflectionPadding2D(((1, 2), (3, 0)))(x))
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (1, 2), (3, 0), (0, 0)),
                                              mode="reflect"))
    with pytest.raises(ValueError, match="needs a height above it"):
        ReflectionPadding2D(3)(np.zeros((1, 3, 8, 1), "float32"))


def test_resnet_strided_layers_keep_pytorch_pixel_alignment():
    # Conv(3, stride 2, padding 1) sees input rows 2i-1..2i+1 and the transposed conv with
    # output_padding 1 writes rows 2i-1..2i+1: a single bright input pixel at (4, 4) must land
    # on down-sampled pixel (2, 2) (rows 3..5 cover it) and a single down-sampled pixel (2, 2)
    # on up-sampled rows 3..5.
    g = ResNetGenerator(image_size=16, num_blocks=0, base_filters=1, norm="none")
    down = g.get_layer("down0_conv")
    down.kernel.assign(tf.ones_like(down.kernel))
    probe = keras.Model(g.get_layer("down0_pad").input, down.output)
    x = np.zeros((1, 16, 16, 1), "float32")
    x[0, 4, 4] = 1.0
    hit = np.argwhere(np.asarray(probe(x))[0, :, :, 0] != 0)
    assert hit.min(axis=0).tolist() == [2, 2] and hit.max(axis=0).tolist() == [2, 2]
    up = g.get_layer("up0_conv")
    up.kernel.assign(tf.ones_like(up.kernel))
    probe = keras.Model(up.input, g.get_layer("up0_crop").output)
    y = np.zeros((1, 4, 4, 4), "float32")
    y[0, 2, 2] = 1.0
    rows = np.nonzero(np.asarray(probe(y))[0, :, :, 0].sum(axis=1))[0]
    assert rows.tolist() == [3, 4, 5]


def test_image_pool_stores_until_full_then_returns_past_images_half_the_time():
    pool = ImagePool(50, (1, 1, 1))
    first = np.arange(50, dtype="float32").reshape(50, 1, 1, 1)
    np.testing.assert_array_equal(pool.query(first, [0, 0]).numpy(), first)  # filling
    assert int(pool.count.numpy()) == 50
    returned_past, total, next_value = 0, 0, 50
    for step in range(80):
        new = np.arange(next_value, next_value + 5, dtype="float32").reshape(5, 1, 1, 1)
        out = pool.query(new, [3, step]).numpy().ravel()
        past = out != new.ravel()
        returned_past += past.sum()
        total += out.size
        # A returned past image is one stored before it, never one that came later.
        assert np.all(out[past] < new.ravel()[past])
        next_value += 5
    assert 0.42 < returned_past / total < 0.58, returned_past / total
    np.testing.assert_array_equal(ImagePool(0, (1, 1, 1)).query(first, [0, 0]).numpy(), first)
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool(-1, (1, 1, 1))


def _identity_generator(name, size=8):
    image = keras.Input((size, size, 3), name="image")
    eye = keras.initializers.Constant(np.eye(3).reshape(1, 1, 3, 3))
    conv = keras.layers.Conv2D(3, 1, kernel_initializer=eye, bias_initializer="zeros",
                               dtype="float32", name="eye")
    return keras.Model(image, conv(image), name=name)


def test_identity_generators_have_zero_cycle_and_identity_loss():
    d = lambda name: PatchGANDiscriminator(image_size=8, input_channels=3, base_filters=2,
                                           num_layers=1, norm="none", name=name)
    gan = CycleGAN(_identity_generator("g_ab"), _identity_generator("g_ba"), d("d_b"), d("d_a"))
    gan.compile(run_eagerly=True)  # one step each: eagerly, no tracing
    x = np.random.RandomState(0).uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
    y = np.random.RandomState(1).uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(gan.cycle(x), x, atol=1e-6)
    history = gan.fit(x, y, batch_size=4, epochs=1, verbose=0).history
    assert history["cycle_loss"][0] == pytest.approx(0.0, abs=1e-6)
    assert history["identity_loss"][0] == pytest.approx(0.0, abs=1e-6)
    # A generator pair that is not each other's inverse has a positive cycle loss.
    gan2 = build_cyclegan(image_size=8, base_filters=2, num_blocks=0, d_layers=1)
    gan2.run_eagerly = True
    assert gan2.fit(x, y, batch_size=4, verbose=0).history["cycle_loss"][0] > 0.05


def test_linear_decay_to_zero_over_the_second_half():
    schedule = LinearDecay(2e-4, constant_steps=100, decay_steps=100)
    rates = [float(schedule(s)) for s in (0, 99, 100, 125, 150, 200, 250)]
    np.testing.assert_allclose(rates, [2e-4, 2e-4, 2e-4, 1.5e-4, 1e-4, 0.0, 0.0], atol=1e-9)
    gan = build_cyclegan(constant_steps=10, decay_steps=10, **TINY)
    assert isinstance(gan.g_optimizer.learning_rate, (float, np.floating)) is False
    restored = keras.optimizers.Adam.from_config(gan.g_optimizer.get_config())
    assert isinstance(restored._learning_rate, LinearDecay)
    assert restored._learning_rate.decay_steps == 10
    with pytest.raises(ValueError, match="decay_steps >= 1"):
        LinearDecay(2e-4, 10, 0)


def test_translation_directions_and_bad_inputs():
    gan = build_cyclegan(**TINY)
    x = np.random.RandomState(0).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    a_to_b, b_to_a = gan.translate(x), gan.translate(x, direction="b_to_a")
    assert a_to_b.shape == b_to_a.shape == (2, 16, 16, 3)
    assert not np.allclose(a_to_b, b_to_a)
    np.testing.assert_allclose(a_to_b, gan.generator(x).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="direction"):
        gan.translate(x, direction="sideways")
    with pytest.raises(ValueError, match="domain A, domain B"):
        gan.fit(x, batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="generator_ba"):
        CycleGAN(gan.generator, ResNetGenerator(image_size=8, num_blocks=0, base_filters=2),
                 gan.discriminator, gan.discriminator_a)


def cyclegan_builder():
    def build():
        return build_cyclegan(compile=False, pool_size=4, **TINY), {}

    return build


@pytest.mark.heavy
def test_cyclegan_passes_family_checks(tmp_path):
    a, b = next(iter(load_unpaired("shapes", image_size=16, batch_size=8, num_examples=8,
                                   shuffle=False)))
    # Parity to 5e-5: Adam's first step divides each gradient by its own magnitude, so
    # float32 summation-order differences in near-zero gradients (two replicas' instance-norm
    # backward passes) show up at the 1e-5 level in a few biases.
    # Export of both directions (ONNX files, SavedModel signatures, parity):
    # tests/test_cli.py::test_cyclegan_recipe_exports_both_directions_and_samples_one.
    run_gan_family_test(cyclegan_builder(), (a.numpy(), b.numpy()), tmp_path,
                        parity_atol=5e-5)
