"""`kerasgan export MODEL`: the generator as a SavedModel, ONNX or LiteRT file, verified."""

from kerasgan.cli._common import choose_endpoint, load_model, positive_int

NEEDS_TENSORFLOW = True
EXPORT_FORMATS = ("savedmodel", "onnx", "litert")


def add_parser(subparsers):
    parser = subparsers.add_parser("export", help="export the generator for serving")
    parser.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras file")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="savedmodel")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--name", default=None, help="model name (default: the entry's)")
    parser.add_argument("--version", type=positive_int, default=1,
                        help="SavedModel version folder (default 1)")
    parser.add_argument("--uint8", action="store_true", help="output uint8 images in 0-255")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the parity check against the Keras model")
    parser.add_argument("--direction", default=None, metavar="ENDPOINT",
                        help="models with several serving endpoints (e.g. a_to_b and b_to_a): "
                        "export this one only (default: all of them, each a named signature "
                        "or file)")
    parser.add_argument("--truncation", action="store_true",
                        help="add a `truncation` input (one threshold per example) that maps z "
                        "onto the truncated normal")


def run(args):
    from kerasgan.export import export

    model, name = load_model(args.model)
    if args.direction is not None:
        choose_endpoint(model, args.direction, args.model)  # one line naming the endpoints
    results = export(
        model, args.out, format=args.format, name=args.name or name, version=args.version,
        uint8=args.uint8, verify=not args.no_verify, truncation=args.truncation,
        endpoint=args.direction,
    )
    for result in results if isinstance(results, list) else [results]:
        parity = (f"; max |difference| to the Keras model {result.max_abs_diff:.2e}"
                  if result.max_abs_diff is not None else "")
        where = (f" (signature {result.signature})"
                 if result.signature != "serving_default" else "")
        print(f"Exported the generator of {args.model} as {args.format} to "
              f"{result.path}{where}{parity}")
    return 0
