"""Context Encoder: the official center-region networks, the losses, pasting and family checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data.inpainting import FILL_VALUE, load_inpainting
from kerasgan.layers import ChannelWiseDense, HeldAtZero
from kerasgan.models.context_encoder import (
    ContextEncoder,
    ContextEncoderDiscriminator,
    ContextEncoderGenerator,
    build_context_encoder,
)
from kerasgan.models.context_encoder.context_encoder_recipes import CONTEXT_ENCODER_COMPILE
from tests.helpers import run_gan_family_test

TINY = {"image_size": 32, "base_filters": 4, "bottleneck_dim": 16, "overlap": 2}


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def test_official_center_configuration_parameter_counts():
    # pathak22/context-encoder train.lua, center region (fineSize=128, nBottleneck=4000,
    # nef=ngf=ndf=64, nc=3, conditionAdv=0, noiseGen=0), counted as its getParameters() does:
    # every SpatialConvolution / SpatialFullConvolution has its bias (zeroed by weights_init
    # and before each pass, but present); every SpatialBatchNormalization its weight and bias.
    # netG encoder, Conv(4, 2, 1): 3->64, 64->64, 64->128, 128->256, 256->512
    #   3*64*16 + 64 = 3,136               64*64*16 + 64 = 65,600 + BN 128
    #   64*128*16 + 128 = 131,200 + BN 256  128*256*16 + 256 = 524,544 + BN 512
    #   256*512*16 + 512 = 2,097,664 + BN 1,024
    # bottleneck Conv(512->4000, 4): 512*4000*16 + 4000 = 32,772,000; BN(4000) 8,000
    # netG decoder, FullConv: 4000->512 (4): 32,768,000 + 512 = 32,768,512 + BN 1,024
    #   512->256: 2,097,152 + 256 + BN 512   256->128: 524,288 + 128 + BN 256
    #   128->64: 131,072 + 64 + BN 128       64->3: 3,072 + 3
    #   -> 71,124,544 weights and BN parameters + 5,987 biases = 71,130,531
    # netD on the 64x64 center, Conv(4, 2, 1): 3->64 (no BN), 64->128, 128->256, 256->512
    #   3*64*16 + 64 = 3,136   64*128*16 + 128 = 131,200 + BN 256
    #   128*256*16 + 256 = 524,544 + BN 512   256*512*16 + 512 = 2,097,664 + BN 1,024
    #   Conv(512->1, 4): 512*16 + 1 = 8,193
    #   -> 2,765,568 weights and BN parameters + 961 biases = 2,766,529
    gan = build_context_encoder(compile=False)
    assert _trainable(gan.generator) == 71_130_531
    assert _bias_count(gan.generator) == 5_987
    discriminator = ContextEncoderDiscriminator()
    assert discriminator.input.shape[1:] == (64, 64, 3)
    assert _trainable(discriminator) == 2_766_529
    assert _bias_count(discriminator) == 961
    assert gan.generator.input.shape[1:] == (128, 128, 3)
    assert gan.generator.output.shape[1:] == (64, 64, 3)
    assert gan.reconstruction_weight == 0.999 and gan.adversarial_weight == 0.001
    assert gan.overlap == 4
    compiled = build_context_encoder(**TINY)  # the official optimizers, on a tiny network
    assert float(compiled.g_optimizer.learning_rate) == pytest.approx(2e-3)
    assert float(compiled.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(compiled.g_optimizer.beta_1) == pytest.approx(0.5)


def _convolutions(network):
    return [layer for layer in network.layers
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]


def _bias_count(network):
    return sum(int(layer.bias.shape[0]) for layer in _convolutions(network))


def test_every_official_convolution_bias_stays_exactly_zero_through_training():
    keras.utils.set_random_seed(0)
    built = build_context_encoder(image_size=32, base_filters=4, bottleneck_dim=16, overlap=2)
    # The recipe's networks, with the official discriminator (biases held at zero too).
    gan = ContextEncoder(built.generator, ContextEncoderDiscriminator(image_size=16,
                                                                      base_filters=4),
                         overlap=2)
    gan.compile(**CONTEXT_ENCODER_COMPILE)
    networks = (gan.generator, gan.discriminator)
    convolutions = [conv for network in networks for conv in _convolutions(network)]
    assert len(convolutions) == 7 + 3  # G: 3 down, bottleneck, 2 up, output; D: 3
    assert all(isinstance(conv.bias.constraint, HeldAtZero) for conv in convolutions)
    kernels = [conv.kernel.numpy().copy() for conv in convolutions]
    data = load_inpainting("shapes", image_size=32, batch_size=8, num_examples=32, overlap=2)
    gan.fit(data, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 4 and int(gan.d_optimizer.iterations) == 4
    for conv, before in zip(convolutions, kernels):
        assert not np.allclose(conv.kernel.numpy(), before), conv.name  # it trained
        np.testing.assert_array_equal(conv.bias.numpy(), 0.0, err_msg=conv.name)


def test_channel_wise_dense_maps_each_channel_by_its_own_matrix():
    layer = ChannelWiseDense()
    x = np.random.RandomState(0).normal(size=(2, 3, 3, 4)).astype("float32")
    out = np.asarray(layer(x))
    kernel, bias = (np.asarray(w) for w in layer.weights)
    assert kernel.shape == (4, 9, 9) and bias.shape == (4, 9)
    for c in range(4):
        expected = x[..., c].reshape(2, 9) @ kernel[c] + bias[c]
        np.testing.assert_allclose(out[..., c].reshape(2, 9), expected, atol=1e-5)
    # Channels do not mix: changing channel 0 leaves the others unchanged.
    x2 = x.copy()
    x2[..., 0] += 1.0
    np.testing.assert_allclose(np.asarray(layer(x2))[..., 1:], out[..., 1:], atol=1e-6)


def test_channel_wise_bottleneck_generator():
    g = ContextEncoderGenerator(image_size=32, base_filters=4, bottleneck="channel_wise")
    cw = [layer for layer in g.layers if isinstance(layer, ChannelWiseDense)]
    assert len(cw) == 1 and cw[0].input.shape[1:] == (4, 4, 8)
    assert g(np.zeros((1, 32, 32, 3), "float32")).shape == (1, 16, 16, 3)


def test_inpaint_keeps_the_context_and_pastes_the_prediction_interior():
    gan = build_context_encoder(**TINY)
    masked = np.tanh(np.random.RandomState(1).normal(size=(2, 32, 32, 3))).astype("float32")
    out = gan.inpaint(masked)
    centers = np.asarray(gan.generator(masked, training=False))
    inner = slice(8 + 2, 8 + 16 - 2)  # hole at 8..23, overlap 2
    np.testing.assert_allclose(out[:, inner, inner], centers[:, 2:14, 2:14], atol=1e-6)
    outside = np.ones((32, 32), bool)
    outside[inner, inner] = False
    np.testing.assert_array_equal(out[:, outside], masked[:, outside])


def test_overlap_border_weighs_ten_times_the_interior():
    gan = build_context_encoder(**TINY)
    real = np.zeros((1, 32, 32, 3), "float32")
    base = gan.generator(real, training=False)

    def l2_of(error_at):
        # The training step's L2 term for a prediction off by 0.5 at one pixel of the center.
        fake = tf.tensor_scatter_nd_add(base * 0.0, [[0, *error_at, 0]], [0.5])
        return float(tf.reduce_mean(gan._l2_weights * tf.square(fake)))

    assert l2_of((0, 0)) == pytest.approx(10 * l2_of((8, 8)))
    assert l2_of((1, 7)) == pytest.approx(10 * l2_of((2, 7)))


def test_training_lowers_the_center_error_on_held_out_images():
    keras.utils.set_random_seed(0)
    # Twice the width of TINY: at base width 4 the error plateaus near 0.75x its start.
    gan = build_context_encoder(**{**TINY, "base_filters": 8, "bottleneck_dim": 32})
    train = load_inpainting("shapes", image_size=32, batch_size=16, num_examples=256, overlap=2)
    held_out = next(iter(load_inpainting("shapes", image_size=32, batch_size=64, seed=99,
                                         num_examples=64, overlap=2)))
    masked, targets = held_out[0].numpy(), held_out[1].numpy()

    def center_error():
        return float(np.mean((gan.inpaint(masked) - targets)[:, 10:22, 10:22] ** 2))

    fill = np.mean((np.asarray(FILL_VALUE) - targets[:, 10:22, 10:22]) ** 2)
    before = center_error()
    gan.fit(train, epochs=12, verbose=0)
    after = center_error()
    assert after < 0.7 * before, (before, after)
    assert after < fill, (after, fill)  # better than the mean-colour fill


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match=r"Received: hole_size=32"):
        ContextEncoderGenerator(image_size=32, hole_size=32)
    with pytest.raises(ValueError, match=r"Received: image_size=48"):
        ContextEncoderGenerator(image_size=48)
    with pytest.raises(ValueError, match=r"Received: overlap=8"):
        build_context_encoder(image_size=32, base_filters=4, bottleneck_dim=16, overlap=8)
    gan = build_context_encoder(**TINY)
    with pytest.raises(ValueError, match=r"masked_images of shape \(batch, 32, 32, 3\)"):
        gan.inpaint(np.zeros((2, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="translates images"):
        gan.generate(4)
    with pytest.raises(ValueError, match="masked_images, targets"):
        gan.fit(np.zeros((4, 32, 32, 3), "float32"), batch_size=2, verbose=0)


def context_encoder_builder():
    def build():
        gan = build_context_encoder(compile=False, synchronized_batch_norm=True, **TINY)
        return gan, {}

    return build


@pytest.mark.heavy
def test_context_encoder_passes_family_checks(tmp_path):
    masked, targets, _ = next(iter(load_inpainting("shapes", image_size=32, batch_size=8,
                                                   num_examples=8, overlap=2)))
    gan = build_context_encoder(**TINY)
    assert isinstance(gan, ContextEncoder)
    run_gan_family_test(context_encoder_builder(), (masked.numpy(), targets.numpy()), tmp_path,
                        export_formats=("savedmodel", "onnx"))
