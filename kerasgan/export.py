"""Export of generators for serving: SavedModel (TF Serving), ONNX and LiteRT.

What is exported is the model's `serving_endpoints()` (the model protocol of
`kerasgan.models.base`): each endpoint's network (the EMA copy where the model
has one), in inference mode and in float32 whatever policy it was trained
under: it is rebuilt from its config under the float32 policy and the weights
are copied (tf2onnx cannot convert bfloat16 graphs), and the endpoint's `wrap`
builds its serving graph around the rebuild. Inputs keep the network's
`keras.Input` names (`z`, `labels` for class-conditional generators, `image`
for image-to-image ones) with a dynamic batch; the output is named `images`.
Every export is reloaded with its own runtime and compared with the Keras
network.
"""

import dataclasses
import os
import tempfile
import warnings

import keras
import numpy as np
import tensorflow as tf

from kerasgan.utils.paths import path_under, validate_name

FORMATS = ("savedmodel", "onnx", "litert")
OUTPUT_NAME = "images"


@dataclasses.dataclass
class ExportResult:
    """What `export` wrote: its path, format, signature names and measured parity."""

    path: str
    format: str
    input_names: list
    output_name: str
    max_abs_diff: float | None
    signature: str = "serving_default"


def _resolve(model_or_preset):
    """(model, name): a preset reference is loaded; other models pass through."""
    if isinstance(model_or_preset, (str, os.PathLike)):
        from kerasgan.presets import from_preset, get_card

        name = get_card(model_or_preset).get("name") or os.path.basename(
            os.path.normpath(os.fspath(model_or_preset)))
        return from_preset(model_or_preset, compile=False), name
    if isinstance(model_or_preset, keras.Model):
        return model_or_preset, model_or_preset.name
    raise TypeError(
        "Expected a kerasgan GAN, a generator keras.Model, or a preset name, folder or URL. "
        f"Received: model_or_preset of type {type(model_or_preset).__name__}"
    )


def serving_endpoints(model, endpoint=None):
    """`(all endpoints, selected endpoints)` of a kerasgan model (its `serving_endpoints()`),
    or of a bare generator `keras.Model` (one `serving_default` endpoint of latents)."""
    from kerasgan.models.base import AdversarialModel, ServingEndpoint

    if isinstance(model, AdversarialModel):
        endpoints = list(model.serving_endpoints())
    else:
        endpoints = [ServingEndpoint("serving_default", model, latent=True)]
    if endpoint is None:
        return endpoints, endpoints
    names = [e.name for e in endpoints]
    if endpoint not in names:
        raise ValueError(f"`endpoint` must be one of {names} for a {type(model).__name__}. "
                         f"Received: endpoint={endpoint!r}")
    return endpoints, [endpoints[names.index(endpoint)]]


