"""Shared test helpers: the family-level checks every GAN family runs on its tiny config.

`run_gan_family_test(build_gan, data)` is the analogue of keras-hub's
`run_backbone_test`: one call checks that a family

- fits with `model.fit` in float32 under the default strategy and under
  `MirroredStrategy` over two logical CPUs, and in mixed_float16 and
  mixed_bfloat16 on one replica, with finite losses and its trackers reported
  (mixed_bfloat16 traced, mixed_float16 eagerly: the loss scale and float16
  casts are the same code in both modes, and one traced mixed policy checks
  that the family's step converts to a graph)
  (what mixed precision does across replicas, the all-replica loss-scale skip
  and synchronized batch norm in float16, belongs to the shared step and is
  tested once, in tests/models/test_base.py and tests/models/test_dcgan_recipes.py);
- gives the same weights after one step on one global batch with one replica
  and with two replicas (replica parity, within `parity_atol`; the two-replica
  step runs eagerly: each replica still runs in its own thread with the same
  all-reduces, merge calls and replica slicing, and the one-replica reference
  is the traced float32 step, so graph and eager agree too. A traced
  MirroredStrategy step costs two replica traces; it is checked for the shared
  step in tests/models/test_dcgan_recipes.py, tests/models/test_base.py and the
  multi-worker tests);
- round-trips `get_config` -> `from_config` for the GAN and both networks;
- saves to `.keras` and loads back (with `safe_mode` on) with equal weights,
  optimizer state and compile configuration;
- resumes: trained, saved mid-way, loaded in a *new process* and trained on,
  it reaches the same weights as the uninterrupted run (the step after the
  save runs eagerly on both sides: what resumes is the saved state, and an
  eager step costs no tracing in the new process).

The checks share their fits (one traced model serves the float32 fit, the
one-replica reference, the save/load check and the uninterrupted run), and
the new process resumes while the other checks run.
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
    """What `gan.generate` takes for n images: the model protocol's `example_inputs`."""
    return gan.example_inputs(n, seed)


def _take(data, n):
    """The first n examples of images, or of an (images, labels) pair."""
    if isinstance(data, tuple):
        return tuple(part[:n] for part in data)
    return data[:n]


def _fit(gan, data, batch_size, epochs=1, steps=None, initial_epoch=0, eager=False):
    x, y = data if isinstance(data, tuple) else (data, None)
    if eager != gan.run_eagerly:
        gan.run_eagerly = eager
        gan.train_function = None  # the traced step of an earlier fit is not reused
    return gan.fit(
        x, y, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps,
        initial_epoch=initial_epoch, shuffle=False, verbose=0,
    )


def _check_history(history, where):
    for key in ("d_loss", "g_loss", "d_accuracy"):
        assert key in history.history, f"{where}: tracker {key!r} not reported"
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), f"{where}: {key} not finite: {values}"


def check_fit_mixed_policies(build_gan, data, batch_size, policies=POLICIES, strategy=None,
                             eager_policies=()):
    """The mixed policies fit, one step each (on one replica unless `strategy` is given):
    finite losses, trackers reported, finite samples, loss-scale optimizers under
    mixed_float16. (float32 fits in the replica-parity and resume checks.) The policies in
    `eager_policies` run their step eagerly."""
    strategy = strategy or tf.distribute.get_strategy()
    for policy in (p for p in policies if p != "float32"):
        gan = build_in(strategy, build_gan, policy)
        eager = policy in eager_policies
        where = f"{strategy.__class__.__name__}/{policy}{' (eager)' if eager else ''}"
        _check_history(_fit(gan, _take(data, batch_size), batch_size, eager=eager), where)
        images = gan.generate(example_inputs(gan, 2))
        assert np.all(np.isfinite(images)), f"{where}: generated images not finite"
        if policy == "mixed_float16":
            assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
            assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)


def check_fit_strategies_and_policies(build_gan, data, batch_size, policies=POLICIES):
    """float32 under the default strategy, the mixed policies under MirroredStrategy over
    two logical CPUs (loss scaling, casts and synchronized statistics across replicas)."""
    if "float32" in policies:
        gan = build_in(tf.distribute.get_strategy(), build_gan)
        _check_history(_fit(gan, data, batch_size), "default/float32")
    check_fit_mixed_policies(build_gan, data, batch_size, policies, strategy=two_cpu_strategy())


def check_replica_parity(build_gan, data, batch_size, atol=1e-5, reference=None, eager=False):
    """One step on one global batch: 1 replica and 2 replicas give the same weights.

    `reference`: the weights of a one-replica model after that step, if already at hand.
    `eager`: both steps run eagerly (the replicas still run in their own threads, with
    the same cross-replica reductions).
    """
    batch = _take(data, batch_size)
    if reference is None:
        gan = build_in(one_cpu_strategy(), build_gan)
        _fit(gan, batch, batch_size, eager=eager)
        reference = all_weights(gan)
    gan = build_in(two_cpu_strategy(), build_gan)
    _check_history(_fit(gan, batch, batch_size, eager=eager), "mirrored_2cpu/float32")
    assert_weights_close(reference, all_weights(gan), atol, "replica parity")


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
    return gan


def _check_loaded(gan, loaded):
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


def check_keras_round_trip(build_gan, data, batch_size, tmp_dir):
    gan = build_in(tf.distribute.get_strategy(), build_gan)
    _fit(gan, data, batch_size, steps=2)
    path = os.path.join(tmp_dir, "gan.keras")
    gan.save(path)
    _check_loaded(gan, keras.saving.load_model(path))  # safe_mode stays on


