"""Generator export: SavedModel, ONNX and LiteRT, each reloaded by its own runtime."""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import tensorflow as tf
from PIL import Image

from kerasgan.export import export, float32_generator
from kerasgan.models.dcgan import build_recipe

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENT = 8


def _randomize(model, seed):
    """Kernels drawn with std 0.3, so images are O(1) and tolerances mean something."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.3, w.shape).astype(w.dtype) if w.ndim > 1 else w
                       for w in model.get_weights()])


def _tiny_gan():
    gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=LATENT,
                       gan={"ema_decay": 0.9, "seed": 0})
    # The EMA generator differs from the raw one, so the tests see which is exported.
    _randomize(gan.generator, 1)
    _randomize(gan.ema_generator, 2)
    return gan


def _latents(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, LATENT)).astype(np.float32)


@pytest.fixture(scope="module")
def gan():
    keras.mixed_precision.set_global_policy("float32")
    return _tiny_gan()


@pytest.fixture(scope="module")
def exports(gan, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    return out, {fmt: export(gan, str(out), format=fmt, name="tiny")
                 for fmt in ("savedmodel", "onnx", "litert")}


def _expected(gan, z, ema=True):
    generator = gan.ema_generator if ema else gan.generator
    return np.asarray(generator(z, training=False))


def test_every_format_reloads_within_tolerance(exports):
    out, results = exports
    assert results["savedmodel"].path == str(out / "tiny" / "1")
    assert results["onnx"].path == str(out / "tiny.onnx")
    assert results["litert"].path == str(out / "tiny.tflite")
    for result in results.values():
        assert result.input_names == ["z"] and result.output_name == "images"
        assert result.max_abs_diff is not None and result.max_abs_diff <= 1e-4


def test_onnx_names_dynamic_batch_and_ema(gan, exports):
    _, results = exports
    session = ort.InferenceSession(results["onnx"].path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["z"]
    assert [o.name for o in session.get_outputs()] == ["images"]
    for n in (1, 5):
        z = _latents(n, seed=n)
        images = session.run(["images"], {"z": z})[0]
        assert images.shape == (n, 32, 32, 3)
        np.testing.assert_allclose(images, _expected(gan, z), atol=1e-4)
        assert np.abs(images).mean() > 0.05  # images of real magnitude, not all ~0
        assert np.abs(images - _expected(gan, z, ema=False)).max() > 0.1  # not the raw G


def test_litert_runs_in_the_tflite_interpreter(gan, exports):
    _, results = exports
    interpreter = tf.lite.Interpreter(model_path=results["litert"].path)
    index = interpreter.get_input_details()[0]["index"]
    z = _latents(3, seed=9)
    interpreter.resize_tensor_input(index, z.shape, strict=False)
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, z)
    interpreter.invoke()
    images = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(images, _expected(gan, z), atol=1e-4)


def _saved_model_cli():
    found = shutil.which("saved_model_cli")
    if found:
        return [found]
    beside = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if os.path.exists(beside):
        return [beside]
    return [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]


def test_saved_model_cli_shows_the_serving_signature(exports):
    _, results = exports
    proc = subprocess.run([*_saved_model_cli(), "show", "--all", "--dir",
                           results["savedmodel"].path], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = proc.stdout
    section = text[text.index("signature_def['serving_default']"):]
    section = section[: section.find("signature_def[", 10) if "signature_def[" in section[10:]
                      else len(section)]
    assert "inputs['z'] tensor_info:" in section
    assert "dtype: DT_FLOAT" in section and f"shape: (-1, {LATENT})" in section
    assert "outputs['images'] tensor_info:" in section
    assert "shape: (-1, 32, 32, 3)" in section


def test_saved_model_loads_in_a_process_without_kerasgan(gan, exports, tmp_path):
    _, results = exports
    z = _latents(4, seed=4)
    np.save(tmp_path / "z.npy", z)
    code = (
        "import sys, numpy as np, tensorflow as tf\n"
        "model = tf.saved_model.load(sys.argv[1])\n"
        "out = model.signatures['serving_default'](z=tf.constant(np.load(sys.argv[2])))\n"
        "np.save(sys.argv[3], out['images'].numpy())\n"
        "print('kerasgan' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code, results["savedmodel"].path,
                           str(tmp_path / "z.npy"), str(tmp_path / "out.npy")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), _expected(gan, z), atol=1e-4)


def test_uint8_output(gan, tmp_path):
    result = export(gan, str(tmp_path), format="onnx", name="u8", uint8=True)
    session = ort.InferenceSession(result.path, providers=["CPUExecutionProvider"])
    z = _latents(2)
    images = session.run(["images"], {"z": z})[0]
    assert images.dtype == np.uint8
    reference = np.clip(np.round((_expected(gan, z) + 1) * 127.5), 0, 255)
    assert np.abs(images.astype(int) - reference).max() <= 1


def test_mixed_bfloat16_model_exports_in_float32(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        gan = build_recipe("dcgan", image_size=32, base_filters=4, latent_dim=LATENT)
        data = tf.data.Dataset.from_tensor_slices(
            np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 3)).astype(np.float32)).batch(4)
        gan.fit(data, epochs=1, verbose=0)
        assert gan.generator.layers[1].compute_dtype == "bfloat16"
        _randomize(gan.generator, 3)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    onnx_result = export(gan, str(tmp_path), format="onnx", name="bf16")
    saved = export(gan, str(tmp_path), format="savedmodel", name="bf16")
    model = onnx.load(onnx_result.path)
    dtypes = {t.type.tensor_type.elem_type for t in [*model.graph.input, *model.graph.output,
                                                     *model.graph.value_info]}
    dtypes |= {init.data_type for init in model.graph.initializer}
    assert onnx.TensorProto.BFLOAT16 not in dtypes and onnx.TensorProto.FLOAT16 not in dtypes
    reference = float32_generator(gan.generator)
    z = _latents(3)
    session = ort.InferenceSession(onnx_result.path, providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(["images"], {"z": z})[0],
                               np.asarray(reference(z, training=False)), atol=1e-4)
    assert saved.max_abs_diff <= 1e-4


def test_export_errors(gan, tmp_path):
    with pytest.raises(ValueError, match=r"Expected one of \('savedmodel', 'onnx', 'litert'\)\. "
                                         r"Received: format='torchscript'"):
        export(gan, str(tmp_path), format="torchscript")
    export(gan, str(tmp_path), format="savedmodel", name="m", verify=False)
    with pytest.raises(FileExistsError, match=r"m/1' exists and is not empty"):
        export(gan, str(tmp_path), format="savedmodel", name="m")
    assert export(gan, str(tmp_path), format="savedmodel", name="m", version=2).path.endswith(
        os.path.join("m", "2"))
    with pytest.raises(TypeError, match="Received: model_or_preset of type int"):
        export(3, str(tmp_path))


def test_export_a_preset_by_name(tmp_path):
    result = export("dcgan_shapes_32", str(tmp_path), format="onnx")
    assert result.path == str(tmp_path / "dcgan_shapes_32.onnx")
    assert result.max_abs_diff <= 1e-4


def test_onnx_infer_script_writes_a_grid(exports, tmp_path):
    _, results = exports
    out = tmp_path / "grid.png"
    proc = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "export", "onnx_infer.py"),
                           "--model", results["onnx"].path, "-n", "6", "--seed", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with Image.open(out) as image:
        assert image.size == (3 * 32 + 4 * 2, 2 * 32 + 3 * 2)


def test_rest_client_builds_a_tf_serving_request(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "export", "rest_client.py"),
                           "--model", "dcgan_shapes_32", "--latent-dim", "100", "-n", "3",
                           "--print-request"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "POST http://localhost:8501/v1/models/dcgan_shapes_32:predict"
    body = json.loads("\n".join(lines[1:]))
    assert body["signature_name"] == "serving_default"
    assert np.asarray(body["inputs"]["z"]).shape == (3, 100)


def test_models_config_serves_the_bundled_entries():
    import re

    from kerasgan import presets

    text = open(os.path.join(REPO_ROOT, "export", "models.config")).read()
    names = re.findall(r'name: "([^"]+)"', text)
    bundled = [n for n in presets.list_presets() if presets.get_card(n)["weights"]]
    assert sorted(names) == sorted(bundled)
    for name in names:
        assert f'base_path: "/models/{name}"' in text


def test_kerasgan_export_is_the_function(tmp_path, gan):
    import kerasgan
    import kerasgan.export as module  # noqa: F401  (importing the module keeps the function)

    assert callable(kerasgan.export)
    result = kerasgan.export(gan, str(tmp_path), format="onnx", name="f", verify=False)
    assert result.path.endswith("f.onnx") and result.max_abs_diff is None


@pytest.fixture(scope="module")
def two_way():
    """A tiny two-domain translation model: two serving endpoints, a_to_b and b_to_a."""
    from kerasgan.models import registry

    keras.mixed_precision.set_global_policy("float32")
    gan = registry.build("cyclegan", image_size=16, base_filters=2, num_blocks=1)
    for attribute in ("generator", "generator_ba"):  # the directions differ visibly
        _randomize(getattr(gan, attribute), 3 if attribute == "generator" else 4)
    return gan


def test_an_endpoint_exports_alone_and_direction_is_its_alias(two_way, tmp_path):
    assert [e.name for e in two_way.serving_endpoints()] == ["a_to_b", "b_to_a"]
    result = export(two_way, str(tmp_path), name="cg", endpoint="b_to_a")
    assert result.signature == "b_to_a" and result.input_names == ["image"]
    assert result.max_abs_diff <= 1e-4
    loaded = tf.saved_model.load(result.path)
    assert set(loaded.signatures) == {"serving_default", "b_to_a"}
    image = np.tanh(np.random.default_rng(0).normal(size=(2, 16, 16, 3))).astype(np.float32)
    served = loaded.signatures["serving_default"](image=tf.constant(image))["images"].numpy()
    np.testing.assert_allclose(served, two_way.translate(image, endpoint="b_to_a"), atol=1e-5)
    assert np.abs(served - two_way.translate(image, endpoint="a_to_b")).max() > 0.05
    again = export(two_way, str(tmp_path), name="cg", version=2, direction="b_to_a",
                   verify=False)
    assert again.signature == "b_to_a" and again.path.endswith(os.path.join("cg", "2"))


def test_endpoint_errors(two_way, gan, tmp_path):
    with pytest.raises(ValueError, match=r"`endpoint` must be one of \['a_to_b', 'b_to_a'\] "
                                         r"for a CycleGAN\. Received: endpoint='sideways'"):
        export(two_way, str(tmp_path), endpoint="sideways")
    with pytest.raises(ValueError, match=r"`direction` is another name of `endpoint`"):
        export(two_way, str(tmp_path), endpoint="a_to_b", direction="b_to_a")
    with pytest.raises(ValueError, match=r"truncation=True applies to generators of normal "
                                         r"latents\. Received: CycleGAN \(endpoint 'a_to_b'\)"):
        export(two_way, str(tmp_path), truncation=True)
    with pytest.raises(ValueError, match=r"must be one of \['serving_default'\]"):
        export(gan, str(tmp_path), direction="b_to_a")
    from kerasgan.models import GAN
    from tests.helpers import tiny_networks

    uniform = GAN(*tiny_networks(), latent_distribution="uniform")
    with pytest.raises(ValueError, match=r"applies to generators of normal latents\. "
                                         r"Received: GAN \(endpoint 'serving_default'\)"):
        export(uniform, str(tmp_path), truncation=True)
    assert not os.listdir(tmp_path)  # refused before anything was written


def _files_under(root):
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, dirs, names in os.walk(root) for name in names + dirs)


def test_export_names_cannot_leave_the_output_folder(gan, tmp_path, capsys):
    from kerasgan import cli, presets

    out = tmp_path / "area" / "out"
    for name in ("../escaped_export", "/abs/escaped", "a/b", ".."):
        before = _files_under(tmp_path)
        with pytest.raises(ValueError) as info:
            export(gan, str(out), format="savedmodel", name=name, verify=False)
        assert str(info.value).startswith("Invalid export name (the `name` argument, else the "
                                          "preset's or model's name) (")
        assert str(info.value).endswith(f"Received: name={name!r}")
        assert _files_under(tmp_path) == before  # refused before anything was written
    assert not out.exists()
    # A preset whose card names it '../escaped_export', exported by the command line.
    folder = tmp_path / "evil"
    presets.save_to_preset(gan, folder)
    card = json.loads((folder / "card.json").read_text())
    card["name"] = "../escaped_export"
    (folder / "card.json").write_text(json.dumps(card))
    before = _files_under(tmp_path)
    assert cli.main(["export", str(folder), "--out", str(out), "--format", "savedmodel",
                     "--no-verify"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"kerasgan export: error: Invalid preset name in card.json of "
                            f"{folder} (it contains a path separator)")
    assert "Received: name='../escaped_export'" in error
    assert _files_under(tmp_path) == before
    assert not (tmp_path / "area" / "escaped_export").exists()