def float32_generator(generator):
    """A float32 copy of `generator` (rebuilt from its config, weights copied)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        copy = generator.__class__.from_config(generator.get_config())
    finally:
        keras.config.set_dtype_policy(previous)
    weights = generator.get_weights()
    if len(copy.weights) != len(weights):
        raise ValueError(
            f"Rebuilding {generator.name} from its config gave {len(copy.weights)} weights, "
            f"expected {len(weights)}; its get_config does not describe it fully."
        )
    copy.set_weights([np.asarray(w, dtype=np.float32) if np.asarray(w).dtype.kind == "f"
                      else w for w in weights])
    return copy


def _input_specs(generator):
    specs = []
    for tensor in generator.inputs:
        name = tensor.name.split(":")[0]
        dtype = tf.as_dtype(getattr(tensor, "dtype", "float32"))
        specs.append(tf.TensorSpec((None, *tensor.shape[1:]), dtype, name=name))
    return specs


TRUNCATION_NAME = "truncation"


def _truncate(args):
    from kerasgan.latent.truncation import truncate_latents

    z, threshold = args
    return truncate_latents(z, tf.reshape(threshold, [-1, 1]))


def _serving_model(generator, uint8, truncation=False):
    """A functional float32 model: named inputs -> `images` (float in [-1, 1] or uint8).

    With `truncation`, a last input `truncation` (float32, one threshold per
    example) maps `z` onto the truncated normal before the generator.
    """
    inputs = [keras.Input(spec.shape[1:], dtype=spec.dtype.name, name=spec.name)
              for spec in _input_specs(generator)]
    network_inputs = list(inputs)
    if truncation:
        threshold = keras.Input((), dtype="float32", name=TRUNCATION_NAME)
        network_inputs[0] = keras.layers.Lambda(_truncate, name="truncate_z")(
            [inputs[0], threshold])
        inputs.append(threshold)
    images = generator(network_inputs[0] if len(network_inputs) == 1 else network_inputs,
                       training=False)
    if uint8:
        images = keras.layers.Lambda(_to_uint8, name="to_uint8")(images)
    images = keras.layers.Identity(name=OUTPUT_NAME)(images)
    return keras.Model(inputs[0] if len(inputs) == 1 else inputs, images,
                       name=f"{generator.name}_serving")


def _to_uint8(images):
    scaled = tf.round((tf.cast(images, tf.float32) + 1.0) * 127.5)
    return tf.cast(tf.clip_by_value(scaled, 0.0, 255.0), tf.uint8)


def _fixed_inputs(specs, batch, seed=1234, num_classes=None):
    rng = np.random.default_rng(seed)
    values = []
    for spec in specs:
        shape = (batch, *spec.shape[1:])
        if spec.dtype.is_integer:
            high = num_classes or 2  # labels
            values.append(rng.integers(0, high, size=shape).astype(spec.dtype.as_numpy_dtype))
        elif spec.name == TRUNCATION_NAME:
            values.append(rng.uniform(0.3, 2.0, size=shape).astype(np.float32))
        else:
            values.append(rng.standard_normal(shape).astype(np.float32))
    return values


def _keras_signature(specs):
    """`Model.export`'s input_signature: one spec, or a list of specs as one argument."""
    return specs if len(specs) == 1 else [specs]


def _serving_fn(model):
    def serve(*args):
        return {OUTPUT_NAME: model(list(args) if len(args) > 1 else args[0], training=False)}

    return serve


def _write_savedmodel(models, path):
    """One SavedModel with an endpoint per `(signature name, model, input specs)` of
    `models`."""
    archive = keras.export.ExportArchive()
    for signature, model, specs in models:
        archive.track(model)
        archive.add_endpoint(signature, _serving_fn(model), input_signature=specs)
    archive.write_out(path, verbose=False)


def _run_savedmodel(path, specs, values, signature="serving_default"):
    loaded = tf.saved_model.load(path)
    signature = loaded.signatures[signature]
    feeds = {spec.name: tf.constant(v) for spec, v in zip(specs, values)}
    return signature(**feeds)[OUTPUT_NAME].numpy()


def _require(module, what):
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(
            f"{what} needs the `{module}` package: pip install \"kerasgan[export]\""
        ) from None


def _write_onnx(model, specs, path, opset):
    _require("tf2onnx", "ONNX export")
    onnx = _require("onnx", "ONNX export")
    with tempfile.TemporaryDirectory() as scratch:
        raw = os.path.join(scratch, "raw.onnx")
        model.export(raw, format="onnx", input_signature=_keras_signature(specs),
                     opset_version=opset, verbose=False)
        proto = onnx.load(raw)
    graph = proto.graph
    if len(graph.output) != 1:
        raise ValueError(f"Expected one ONNX output, found {[o.name for o in graph.output]}")
    old = graph.output[0].name
    if old != OUTPUT_NAME:
        for node in graph.node:
            node.output[:] = [OUTPUT_NAME if name == old else name for name in node.output]
            node.input[:] = [OUTPUT_NAME if name == old else name for name in node.input]
        graph.output[0].name = OUTPUT_NAME
    onnx.checker.check_model(proto)
    onnx.save(proto, path)


