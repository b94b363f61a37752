"""StyleGAN networks: the official FFHQ 1024 trainable parameter counts and structure, the
fade-in at every level of detail against the smaller networks, style mixing, the truncation
trick, noise across replicas, config and `.keras` round trips."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import (
    Blur2D,
    ConstantInput,
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    NoiseInjection,
    StyleModulation,
)
from kerasgan.layers.global_batch_dropout import step_draws
from kerasgan.models.stylegan import (
    StyleGANDiscriminator,
    StyleGANGenerator,
    StyleGANMapping,
    StyleGANSynthesis,
)

TINY = {"fmap_base": 64, "fmap_max": 16}  # nf(1) = nf(2) = 16, nf(3) = 8, nf(4) = 4
TINY_G = dict(latent_dim=8, dlatent_dim=8, mapping_layers=2, mapping_fmaps=8, **TINY)
RNG = np.random.default_rng(0)


def _trainable(model):
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def _layers(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def test_official_ffhq_1024_trainable_parameter_counts_and_structure():
    # NVlabs/stylegan training/networks_stylegan.py with train.py's FFHQ settings (G_style =
    # G_mapping + G_synthesis, D_basic; resolution 1024, 3 channels, no labels, fmap_base 8192,
    # fmap_decay 1.0, fmap_max 512, latent and dlatent size 512). nf(stage) = min(8192 /
    # 2**stage, 512): nf(1..4) = 512, nf(5..9) = 256, 128, 64, 32, 16.
    # G_mapping: Dense0..7, each get_weight [512, 512] + apply_bias [512]:
    #     8 * (262,144 + 512)                                                 = 2,101,248
    # G_synthesis: num_layers = 2 * 10 - 2 = 18. 4x4/Const/const [1, 512, 4, 4] = 8,192.
    #   Every layer_epilogue of a layer with C maps: Noise/weight [C], bias [C] and
    #   StyleMod dense [512, 2C] + bias [2C] = C * (1 + 1 + 1024 + 2) = 1,028 C; the 18
    #   layers have C = 512 (x8: 4x4 to 32x32), 256, 256, 128, 128, 64, 64, 32, 32, 16, 16:
    #   sum C = 5,088                                                         = 5,230,464
    #   Convs (get_weight only; the epilogue holds the bias; Conv0_up's weight is
    #   [3, 3, in, out] whether fused (>= 128 px) or not): 4x4/Conv 9*512*512 = 2,359,296;
    #   8, 16, 32: 2 * 2,359,296 each = 14,155,776; 64: 9*512*256 + 9*256*256 = 1,769,472;
    #   128: 442,368; 256: 110,592; 512: 27,648; 1024: 6,912                 = 18,872,064
    #   ToRGB_lod0..8 (1x1 to 3 maps + bias): 4 * 1,539 + 771 + 387 + 195 + 99 + 51 = 7,659
    #   G_synthesis = 8,192 + 5,230,464 + 18,872,064 + 7,659                 = 24,118,379
    # G = 2,101,248 + 24,118,379 = 26,219,627 (the paper's 26.2M). Not trainable there:
    #   G_style/lod, G_style/dlatent_avg [512], G_synthesis/lod, G_synthesis/noise0..17.
    # D_basic: FromRGB_lod0..8 (1x1 from 3 maps + bias) = 4 * (8 + 16 + ... + 256 + 4 * 512)
    #   = 10,176; 1024..8: Conv0 + Conv1_down (blur has no weights; the fused conv-downscale
    #   at >= 128 px has the same [3, 3, in, out] weight), each with a bias = 16,516,328;
    #   4x4: Conv (512 + 1 mbstd) -> 512 = 2,364,416, Dense0 8192 -> 512 = 4,194,816,
    #   Dense1 512 -> 1 = 513. D = 23,087,249 (the paper's 23.1M); not trainable: D/lod.
    # Building these graphs from the official file under tf.compat.v1 (structure='linear')
    # gives the same sums: G_mapping 2,101,248, G_synthesis 24,118,379, D 23,087,249; and the
    # official 256 px graphs' weights (Conv0_up flipped spatially at 128 and 256 px) loaded
    # here give their dlatents, images and scores to about 1e-5 relative, at lod 0, 1.5, 5.25.
    generator = StyleGANGenerator(resolution=1024)
    discriminator = StyleGANDiscriminator(resolution=1024)
    assert _trainable(generator.mapping) == 2_101_248
    assert _trainable(generator.synthesis) == 24_118_379
    assert _trainable(generator) == 26_219_627
    assert _trainable(discriminator) == 23_087_249
    assert [w.name for w in generator.non_trainable_weights] == ["w_avg", "lod"]
    assert [w.name for w in discriminator.non_trainable_weights] == ["lod"]
    assert generator.get_layer("mapping") is generator.mapping
    assert generator.get_layer("synthesis") is generator.synthesis

    mapping = generator.mapping
    dense = _layers(mapping, EqualizedDense)
    assert len(dense) == 8 and all(layer.lr_multiplier == 0.01 for layer in dense)
    assert all(layer.gain == pytest.approx(math.sqrt(2)) for layer in dense)
    assert tuple(mapping.output.shape) == (None, 18, 512)

    synthesis = generator.synthesis
    assert synthesis.num_layers == 18 and synthesis.max_lod == 8
    styles = _layers(synthesis, StyleModulation)
    assert [layer.layer_index for layer in styles] == list(range(18))
    assert all(layer.style.gain == 1.0 and layer.style.lr_multiplier == 1.0 for layer in styles)
    noise = _layers(synthesis, NoiseInjection)
    assert [layer.seed for layer in noise] == list(range(18))
    assert all(not np.any(np.asarray(layer.strength)) for layer in noise)
    (const,) = _layers(synthesis, ConstantInput)
    assert tuple(const.const.shape) == (4, 4, 512) and np.all(np.asarray(const.const) == 1)
    convs = [layer for layer in _layers(synthesis, EqualizedConv2D)
             if not layer.name.endswith("_torgb")]
    assert len(convs) == 17 and not any(layer.use_bias for layer in convs)
    to_rgb = [layer for layer in _layers(synthesis, EqualizedConv2D)
              if layer.name.endswith("_torgb")]
    assert len(to_rgb) == 9 and all(layer.gain == 1.0 and layer.use_bias for layer in to_rgb)
    blurs = _layers(synthesis, Blur2D)
    assert [layer.name for layer in blurs] == [f"{2**r}x{2**r}_conv0_up_blur"
                                                for r in range(3, 11)]
    # The epilogue's order: noise, bias, leaky ReLU, instance norm + style.
    names = [layer.name for layer in synthesis.layers if layer.name.startswith("128x128_conv1")]
    assert names == ["128x128_conv1", "128x128_conv1_noise", "128x128_conv1_bias",
                     "128x128_conv1_lrelu", "128x128_conv1_style"]

    from_rgb = [layer for layer in _layers(discriminator, EqualizedConv2D)
                if layer.name.endswith("_fromrgb")]
    assert len(from_rgb) == 9
    assert len(_layers(discriminator, Blur2D)) == 8
    assert discriminator.get_layer("4x4_dense1").gain == 1.0
    (mbstd,) = _layers(discriminator, MinibatchStdDev)
    assert (mbstd.group_size, mbstd.num_features) == (4, 1)
    assert tuple(mbstd.input.shape[1:]) == (4, 4, 512)


def _copy_by_name(source, target):
    """Copies the weights of every layer of `target` from `source`'s layer of the same name."""
    for layer in target.layers:
        if layer.weights and layer.name != "lod":
            layer.set_weights(source.get_layer(layer.name).get_weights())


