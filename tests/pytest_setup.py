"""Loaded by pytest before collection (`-p tests.pytest_setup` in pyproject.toml).

- Two logical CPU devices, so MirroredStrategy runs on one CPU: this must happen
  before TensorFlow initializes its devices, i.e. before any module under test
  (the doctests of `kerasgan/` included) imports TensorFlow.
- Every docstring example runs in a fresh temporary folder (examples that export
  or save write there) with `$KERASGAN_HOME` in it, under the float32 policy.
- Tests marked `heavy` (family checks, kill drills, multi-worker runs: ten seconds
  and more each) run first, so the two xdist workers finish together instead of
  one of them running a long test alone at the end.
"""

import contextlib
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
if _cpus:
    # RuntimeError: devices were already initialized by an earlier import.
    with contextlib.suppress(RuntimeError):
        tf.config.set_logical_device_configuration(
            _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
        )

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _float32_policy():
    """Every test starts and ends under the float32 policy."""
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.fixture(autouse=True)
def _doctest_in_a_temporary_folder(request, tmp_path, monkeypatch):
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "kerasgan_home"))
        for name in ("KERASGAN_TIMEOUT", "KERASGAN_MIRROR"):  # examples may set them
            monkeypatch.delenv(name, raising=False)
        keras.utils.set_random_seed(0)
    yield


def pytest_collection_modifyitems(session, config, items):
    """Heavy tests first, otherwise in collection order (the same order on every worker)."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)
