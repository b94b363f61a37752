"""`kerasgan mix MODEL`: the style mixing figure of a style-based generator."""

from kerasgan.cli._common import (
    CommandError,
    load_model,
    make_parent_folder,
    positive_int,
    require_latents,
)

NEEDS_TENSORFLOW = True


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "mix", help="style mixing grid: coarse, middle and fine styles of row sources applied "
        "to column destinations (style-based generators)")
    parser.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    parser.add_argument("--destinations", type=positive_int, default=5,
                        help="columns: the images whose other styles are kept")
    parser.add_argument("--sources", type=positive_int, default=2,
                        help="rows per style group: the images whose styles are copied")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-truncation", action="store_true",
                        help="use w as mapped, without the generator's truncation")
    parser.add_argument("--out", default="style_mixing.png")


def run(args):
    from kerasgan.latent import style_mixing_grid
    from kerasgan.utils.images import save_image_grid

    model, _ = load_model(args.model)
    require_latents(model, args.model, "mix")
    generator = model.inference_network()
    try:
        images, labels = style_mixing_grid(generator, destinations=args.destinations,
                                           sources=args.sources, seed=args.seed,
                                           truncate=not args.no_truncation)
    except ValueError as error:
        raise CommandError(f"{args.model}: {error}") from None
    make_parent_folder(args.out)
    save_image_grid(args.out, images, cols=args.destinations + 1)
    groups = ", ".join(dict.fromkeys(labels[1:]))
    print(f"Wrote {args.out}: {len(labels)} rows (destinations, then {args.sources} sources "
          f"per group: {groups}) x {args.destinations + 1} columns.")
    return 0