def _randomized(model):
    """Non-zero biases and noise strengths (the official initial zeros would hide them)."""
    for weight in model.weights:
        if weight.name in ("bias", "strength"):
            weight.assign(RNG.standard_normal(weight.shape).astype("float32") * 0.2)
    return model


def _upscale(images, factor):
    return images.repeat(factor, axis=1).repeat(factor, axis=2)


def _downscale(images, factor):
    n, h, w, c = images.shape
    return images.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))


def test_tiny_networks_build_with_the_right_shapes():
    mapping = StyleGANMapping(latent_dim=8, dlatent_dim=6, num_layers=5, mapping_layers=3,
                              mapping_fmaps=4)
    assert tuple(mapping(np.zeros((3, 8), "float32")).shape) == (3, 5, 6)
    synthesis = StyleGANSynthesis(resolution=32, channels=1, dlatent_dim=6, **TINY)
    assert synthesis.num_layers == 8 and synthesis.max_lod == 3
    assert tuple(synthesis(np.zeros((2, 8, 6), "float32")).shape) == (2, 32, 32, 1)
    generator = StyleGANGenerator(resolution=16, **TINY_G)
    assert tuple(generator.mapping.output.shape) == (None, 6, 8)
    assert tuple(generator(np.zeros((2, 8), "float32")).shape) == (2, 16, 16, 3)
    discriminator = StyleGANDiscriminator(resolution=32, channels=1, **TINY)
    assert tuple(discriminator(np.zeros((4, 32, 32, 1), "float32")).shape) == (4, 1)