def _run_onnx(path, specs, values):
    ort = _require("onnxruntime", "ONNX parity checks")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {spec.name: v for spec, v in zip(specs, values)}
    return session.run([OUTPUT_NAME], feeds)[0]


def _write_litert(model, specs, path):
    model.export(path, format="litert", input_signature=_keras_signature(specs), verbose=False)


def _litert_interpreter(path):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # TensorFlow's own copy (deprecated, still in TF 2.21)
        Interpreter = tf.lite.Interpreter
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")
        return Interpreter(model_path=path)


def _run_litert(path, specs, values):
    interpreter = _litert_interpreter(path)
    details = interpreter.get_input_details()
    by_name = {}
    for detail in details:
        for spec, value in zip(specs, values):
            if spec.name in detail["name"]:
                by_name[detail["index"]] = value
    if len(by_name) != len(specs):
        # Names were not kept: fall back to the signature order.
        by_name = {d["index"]: v for d, v in zip(details, values)}
    for index, value in by_name.items():
        interpreter.resize_tensor_input(index, value.shape, strict=False)
    interpreter.allocate_tensors()
    for index, value in by_name.items():
        interpreter.set_tensor(index, value)
    interpreter.invoke()
    output = interpreter.get_output_details()[0]
    return interpreter.get_tensor(output["index"])


