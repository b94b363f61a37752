"""Shared test helpers: the family-level checks every GAN family runs on its tiny config.

`run_gan_family_test(build_gan, data)` is the analogue of keras-hub's
`run_backbone_test`: one call checks that a family

- fits with `model.fit` under the default strategy (float32) and under
  `MirroredStrategy` over two logical CPUs in mixed_float16 and
  mixed_bfloat16 (float32 under MirroredStrategy is the replica-parity
  check's fit), with finite losses and its trackers reported;
- gives the same weights after one step on one global batch with one replica
  and with two replicas (replica parity, within `parity_atol`);
- round-trips `get_config` -> `from_config` for the GAN and both networks;
- saves to `.keras` and loads back (with `safe_mode` on) with equal weights,
  optimizer state and compile configuration;
- resumes: trained, saved mid-way, loaded in a *new process* and trained on,
  it reaches the same weights as the uninterrupted run.
"""

import functools
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import tensorflow as tf

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


@functools.cache
def two_cpu_strategy():
    """The session's one MirroredStrategy over two logical CPUs.

    One instance per process, as in a real program: every new MirroredStrategy
    starts its collective instance keys afresh, and a second strategy's keys
    collide with the first one's in the process-wide collective executor
    ("Shape mismatch in the collective instance ...").
    """
    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    assert len(devices) >= 2, f"tests/conftest.py should create 2 logical CPUs; got {devices}"
    return tf.distribute.MirroredStrategy(devices[:2])


@functools.cache
def one_cpu_strategy():
    return tf.distribute.OneDeviceStrategy(tf.config.list_logical_devices("CPU")[0].name)


def all_weights(model):
    """Every variable of the GAN (networks, EMA copy, counters) as numpy arrays, by path."""
    return {f"{i}:{v.name}": np.array(v.numpy()) for i, v in enumerate(model.weights)}


def optimizer_state(optimizer):
    return {f"{i}:{v.name}": np.array(v.numpy()) for i, v in enumerate(optimizer.variables)}


def assert_weights_close(a, b, atol, what):
    assert a.keys() == b.keys(), f"{what}: variables differ: {sorted(set(a) ^ set(b))[:5]}"
    worst = max((float(np.max(np.abs(a[k] - b[k]))) if a[k].size else 0.0, k) for k in a)
    assert worst[0] <= atol, f"{what}: max abs difference {worst[0]:.3g} at {worst[1]} > {atol}"


def build_in(strategy, build_gan, policy="float32", **build_kwargs):
    """Builds and compiles a GAN under `strategy` and a global dtype `policy`."""
    keras.mixed_precision.set_global_policy(policy)
    try:
        with strategy.scope():
            keras.utils.set_random_seed(1234)
            gan, compile_kwargs = build_gan(**build_kwargs)
            gan.compile(**compile_kwargs)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return gan


def example_inputs(gan, n, seed=0):
    """What `gan.generate` takes for n images: latents, or input images of a translation GAN."""
    rng = np.random.RandomState(seed)
    if getattr(gan, "translation", False):
        return rng.uniform(-1, 1, (n, *gan.image_shape)).astype("float32")
    return rng.normal(size=(n, gan.latent_dim)).astype("float32")


def _take(data, n):
    """The first n examples of images, or of an (images, labels) pair."""
    if isinstance(data, tuple):
        return tuple(part[:n] for part in data)
    return data[:n]


def _fit(gan, data, batch_size, epochs=1, steps=None):
    x, y = data if isinstance(data, tuple) else (data, None)
    return gan.fit(
        x, y, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps,
        shuffle=False, verbose=0,
    )


def check_fit_strategies_and_policies(build_gan, data, batch_size, policies=POLICIES):
    # The mixed policies run under MirroredStrategy, the harder case (loss scaling and casts
    # across replicas); float32 runs under the default strategy (replica parity fits float32
    # under MirroredStrategy), which keeps the suite short.
    strategies = {"default": (tf.distribute.get_strategy, tuple(
                      p for p in policies if p == "float32")),
                  "mirrored_2cpu": (two_cpu_strategy, tuple(
                      p for p in policies if p != "float32"))}
    for strategy_name, (make_strategy, strategy_policies) in strategies.items():
        for policy in strategy_policies:
            gan = build_in(make_strategy(), build_gan, policy)
            history = _fit(gan, data, batch_size)
            where = f"{strategy_name}/{policy}"
            for key in ("d_loss", "g_loss", "d_accuracy"):
                assert key in history.history, f"{where}: tracker {key!r} not reported"
            for key, values in history.history.items():
                assert np.all(np.isfinite(values)), f"{where}: {key} not finite: {values}"
            images = gan.generate(example_inputs(gan, 2))
            assert np.all(np.isfinite(images)), f"{where}: generated images not finite"
            if policy == "mixed_float16":
                assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
                assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)


def check_replica_parity(build_gan, data, batch_size, atol=1e-5):
    """One step on one global batch: 1 replica and 2 replicas give the same weights."""
    batch = _take(data, batch_size)
    results = {}
    for name, strategy in (("one", one_cpu_strategy()), ("two", two_cpu_strategy())):
        gan = build_in(strategy, build_gan)
        _fit(gan, batch, batch_size)
        results[name] = all_weights(gan)
    assert_weights_close(results["one"], results["two"], atol, "replica parity")


def check_config_round_trip(build_gan):
    gan = build_in(tf.distribute.get_strategy(), build_gan)
    for network in (gan.generator, gan.discriminator):
        clone = network.__class__.from_config(network.get_config())
        assert clone.get_config() == network.get_config()
        assert clone.count_params() == network.count_params()
    config = gan.get_config()
    json.dumps(config)  # JSON-able
    restored = gan.__class__.from_config(config)
    assert restored.get_config() == config
    assert restored.generator.count_params() == gan.generator.count_params()
    assert restored.discriminator.count_params() == gan.discriminator.count_params()