def test_mapping_is_pixel_norm_then_the_dense_stack_broadcast():
    mapping = _randomized(StyleGANMapping(latent_dim=4, dlatent_dim=3, num_layers=2,
                                          mapping_layers=2, mapping_fmaps=5))
    z = RNG.standard_normal((3, 4)).astype("float32")
    x = z / np.sqrt((z.astype(np.float64) ** 2).mean(axis=1, keepdims=True) + 1e-8)
    for layer in _layers(mapping, EqualizedDense):
        c = 1.0 / math.sqrt(layer.kernel.shape[0]) * math.sqrt(2) * 0.01
        x = x @ (np.asarray(layer.kernel) * c) + np.asarray(layer.bias) * 0.01
        x = np.where(x >= 0, x, 0.2 * x)
    w = np.asarray(mapping(z))
    np.testing.assert_allclose(w, np.stack([x, x], axis=1), rtol=1e-4, atol=1e-6)


def test_synthesis_at_each_integer_lod_is_the_smaller_synthesis_upscaled():
    s16 = _randomized(StyleGANSynthesis(resolution=16, dlatent_dim=8, **TINY))
    w_plus = RNG.standard_normal((3, 6, 8)).astype("float32")
    full = np.asarray(s16(w_plus))
    for lod, size in ((1, 8), (2, 4)):
        smaller = StyleGANSynthesis(resolution=size, dlatent_dim=8, **TINY)
        _copy_by_name(s16, smaller)
        s16.set_lod(lod)
        rows = smaller.num_layers
        np.testing.assert_allclose(np.asarray(s16(w_plus)),
                                   _upscale(np.asarray(smaller(w_plus[:, :rows])), 2**lod),
                                   rtol=1e-4, atol=1e-5)
    s16.set_lod(2)
    at_4 = np.asarray(s16(w_plus))
    s16.set_lod(1)
    at_8 = np.asarray(s16(w_plus))
    s16.set_lod(1.25)
    np.testing.assert_allclose(np.asarray(s16(w_plus)), 0.75 * at_8 + 0.25 * at_4,
                               rtol=1e-5, atol=1e-5)
    s16.set_lod(0.5)
    np.testing.assert_allclose(np.asarray(s16(w_plus)), 0.5 * full + 0.5 * at_8,
                               rtol=1e-5, atol=1e-5)
    assert np.abs(at_8 - full).max() > 1e-3 and np.abs(at_4 - at_8).max() > 1e-3
    # The generator's lod is its synthesis network's.
    generator = StyleGANGenerator(resolution=16, **TINY_G)
    generator.set_lod(1.5)
    assert generator.lod == generator.synthesis.lod == 1.5 and generator.max_lod == 2


