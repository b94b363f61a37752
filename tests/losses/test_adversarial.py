"""One set of checks run over every registered adversarial loss."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgan.losses import LOSSES, get_loss, register_loss


def softplus(x):
    return np.log1p(np.exp(x))


REAL, FAKE = 1.0, -0.5
# Expected (D loss, G loss) at real logit 1.0 and fake logit -0.5, from each paper's formula.
KNOWN = {
    "minimax": (softplus(-REAL) + softplus(FAKE), -softplus(FAKE)),
    "non_saturating": (softplus(-REAL) + softplus(FAKE), softplus(-FAKE)),
    "wasserstein": (FAKE - REAL, -FAKE),
    "least_squares": (0.5 * (REAL - 1) ** 2 + 0.5 * FAKE**2, 0.5 * (FAKE - 1) ** 2),
    "hinge": (max(0, 1 - REAL) + max(0, 1 + FAKE), -FAKE),
}


def test_every_registered_loss_has_known_values():
    assert set(KNOWN) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(LOSSES))
class TestAdversarialLoss:
    def test_known_values(self, name):
        d_loss, g_loss = get_loss(name)
        expected_d, expected_g = KNOWN[name]
        np.testing.assert_allclose(d_loss([REAL], [FAKE]).numpy(), [expected_d], rtol=1e-6)
        np.testing.assert_allclose(g_loss([FAKE]).numpy(), [expected_g], rtol=1e-6)

    @pytest.mark.parametrize("shape", [(5,), (5, 1), (5, 4, 4, 1)])
    def test_per_example_shape_and_dtype(self, name, shape):
        d_loss, g_loss = get_loss(name)
        rng = np.random.RandomState(0)
        real = rng.normal(size=shape).astype("float16")
        fake = rng.normal(size=shape).astype("float16")
        for value in (d_loss(real, fake), g_loss(fake)):
            assert value.shape == (5,)
            assert value.dtype == tf.float32

    def test_patch_logits_are_averaged_per_example(self, name):
        d_loss, g_loss = get_loss(name)
        patch = np.array([[[[1.0], [-0.5]], [[2.0], [0.25]]]], "float32")  # one 2x2 map
        flat = patch.reshape(1, -1)
        per_element = g_loss(flat.reshape(-1)).numpy()
        np.testing.assert_allclose(g_loss(patch).numpy(), [per_element.mean()], rtol=1e-6)
        np.testing.assert_allclose(
            d_loss(patch, -patch).numpy(),
            [d_loss(flat.reshape(-1), -flat.reshape(-1)).numpy().mean()],
            rtol=1e-6,
        )

    def test_signs_reward_the_right_player(self, name):
        """A discriminator that separates better has a lower loss; so has a better generator."""
        d_loss, g_loss = get_loss(name)
        good = d_loss([0.9], [-0.9]).numpy()[0]
        bad = d_loss([-0.9], [0.9]).numpy()[0]
        assert good < bad
        assert g_loss([0.9]).numpy()[0] < g_loss([-0.9]).numpy()[0]

    def test_gradients_are_finite_for_large_logits(self, name):
        d_loss, g_loss = get_loss(name)
        logits = tf.Variable([[-80.0], [80.0]])
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(d_loss(logits, logits)) + tf.reduce_sum(g_loss(logits))
        grad = tape.gradient(total, logits)
        assert np.all(np.isfinite(grad.numpy()))
        assert np.isfinite(total.numpy())


def test_aliases_and_unknown_name():
    assert get_loss("nsgan") is LOSSES["non_saturating"]
    assert get_loss("lsgan") is LOSSES["least_squares"]
    with pytest.raises(ValueError, match="Received: loss='softmax'"):
        get_loss("softmax")


def test_register_loss_refuses_existing_name():
    with pytest.raises(ValueError, match="already registered"):
        register_loss("hinge", lambda r, f: r, lambda f: f)