_RESUME_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    import kerasgan  # registers the serializable classes
    model_path, data_path, out_path, batch_size, steps, eager = sys.argv[1:7]
    model = keras.saving.load_model(model_path)
    model.run_eagerly = eager == "eager"
    data = np.load(data_path)
    labels = data["labels"] if "labels" in data.files else None
    model.fit(data["images"], labels, batch_size=int(batch_size), epochs=2, initial_epoch=1,
              steps_per_epoch=int(steps), shuffle=False, verbose=0)
    np.savez(out_path, **{f"{i}:{v.name}": v.numpy() for i, v in enumerate(model.weights)})
    """
)


def _resume_in_new_process(model_path, data, batch_size, steps, tmp_dir, eager=False):
    data_path = os.path.join(tmp_dir, "data.npz")
    out_path = os.path.join(tmp_dir, "resumed.npz")
    if isinstance(data, tuple):
        np.savez(data_path, images=data[0], labels=data[1])
    else:
        np.savez(data_path, images=data)
    python_path = os.pathsep.join([REPO_ROOT, os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=python_path)
    return subprocess.Popen(
        [sys.executable, "-c", _RESUME_SCRIPT, model_path, data_path, out_path,
         str(batch_size), str(steps), "eager" if eager else "traced"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ), out_path


def check_resume_equality(build_gan, data, batch_size, tmp_dir, steps=2, atol=1e-6):
    """Train 2*steps uninterrupted vs. steps, save, load in a new process, steps more."""
    gan = build_in(tf.distribute.get_strategy(), build_gan)
    data = _take(data, batch_size * steps)
    _fit(gan, data, batch_size, epochs=1)
    model_path = os.path.join(tmp_dir, "mid.keras")
    gan.save(model_path)
    proc, out_path = _resume_in_new_process(model_path, data, batch_size, steps, tmp_dir)
    _fit(gan, data, batch_size, epochs=2, initial_epoch=1)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"resume process failed:\n{stderr[-3000:]}"
    assert_weights_close(all_weights(gan), dict(np.load(out_path)), atol, "resume equality")


def check_export_parity(build_gan, tmp_dir, formats, gan=None):
    """Each export format reloads and matches the Keras generator (kerasgan.export verifies
    on a fixed batch) with named inputs, labels included for conditional models."""
    from kerasgan.export import export

    gan = gan or build_in(tf.distribute.get_strategy(), build_gan)
    for fmt in formats:
        results = export(gan, os.path.join(tmp_dir, "exports"), format=fmt, name=f"m_{fmt}")
        results = results if isinstance(results, list) else [results]
        endpoints = gan.serving_endpoints()
        assert len(results) == len(endpoints), (fmt, results, endpoints)
        for result, endpoint in zip(results, endpoints):
            network = endpoint.wrap(endpoint.network) if endpoint.wrap else endpoint.network
            expected = [t.name.split(":")[0] for t in network.inputs]
            assert result.input_names == expected, (fmt, result.input_names, expected)
            assert result.max_abs_diff <= 1e-4, (fmt, result.signature, result.max_abs_diff)


def run_gan_family_test(build_gan, data, tmp_dir, batch_size=4, policies=POLICIES,
                        parity_atol=1e-5, export_formats=()):
    """Runs every family-level check, sharing fits between them (the suite's cost).

    - config round trip (GAN and both networks);
    - a float32 run under the default strategy: one step (the one-replica reference of
      replica parity), saved to `.keras` and loaded back in this process (weights,
      optimizer state, compile config, samples), then one more step here and the same
      step in a *new process* from the saved file (resume equality);
    - the same first step under MirroredStrategy over two logical CPUs, eagerly (replica
      parity against the traced one-replica step);
    - one step of each mixed policy on one replica (mixed_float16 eagerly);
    - export parity of each format in `export_formats`.

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
    tmp_dir = str(tmp_dir)
    gan = check_config_round_trip(build_gan)
    gan = build_in(tf.distribute.get_strategy(), build_gan)
    batch = _take(data, batch_size)
    _check_history(_fit(gan, batch, batch_size, epochs=1), "default/float32")
    reference = all_weights(gan)
    model_path = os.path.join(tmp_dir, "mid.keras")
    gan.save(model_path)
    _check_loaded(gan, keras.saving.load_model(model_path))  # safe_mode stays on
    proc, out_path = _resume_in_new_process(model_path, batch, batch_size, 1, tmp_dir,
                                            eager=True)
    try:
        _fit(gan, batch, batch_size, epochs=2, initial_epoch=1, eager=True)
        check_replica_parity(build_gan, data, batch_size, parity_atol, reference=reference,
                             eager=True)
        check_fit_mixed_policies(build_gan, data, batch_size, policies,
                                 eager_policies=("mixed_float16",))
        if export_formats:
            check_export_parity(build_gan, tmp_dir, export_formats, gan=gan)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, f"resume process failed:\n{stderr[-3000:]}"
    assert_weights_close(all_weights(gan), dict(np.load(out_path)), 1e-6, "resume equality")


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


class GrowthRecorder(keras.callbacks.Callback):
    """Records after every training step of a growing model: the level of detail of its
    generator, discriminator and EMA generator, both learning rates and the generator
    optimizer's iteration count."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def on_train_batch_end(self, batch, logs=None):
        from kerasgan.models.base import inner_optimizer

        model = self.model
        self.rows.append({
            "lod": model.generator.lod, "d_lod": model.discriminator.lod,
            "ema_lod": model.ema_generator.lod,
            "g_learning_rate": float(inner_optimizer(model.g_optimizer).learning_rate),
            "d_learning_rate": float(inner_optimizer(model.d_optimizer).learning_rate),
            "g_iterations": int(inner_optimizer(model.g_optimizer).iterations),
        })