def test_discriminator_at_each_integer_lod_is_the_smaller_discriminator_on_pooled_images():
    d16 = _randomized(StyleGANDiscriminator(resolution=16, **TINY))
    images = RNG.standard_normal((4, 16, 16, 3)).astype("float32")
    full = np.asarray(d16(images))
    for lod, factor in ((1, 2), (2, 4)):
        smaller = StyleGANDiscriminator(resolution=16 // factor, **TINY)
        _copy_by_name(d16, smaller)
        d16.set_lod(lod)
        expected = np.asarray(smaller(_downscale(images, factor)))
        np.testing.assert_allclose(np.asarray(d16(images)), expected, rtol=1e-4, atol=1e-5)
        assert np.abs(expected - full).max() > 1e-4
    d16.set_lod(0.25)
    grow = d16.get_layer("16x16_grow")
    probe = keras.Model(d16.input, [grow.input[0], grow.input[1], grow.output])
    stage, from_rgb, blended = (np.asarray(t) for t in probe(images))
    np.testing.assert_allclose(blended, 0.75 * stage + 0.25 * from_rgb, rtol=1e-5, atol=1e-6)


def test_discriminator_blurs_before_each_downscaling_conv():
    d = StyleGANDiscriminator(resolution=8, **TINY)
    images = RNG.standard_normal((2, 8, 8, 3)).astype("float32")
    blur = d.get_layer("8x8_conv1_down_blur")
    probe = keras.Model(d.input, [blur.input, blur.output])
    before, after = (np.asarray(t) for t in probe(images))
    f = np.outer([1, 2, 1], [1, 2, 1]) / 16.0
    padded = np.pad(before, ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = sum(f[i, j] * padded[:, i:i + 8, j:j + 8] for i in range(3) for j in range(3))
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-6)
    assert not _layers(StyleGANDiscriminator(resolution=8, blur_filter=None, **TINY), Blur2D)


def test_style_mixing_changes_only_the_layers_from_the_crossover_on():
    synthesis = _randomized(StyleGANSynthesis(resolution=16, dlatent_dim=8, **TINY))
    styles = _layers(synthesis, StyleModulation)
    probe = keras.Model(synthesis.input, [layer.output for layer in styles] + [synthesis.output])
    w_a = RNG.standard_normal((2, 6, 8)).astype("float32")
    w_b = RNG.standard_normal((2, 6, 8)).astype("float32")
    crossover = 3
    mixed = np.concatenate([w_a[:, :crossover], w_b[:, crossover:]], axis=1)
    outputs_a = [np.asarray(t) for t in probe(w_a)]
    outputs_mixed = [np.asarray(t) for t in probe(mixed)]
    for i in range(crossover):
        np.testing.assert_array_equal(outputs_mixed[i], outputs_a[i])
    for i in range(crossover, 6):
        assert np.abs(outputs_mixed[i] - outputs_a[i]).max() > 1e-3, i
    assert np.abs(outputs_mixed[-1] - outputs_a[-1]).max() > 1e-4
    # The generator is its mapping, the truncation and its synthesis one after the other, so
    # a training step can mix two mapped batches before synthesis.
    generator = StyleGANGenerator(resolution=16, truncation_psi=1.0, **TINY_G)
    z = RNG.standard_normal((2, 8)).astype("float32")
    np.testing.assert_allclose(np.asarray(generator(z)),
                               np.asarray(generator.synthesis(generator.mapping(z))),
                               rtol=1e-6)


def _generator_with_w_avg(**kwargs):
    generator = _randomized(StyleGANGenerator(resolution=8, **TINY_G, **kwargs))
    generator.w_avg.assign(RNG.standard_normal(8).astype("float32"))
    return generator


def test_truncation_in_w_at_inference():
    z = RNG.standard_normal((3, 8)).astype("float32")
    identity = _generator_with_w_avg(truncation_psi=1.0)
    untruncated = np.asarray(identity.synthesis(identity.mapping(z)))
    np.testing.assert_allclose(np.asarray(identity(z)), untruncated, rtol=1e-6)

    to_mean = StyleGANGenerator.from_config({**identity.get_config(), "truncation_psi": 0.0,
                                             "truncation_cutoff": None})
    to_mean.set_weights(identity.get_weights())
    w_avg = np.asarray(to_mean.w_avg)
    image_of_w_avg = np.asarray(to_mean.synthesis(np.broadcast_to(w_avg, (1, 4, 8))))
    np.testing.assert_allclose(np.asarray(to_mean(z)), image_of_w_avg.repeat(3, 0),
                               rtol=1e-5, atol=1e-6)

    # The official default: psi 0.7 on the first 8 rows (here all 4); training: none.
    default = StyleGANGenerator.from_config({**identity.get_config(), "truncation_psi": 0.7,
                                             "truncation_cutoff": 2})
    default.set_weights(identity.get_weights())
    w = np.asarray(default.mapping(z))
    expected = w.copy()
    expected[:, :2] = w_avg + (w[:, :2] - w_avg) * 0.7
    np.testing.assert_allclose(np.asarray(default(z)), np.asarray(default.synthesis(expected)),
                               rtol=1e-5, atol=1e-6)
    with step_draws(tf.constant([1, 2], tf.int64), 0, 1):
        trained = np.asarray(default(z, training=True))
    with step_draws(tf.constant([1, 2], tf.int64), 0, 1):
        reference = np.asarray(default.synthesis(w, training=True))
    np.testing.assert_allclose(trained, reference, rtol=1e-5, atol=1e-6)


def test_noise_is_fixed_at_inference_and_split_free_in_a_training_step():
    synthesis = _randomized(StyleGANSynthesis(resolution=8, dlatent_dim=8, **TINY))
    w_plus = RNG.standard_normal((4, 4, 8)).astype("float32")
    first = np.asarray(synthesis(w_plus))
    np.testing.assert_array_equal(np.asarray(synthesis(w_plus)), first)
    np.testing.assert_allclose(np.asarray(synthesis(w_plus[2:])), first[2:], rtol=1e-5,
                               atol=1e-6)
    assert np.abs(np.asarray(synthesis(w_plus, training=True)) - first).max() > 1e-4
    other_seed = StyleGANSynthesis(resolution=8, dlatent_dim=8, noise_seed=1, **TINY)
    other_seed.set_weights(synthesis.get_weights())
    assert np.abs(np.asarray(other_seed(w_plus)) - first).max() > 1e-4

    seed = tf.constant([9, 4], tf.int64)

    @tf.function
    def step(rows, replica_id, num_replicas):
        with step_draws(seed, replica_id, num_replicas):
            return synthesis(rows, training=True)

    whole = np.asarray(step(w_plus, 0, 1))
    halves = [np.asarray(step(w_plus[2 * r:2 * r + 2], r, 2)) for r in range(2)]
    np.testing.assert_allclose(np.concatenate(halves), whole, rtol=1e-4, atol=1e-5)


def test_training_noise_under_mirrored_strategy_matches_one_replica():
    from kerasgan.models.base import replica_info

    strategy = tf.distribute.MirroredStrategy(
        [device.name for device in tf.config.list_logical_devices("CPU")[:2]])
    assert strategy.num_replicas_in_sync == 2
    with strategy.scope():
        synthesis = _randomized(StyleGANSynthesis(resolution=8, dlatent_dim=8, **TINY))
    w_plus = RNG.standard_normal((4, 4, 8)).astype("float32")
    seed = tf.constant([2, 8], tf.int64)

    def forward(rows):
        with step_draws(seed, *replica_info()):
            return synthesis(rows, training=True)

    dataset = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(w_plus).batch(4))
    result = strategy.run(tf.function(forward), args=(next(iter(dataset)),))
    mirrored = np.concatenate([np.asarray(t) for t in strategy.experimental_local_results(result)])
    np.testing.assert_allclose(mirrored, np.asarray(tf.function(forward)(w_plus)),
                               rtol=1e-4, atol=1e-5)