def check_keras_round_trip(build_gan, data, batch_size, tmp_dir):
    gan = build_in(tf.distribute.get_strategy(), build_gan)
    _fit(gan, data, batch_size, steps=2)
    path = os.path.join(tmp_dir, "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode stays on
    assert type(loaded) is type(gan)
    assert_weights_close(all_weights(gan), all_weights(loaded), 0.0, ".keras weights")
    for attr in ("g_optimizer", "d_optimizer"):
        a, b = optimizer_state(getattr(gan, attr)), optimizer_state(getattr(loaded, attr))
        assert len(a) == len(b) and len(a) > 0, f"{attr}: optimizer state not saved"
        for (_, va), (_, vb) in zip(sorted(a.items()), sorted(b.items())):
            np.testing.assert_array_equal(va, vb)
    assert loaded.get_compile_config() == gan.get_compile_config()
    z = example_inputs(gan, 3)
    np.testing.assert_allclose(loaded.generate(z), gan.generate(z), atol=1e-6)


_RESUME_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    import kerasgan  # registers the serializable classes
    model_path, data_path, out_path, batch_size, steps = sys.argv[1:6]
    model = keras.saving.load_model(model_path)
    data = np.load(data_path)
    labels = data["labels"] if "labels" in data.files else None
    model.fit(data["images"], labels, batch_size=int(batch_size), epochs=1,
              steps_per_epoch=int(steps), shuffle=False, verbose=0)
    np.savez(out_path, **{f"{i}:{v.name}": v.numpy() for i, v in enumerate(model.weights)})
    """
)


def check_resume_equality(build_gan, data, batch_size, tmp_dir, steps=2, atol=1e-6):
    """Train 2*steps uninterrupted vs. steps, save, load in a new process, steps more."""
    data = _take(data, batch_size * steps)
    reference = build_in(tf.distribute.get_strategy(), build_gan)
    _fit(reference, data, batch_size, epochs=2)

    first = build_in(tf.distribute.get_strategy(), build_gan)
    _fit(first, data, batch_size, epochs=1)
    model_path = os.path.join(tmp_dir, "mid.keras")
    data_path = os.path.join(tmp_dir, "data.npz")
    out_path = os.path.join(tmp_dir, "resumed.npz")
    first.save(model_path)
    if isinstance(data, tuple):
        np.savez(data_path, images=data[0], labels=data[1])
    else:
        np.savez(data_path, images=data)
    python_path = os.pathsep.join([REPO_ROOT, os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=python_path)
    proc = subprocess.run(
        [sys.executable, "-c", _RESUME_SCRIPT, model_path, data_path, out_path,
         str(batch_size), str(steps)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, f"resume process failed:\n{proc.stderr[-3000:]}"
    resumed = dict(np.load(out_path))
    assert_weights_close(all_weights(reference), resumed, atol, "resume equality")


def check_export_parity(build_gan, tmp_dir, formats):
    """Each export format reloads and matches the Keras generator (kerasgan.export verifies
    on a fixed batch) with named inputs, labels included for conditional models."""
    from kerasgan.export import export

    gan = build_in(tf.distribute.get_strategy(), build_gan)
    expected_inputs = ["z", "labels"] if getattr(gan, "num_classes", None) else ["z"]
    if getattr(gan, "translation", False):
        expected_inputs = ["image"]
    for fmt in formats:
        results = export(gan, os.path.join(tmp_dir, "exports"), format=fmt, name=f"m_{fmt}")
        for result in results if isinstance(results, list) else [results]:
            assert result.input_names == expected_inputs, (fmt, result.input_names)
            assert result.max_abs_diff <= 1e-4, (fmt, result.signature, result.max_abs_diff)


def run_gan_family_test(build_gan, data, tmp_dir, batch_size=4, policies=POLICIES,
                        parity_atol=1e-5, export_formats=()):
    """Runs every family-level check.

    Args:
        build_gan: a function returning `(gan, compile_kwargs)`: an uncompiled
            GAN built from a tiny config, and the arguments of its `compile`.
            It is called inside a strategy scope and under a dtype policy.
            For replica parity its config must not hold unsynchronized batch norm.
        data: a numpy array of training images (float32 in [-1, 1]) with at
            least `2 * batch_size` examples, or a pair `(images, labels)` for a
            conditional GAN.
        tmp_dir: a temporary directory (pytest's `tmp_path`).
    """
    check_config_round_trip(build_gan)
    check_fit_strategies_and_policies(build_gan, data, batch_size, policies)
    check_replica_parity(build_gan, data, batch_size, parity_atol)
    check_keras_round_trip(build_gan, data, batch_size, str(tmp_dir))
    check_resume_equality(build_gan, data, batch_size, str(tmp_dir))
    if export_formats:
        check_export_parity(build_gan, str(tmp_dir), export_formats)


def tiny_networks(latent_dim=4, size=4, channels=3, seed=1):
    """A dense generator and discriminator on size x size images (fast unit tests)."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Dense(16, activation="relu")(z)
    x = keras.layers.Dense(size * size * channels, activation="tanh", dtype="float32")(x)
    generator = keras.Model(z, keras.layers.Reshape((size, size, channels))(x), name="tiny_g")
    images = keras.Input((size, size, channels), name="images")
    y = keras.layers.Flatten()(images)
    y = keras.layers.Dense(16, activation="relu")(y)
    discriminator = keras.Model(images, keras.layers.Dense(1, dtype="float32")(y), name="tiny_d")
    return generator, discriminator


def tiny_data(n=16, size=4, channels=3, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (n, size, size, channels)).astype("float32")
