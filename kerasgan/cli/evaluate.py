"""`kerasgan evaluate MODEL`: sample quality (FSD/FID, KID, IS, precision/recall, accuracy)."""

import json
import os

from kerasgan.cli._common import (
    CommandError,
    load_model,
    make_parent_folder,
    num_classes,
    positive_int,
    require_latents,
)

NEEDS_TENSORFLOW = True


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate", help="measure sample quality (FSD/FID, KID, IS, precision/recall, accuracy)",
        description="Generates samples and compares them with real data through a feature "
        "extractor. fsd (Frechet Shapes Distance) uses kerasgan's shipped shapes classifier and "
        "runs offline; fid uses InceptionV3, whose weights must be given (--extractor-weights) "
        "or be in the download cache. Reference statistics are cached per data spec and "
        "extractor under $KERASGAN_HOME/stats.")
    parser.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    parser.add_argument("--metrics", default="fsd",
                        help="comma-separated: fsd, fid, kid, is, pr, accuracy (default fsd)")
    parser.add_argument("--data", default=None,
                        help="real data spec (default: the entry's training data, else shapes)")
    parser.add_argument("--num-samples", type=positive_int, default=10_000,
                        help="generated images (default 10000)")
    parser.add_argument("--reference-samples", type=positive_int, default=None,
                        help="real images (default: --num-samples)")
    parser.add_argument("--extractor", choices=("shapes", "inception"), default=None,
                        help="feature extractor for kid/is/pr (default: by metric and data)")
    parser.add_argument("--extractor-weights", default=None,
                        help="a local weights file for the extractor")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents")
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the real data")
    parser.add_argument("--batch-size", type=positive_int, default=100)
    parser.add_argument("--class", dest="label", type=int, default=None,
                        help="class of every sample, for class-conditional models")
    parser.add_argument("--no-ema", action="store_true", help="use the raw generator")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write cached reference statistics")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--out", default=None, help="write the report as JSON here")


def run(args):
    from kerasgan import presets
    from kerasgan.metrics.evaluation import evaluate, parse_metrics

    try:
        metrics = parse_metrics(args.metrics)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.extractor_weights is not None and not os.path.isfile(args.extractor_weights):
        raise CommandError(f"No such extractor weights file: {args.extractor_weights!r}")
    model, name = load_model(args.model)
    require_latents(model, args.model, "evaluate")
    if args.label is not None and not num_classes(model):
        raise CommandError(f"--class applies to class-conditional models; {args.model!r} is "
                           "unconditional.")
    data = args.data
    if data is None:
        try:
            data = presets.get_card(args.model).get("training", {}).get("settings", {}).get(
                "data") or "shapes"
        except Exception:  # a run folder or .keras file has no card
            data = "shapes"
    report = evaluate(
        model, metrics, data=data, num_samples=args.num_samples,
        reference_samples=args.reference_samples, extractor=args.extractor,
        extractor_weights=args.extractor_weights, seed=args.seed, data_seed=args.data_seed,
        batch_size=args.batch_size, labels=args.label, use_ema=not args.no_ema,
        use_cache=not args.no_cache, progress=not args.quiet,
    )
    report = {"model": name, **report}
    if args.out:
        make_parent_folder(args.out)
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    print(json.dumps(report["metrics"], indent=2))
    if args.out:
        print(f"Wrote the report to {args.out}")
    return 0