def test_config_round_trips_and_keras_files_keep_weights_lod_and_w_avg(tmp_path):
    g = _generator_with_w_avg(truncation_psi=0.5, truncation_cutoff=2, noise_seed=3)
    d = _randomized(StyleGANDiscriminator(resolution=8, mbstd_group_size=2, **TINY))
    for network in (g, d, g.mapping, g.synthesis):
        rebuilt = type(network).from_config(network.get_config())
        assert rebuilt.get_config() == network.get_config()
        assert rebuilt.count_params() == network.count_params()
    assert g.get_config()["blur_filter"] == [1, 2, 1]
    g.set_lod(0.5)
    d.set_lod(0.75)
    z = RNG.standard_normal((2, 8)).astype("float32")
    images = RNG.standard_normal((2, 8, 8, 3)).astype("float32")
    for network, x in ((g, z), (d, images)):
        path = tmp_path / f"{network.name}.keras"
        network.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        assert type(loaded) is type(network) and loaded.lod == network.lod
        np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(network(x)), atol=1e-6)
    loaded = keras.saving.load_model(tmp_path / f"{g.name}.keras", safe_mode=True)
    np.testing.assert_array_equal(np.asarray(loaded.w_avg), np.asarray(g.w_avg))
    assert isinstance(loaded.mapping, StyleGANMapping)
    assert isinstance(loaded.synthesis, StyleGANSynthesis)


