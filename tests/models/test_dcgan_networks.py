"""DCGAN generator and discriminator: official parameter counts, shapes, configs."""

import keras
import numpy as np
import pytest

from kerasgan.models.dcgan import DCGANDiscriminator, DCGANGenerator


def trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def non_trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)


def test_official_generator_matches_pytorch_examples_dcgan():
    # pytorch/examples dcgan Generator(nz=100, ngf=64, nc=3), every conv bias=False:
    #   ConvT(100, 512, 4, 1, 0): 100*512*16 = 819,200   BN(512): 1,024
    #   ConvT(512, 256, 4, 2, 1): 512*256*16 = 2,097,152 BN(256): 512
    #   ConvT(256, 128, 4, 2, 1): 256*128*16 = 524,288   BN(128): 256
    #   ConvT(128, 64, 4, 2, 1):  128*64*16  = 131,072   BN(64): 128
    #   ConvT(64, 3, 4, 2, 1):    64*3*16    = 3,072
    generator = DCGANGenerator()
    assert trainable(generator) == 3_576_704
    assert non_trainable(generator) == 2 * (512 + 256 + 128 + 64)  # BN running mean/var


def test_official_discriminator_matches_pytorch_examples_dcgan():
    # pytorch/examples dcgan Discriminator(ndf=64, nc=3), every conv bias=False:
    #   Conv(3, 64, 4, 2, 1):    3*64*16    = 3,072   (no BN)
    #   Conv(64, 128, 4, 2, 1):  64*128*16  = 131,072   BN(128): 256
    #   Conv(128, 256, 4, 2, 1): 128*256*16 = 524,288   BN(256): 512
    #   Conv(256, 512, 4, 2, 1): 256*512*16 = 2,097,152 BN(512): 1,024
    #   Conv(512, 1, 4, 1, 0):   512*16     = 8,192
    discriminator = DCGANDiscriminator()
    assert trainable(discriminator) == 2_765_568
    assert non_trainable(discriminator) == 2 * (128 + 256 + 512)


def test_official_layer_order_and_init():
    discriminator = DCGANDiscriminator()
    layers = [layer for layer in discriminator.layers
              if not isinstance(layer, keras.layers.InputLayer)]
    assert isinstance(layers[0], keras.layers.Conv2D) and not layers[0].use_bias
    assert isinstance(layers[1], keras.layers.LeakyReLU)  # no BN on the first layer
    assert layers[1].negative_slope == pytest.approx(0.2)
    generator = DCGANGenerator()
    convs = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
    assert len(convs) == 5 and not any(layer.use_bias for layer in convs)
    assert np.std(convs[1].kernel.numpy()) == pytest.approx(0.02, rel=0.1)
    gammas = [layer.gamma.numpy() for layer in generator.layers
              if isinstance(layer, keras.layers.BatchNormalization)]
    assert np.mean(np.concatenate(gammas)) == pytest.approx(1.0, abs=0.01)
    assert np.std(np.concatenate(gammas)) == pytest.approx(0.02, rel=0.2)


@pytest.mark.parametrize("size", [32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("upsampling", ["transpose", "nearest", "bilinear"])
def test_shapes_and_range(size, channels, upsampling):
    generator = DCGANGenerator(latent_dim=8, image_size=size, channels=channels,
                               base_filters=4, upsampling=upsampling)
    discriminator = DCGANDiscriminator(image_size=size, channels=channels, base_filters=4)
    images = generator(np.random.RandomState(0).normal(size=(2, 8)).astype("float32"))
    assert images.shape == (2, size, size, channels)
    assert float(np.max(np.abs(images))) <= 1.0
    assert discriminator(images).shape == (2, 1)


def test_256_builds_with_the_widths_doubling_to_the_4x4_stage():
    generator = DCGANGenerator(latent_dim=8, image_size=256, base_filters=2)
    assert generator.output_shape == (None, 256, 256, 3)
    assert generator.get_layer("project").filters == 2 * 256 // 8
    capped = DCGANDiscriminator(image_size=256, base_filters=2, max_filters=16)
    assert max(layer.filters for layer in capped.layers
               if isinstance(layer, keras.layers.Conv2D)) == 16


def test_nearest_upsampling_has_no_strided_transposed_convolution():
    generator = DCGANGenerator(latent_dim=8, image_size=32, base_filters=4,
                               upsampling="nearest")
    transposed = [layer for layer in generator.layers
                  if isinstance(layer, keras.layers.Conv2DTranspose)]
    assert [layer.name for layer in transposed] == ["project"]
    assert sum(isinstance(layer, keras.layers.UpSampling2D) for layer in generator.layers) == 3


def test_mixed_policy_keeps_outputs_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    generator = DCGANGenerator(latent_dim=8, image_size=32, base_filters=4)
    discriminator = DCGANDiscriminator(image_size=32, base_filters=4)
    images = generator(np.zeros((2, 8), "float32"))
    assert generator.get_layer("block1_conv").compute_dtype == "bfloat16"
    assert images.dtype == "float32"
    assert discriminator(images).dtype == "float32"


def test_normalization_options():
    critic = DCGANDiscriminator(image_size=32, base_filters=4, normalization="none")
    assert not any(isinstance(layer, (keras.layers.BatchNormalization,
                                      keras.layers.LayerNormalization)) for layer in critic.layers)
    assert critic.get_layer("block1_conv").use_bias
    layer_norm = DCGANDiscriminator(image_size=32, base_filters=4, normalization="layer")
    assert sum(isinstance(layer, keras.layers.LayerNormalization)
               for layer in layer_norm.layers) == 2
    synced = DCGANGenerator(latent_dim=8, image_size=32, base_filters=4,
                            synchronized_batch_norm=True)
    assert all(layer.synchronized for layer in synced.layers
               if isinstance(layer, keras.layers.BatchNormalization))
    no_bn = DCGANGenerator(latent_dim=8, image_size=32, base_filters=4, batch_norm=False)
    assert no_bn.get_layer("block1_conv").use_bias
    assert not no_bn.get_layer("to_image").use_bias


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (DCGANGenerator, {"image_size": 30}, "Received: image_size=30"),
        (DCGANGenerator, {"image_size": 48}, "Received: image_size=48"),
        (DCGANGenerator, {"image_size": 512}, "Received: image_size=512"),
        (DCGANGenerator, {"channels": 2}, "Received: channels=2"),
        (DCGANGenerator, {"upsampling": "pixelshuffle"}, "Received: upsampling='pixelshuffle'"),
        (DCGANGenerator, {"latent_dim": 0}, "Received: latent_dim=0"),
        (DCGANDiscriminator, {"normalization": "group"}, "Received: normalization='group'"),
        (DCGANDiscriminator, {"base_filters": 0}, "Received: base_filters=0"),
    ],
)
def test_invalid_arguments(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [DCGANGenerator, DCGANDiscriminator])
def test_config_round_trip_and_keras_file(cls, tmp_path):
    kwargs = {"image_size": 32, "base_filters": 4}
    model = cls(**kwargs)
    clone = cls.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert cls(**model.get_config()).get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    x = (np.random.RandomState(1).normal(size=(2, 100)) if cls is DCGANGenerator else
         np.random.RandomState(1).uniform(-1, 1, (2, 32, 32, 3))).astype("float32")
    np.testing.assert_allclose(clone(x), model(x), atol=1e-6)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert type(restored) is cls
    path = tmp_path / "net.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)