def export(model_or_preset, path, format="savedmodel", *, name=None, version=1, uint8=False,
           verify=True, atol=1e-4, opset=None, truncation=False, endpoint=None, direction=None):
    """Exports a generator for serving and checks the export against Keras.

    Args:
        model_or_preset: a kerasgan model (what its `serving_endpoints()`
            name: the EMA generator where it has one), a generator
            `keras.Model`, or a preset name, folder or URL.
        path: the output folder.
        format: `"savedmodel"` (TF Serving layout `path/name/version/` with a
            `serving_default` signature), `"onnx"` (`path/name.onnx`) or
            `"litert"` (`path/name.tflite`).
        name: the model name (default: the preset's or the model's name).
        version: the SavedModel version folder.
        uint8: output uint8 images in 0-255 instead of floats in [-1, 1].
        verify: reload the export with its runtime and compare it with the
            float32 Keras generator on a fixed batch.
        atol: the largest absolute difference `verify` accepts (in the output's
            units: 1e-4 for floats; uint8 outputs may differ by 1 from rounding).
        opset: the ONNX opset (default: tf2onnx's).
        truncation: add an input `truncation` (float32, shape [batch], one
            threshold per example) that maps `z` onto the normal truncated
            at that threshold (`kerasgan.latent.truncate_latents`, the
            deterministic inverse-CDF form of the truncation trick of Brock et
            al., 2019) before the generator. For endpoints of normal latents
            (`latent=True`).
        endpoint: the name of one of the model's serving endpoints to export
            (default: all of them). A model with several endpoints (the two
            directions `a_to_b` and `b_to_a` of a two-domain translation model)
            gets one SavedModel with a signature per endpoint, the first also
            `serving_default`, or one file per endpoint, `name_<endpoint>`,
            for ONNX and LiteRT.
        direction: the former name of `endpoint` (same meaning).

    Returns:
        An `ExportResult`; a list of them when several endpoints are exported
        (one per signature or file).

    Image-to-image models export `image` -> `images`: their generators in
    inference mode (dropout and batch norm as each generator's configuration
    says: by default no dropout and the moving statistics); an inpainting
    model's endpoint wraps its generator into the completed image (the
    prediction pasted into the input's hole).

    Examples:

    >>> import kerasgan
    >>> gan = kerasgan.from_preset("dcgan_shapes_32")   # named after the preset
    >>> result = export(gan, "exports", format="onnx")
    >>> result.path, result.input_names, result.output_name
    ('exports/dcgan_shapes_32.onnx', ['z'], 'images')
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown export format. Expected one of {FORMATS}. "
                         f"Received: format={format!r}")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"`version` must be a positive integer. Received: version={version!r}")
    if direction is not None and endpoint is not None and direction != endpoint:
        raise ValueError("`direction` is another name of `endpoint`; pass one of them. "
                         f"Received: endpoint={endpoint!r}, direction={direction!r}")
    model, default_name = _resolve(model_or_preset)
    name = validate_name(name or default_name, "export name (the `name` argument, else the "
                         "preset's or model's name)")
    endpoints, selected = serving_endpoints(model, endpoint or direction)
    several = len(endpoints) > 1
    if truncation and not all(e.latent for e in selected):
        raise ValueError("truncation=True applies to generators of normal latents. Received: "
                         f"{type(model).__name__} (endpoint "
                         f"{next(e.name for e in selected if not e.latent)!r})")

    serving = []  # (endpoint, serving model, input specs)
    for chosen in selected:
        source = float32_generator(chosen.network)
        if chosen.wrap is not None:
            source = chosen.wrap(source)
        specs = _input_specs(source)
        if truncation:
            specs.append(tf.TensorSpec((None,), tf.float32, name=TRUNCATION_NAME))
        serving.append((chosen, _serving_model(source, uint8, truncation), specs))

    os.makedirs(path, exist_ok=True)
    written = []  # (target, signature, runner, model, specs, endpoint)
    if format == "savedmodel":
        target = os.path.join(path, name, str(version))
        path_under(path, name, str(version))  # raises if it resolves outside `path`
        if os.path.isdir(target) and os.listdir(target):
            raise FileExistsError(
                f"The SavedModel version folder {target!r} exists and is not empty; TF Serving "
                "versions are immutable: pass another `version` or remove it."
            )
        signatures = [("serving_default", serving[0][1], serving[0][2])]
        if several:
            signatures += [(chosen.name, model_, specs) for chosen, model_, specs in serving
                           if chosen.name != "serving_default"]
        _write_savedmodel(signatures, target)
        for chosen, model_, specs in serving:
            signature = chosen.name if several else "serving_default"
            written.append((target, signature, _run_savedmodel, model_, specs, chosen))
    else:
        extension, writer, runner = {
            "onnx": (".onnx", lambda m, sp, t: _write_onnx(m, sp, t, opset), _run_onnx),
            "litert": (".tflite", _write_litert, _run_litert),
        }[format]
        for chosen, model_, specs in serving:
            stem = f"{name}_{chosen.name}" if several else name
            target = os.path.join(path, stem + extension)
            path_under(path, stem + extension)  # raises if it resolves outside `path`
            writer(model_, specs, target)
            written.append((target, "serving_default", runner, model_, specs, chosen))

    results = []
    for target, signature, runner, model_, specs, chosen in written:
        max_abs_diff = None
        if verify:
            max_abs_diff = _verify(target, signature, runner, model_, specs, format, uint8, atol,
                                   chosen.num_classes)
        results.append(ExportResult(target, format, [spec.name for spec in specs], OUTPUT_NAME,
                                    max_abs_diff, signature))
    return results if len(results) > 1 else results[0]


def _verify(target, signature, runner, model, specs, format, uint8, atol, num_classes):
    values = _fixed_inputs(specs, batch=3, num_classes=num_classes)
    if any(spec.name == "image" for spec in specs):  # images live in [-1, 1]
        values = [np.tanh(v) if spec.name == "image" else v for spec, v in zip(specs, values)]
    expected = np.asarray(model(values if len(values) > 1 else values[0], training=False))
    if runner is _run_savedmodel:
        received = np.asarray(runner(target, specs, values, signature))
    else:
        received = np.asarray(runner(target, specs, values))
    if received.shape != expected.shape:
        raise ValueError(
            f"The {format} export at {target} returned images of shape {received.shape}; "
            f"the Keras generator gives {expected.shape}."
        )
    max_abs_diff = float(np.max(np.abs(received.astype(np.float64)
                                       - expected.astype(np.float64))))
    limit = max(atol, 1.0) if uint8 else atol
    if max_abs_diff > limit:
        raise ValueError(
            f"The {format} export at {target} differs from the Keras generator by up to "
            f"{max_abs_diff:.3g} (> {limit:g})."
        )
    return max_abs_diff