def test_mixed_precision_keeps_images_logits_and_w_in_float32():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        g = StyleGANGenerator(resolution=8, **TINY_G)
        d = StyleGANDiscriminator(resolution=8, **TINY)
        images = g(np.zeros((2, 8), "float32"))
        assert images.dtype == "float32" and d(images).dtype == "float32"
        assert g.w_avg.dtype == "float32"
    finally:
        keras.config.set_dtype_policy(previous)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Received: resolution=30"):
        StyleGANSynthesis(resolution=30)
    with pytest.raises(ValueError, match=r"Received: resolution=2"):
        StyleGANDiscriminator(resolution=2)
    with pytest.raises(ValueError, match=r"last stage would have 0 feature maps"):
        StyleGANGenerator(resolution=64, fmap_base=16)
    with pytest.raises(ValueError, match=r"Received: blur_filter=\[1, 2\]"):
        StyleGANSynthesis(resolution=8, blur_filter=[1, 2], **TINY)
    with pytest.raises(ValueError, match=r"Received: noise_seed=-1"):
        StyleGANSynthesis(resolution=8, noise_seed=-1, **TINY)
    with pytest.raises(ValueError, match=r"Received: lr_multiplier=0"):
        StyleGANMapping(lr_multiplier=0)
    with pytest.raises(ValueError, match=r"Received: mapping_layers=0"):
        StyleGANMapping(mapping_layers=0)
    with pytest.raises(ValueError, match=r"Received: cutoff=-2"):
        StyleGANGenerator(resolution=8, truncation_cutoff=-2, **TINY_G)
    with pytest.raises(ValueError, match=r"Received: mbstd_group_size=-1"):
        StyleGANDiscriminator(resolution=8, mbstd_group_size=-1, **TINY)
    g = StyleGANGenerator(resolution=16, **TINY_G)
    with pytest.raises(ValueError, match=r"in \[0, 2\]. Received: lod=2.5"):
        g.set_lod(2.5)
