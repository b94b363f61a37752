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
    parser.add_argument("--psi-sweep", default=None, metavar="PSIS",
                        help="instead: the truncation psi sweep, one row per psi of the same "
                        "--destinations latents (e.g. 1,0.7,0.5,0,-0.5,-1: the paper's)")
    parser.add_argument("--out", default="style_mixing.png")


def run(args):
    from kerasgan.latent import style_mixing_grid
    from kerasgan.utils.images import save_image_grid

    model, _ = load_model(args.model)
    require_latents(model, args.model, "mix")
    generator = model.inference_network()
    if args.psi_sweep is not None:
        return _sweep(args, generator)
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


def _sweep(args, generator):
    from kerasgan.latent import truncation_sweep
    from kerasgan.utils.images import save_image_grid

    try:
        psis = [float(text) for text in args.psi_sweep.split(",")]
    except ValueError:
        raise CommandError(f"--psi-sweep takes comma-separated numbers such as "
                           f"1,0.7,0.5,0,-0.5,-1. Received: {args.psi_sweep!r}") from None
    try:
        images = truncation_sweep(generator, psis, num=args.destinations, seed=args.seed)
    except ValueError as error:
        raise CommandError(f"{args.model}: {error}") from None
    make_parent_folder(args.out)
    save_image_grid(args.out, images, cols=args.destinations)
    print(f"Wrote {args.out}: {len(psis)} rows (psi {', '.join(f'{p:g}' for p in psis)}) x "
          f"{args.destinations} latents.")
    return 0
