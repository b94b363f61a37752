"""DCGAN-family recipes: each trains under every strategy and policy, with its own semantics."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.models.dcgan import build_recipe, get_recipe, list_recipes
from tests.helpers import (
    build_in,
    check_fit_strategies_and_policies,
    run_gan_family_test,
    two_cpu_strategy,
)

TINY = {"image_size": 32, "base_filters": 4, "latent_dim": 8}


def shapes_array(n=16, size=32, seed=0):
    from kerasgan.data.shapes import render_shapes

    images = render_shapes(n, size, seed=seed)["image"].astype("float32")
    return images / 127.5 - 1.0


def recipe_builder(name, **overrides):
    def build():
        return build_recipe(name, compile=False, **{**TINY, **overrides}), get_recipe(name)[
            "compile"
        ]

    return build


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["dcgan", "wgan_gp"])
def test_recipe_passes_family_checks(name, tmp_path):
    # Synchronized batch norm keeps replica parity for the batch-norm recipes.
    run_gan_family_test(
        recipe_builder(name, synchronized_batch_norm=True), shapes_array(), tmp_path
    )


@pytest.mark.parametrize("name", ["minimax", "wgan", "lsgan", "hinge"])
def test_recipe_fits_under_mirrored_strategy_in_mixed_float16(name):
    # The other recipes share these networks and the step; what differs is the loss, the
    # optimizers and the clipping, checked here in the hardest setting (loss scaling across
    # replicas). The family checks above cover every policy on one replica; the hinge recipe
    # runs here with synchronized batch norm, whose statistics are all-reduced in float16.
    builder = recipe_builder(name, synchronized_batch_norm=name == "hinge")
    check_fit_strategies_and_policies(builder, shapes_array(8), batch_size=4,
                                      policies=("mixed_float16",))


def test_every_recipe_is_covered():
    covered = {"dcgan", "wgan_gp", "minimax", "wgan", "lsgan", "hinge", "nsgan"}
    assert set(list_recipes()) == covered


def test_recipes_hold_the_papers_hyperparameters():
    wgan = get_recipe("wgan")["compile"]
    assert wgan["d_steps"] == 5 and wgan["weight_clip"] == 0.01
    assert wgan["d_optimizer"] == {"class_name": "RMSprop", "config": {"learning_rate": 5e-5}}
    gp = get_recipe("wgan_gp")
    assert gp["compile"]["gradient_penalty_weight"] == 10.0 and gp["compile"]["d_steps"] == 5
    assert gp["compile"]["g_optimizer"]["config"] == {
        "learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9}
    assert gp["discriminator"]["normalization"] == "none"
    dcgan = get_recipe("nsgan")
    assert dcgan["name"] == "dcgan" and dcgan["compile"]["loss"] == "non_saturating"
    assert dcgan["compile"]["d_optimizer"]["config"]["beta_1"] == 0.5
    assert get_recipe("minimax")["compile"]["loss"] == "minimax"
    assert get_recipe("lsgan")["compile"]["loss"] == "least_squares"
    assert get_recipe("hinge")["compile"]["loss"] == "hinge"


def test_wgan_critic_is_linear_with_no_batch_norm_on_its_last_layer_and_clipped():
    gan = build_recipe("wgan", **TINY)
    layers = [layer for layer in gan.discriminator.layers if layer.weights or
              isinstance(layer, keras.layers.Activation)]
    assert isinstance(layers[-2], keras.layers.Conv2D)  # the logit conv, no BN after it
    assert not isinstance(layers[-1], keras.layers.BatchNormalization)
    assert any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in gan.discriminator.layers)
    gan.fit(shapes_array(8), batch_size=4, epochs=1, verbose=0)
    for weight in gan.discriminator.trainable_weights:
        assert np.max(np.abs(weight.numpy())) <= 0.01 + 1e-7
    big = gan.discriminate(np.full((1, 32, 32, 3), 50.0, "float32"))
    assert big.dtype == tf.float32  # raw scores, not probabilities


def test_wgan_gp_critic_has_no_batch_norm_and_reports_the_penalty():
    gan = build_recipe("wgan_gp", **TINY)
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in gan.discriminator.layers)
    history = gan.fit(shapes_array(8), batch_size=4, epochs=1, verbose=0)
    assert history.history["gradient_penalty"][0] > 0


def test_batch_norm_is_synchronized_automatically_under_a_multi_replica_strategy():
    with two_cpu_strategy().scope():
        gan = build_recipe("dcgan", **TINY)
    norms = [layer for net in (gan.generator, gan.discriminator) for layer in net.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.synchronized for layer in norms)
    plain = build_recipe("dcgan", **TINY)
    assert not any(layer.synchronized for layer in plain.generator.layers
                   if isinstance(layer, keras.layers.BatchNormalization))


@pytest.mark.heavy
def test_wgan_gp_stays_finite_for_200_steps_under_mixed_float16():
    # 16 px (2 blocks each side): the penalty's second-order gradients in float16 are what
    # is tested, not the depth.
    gan = build_in(tf.distribute.get_strategy(), recipe_builder("wgan_gp", image_size=16),
                   "mixed_float16")
    data = tf.data.Dataset.from_tensor_slices(shapes_array(32, size=16)).repeat().batch(
        8, drop_remainder=True)
    history = gan.fit(data, epochs=1, steps_per_epoch=200, verbose=0)
    assert int(gan.step_counter.numpy()) == 200
    # A few overflowing steps are skipped while the loss scale adapts from 2^15, no more.
    assert 190 <= int(gan.g_optimizer.iterations.numpy()) <= 200
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), key
    assert all(np.isfinite(w.numpy()).all() for w in gan.weights)
    assert np.isfinite(gan.g_optimizer.dynamic_scale.numpy())


def test_unknown_recipe_and_argument_errors():
    with pytest.raises(ValueError, match="Received: recipe='dragan'"):
        get_recipe("dragan")
    with pytest.raises(ValueError, match=r"Unknown network arguments \['width'\]"):
        build_recipe("dcgan", width=3)
