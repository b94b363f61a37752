"""`kerasgan sample MODEL`: a PNG grid of samples, or the translation of input images."""

import os

from kerasgan.cli._common import (
    CommandError,
    choose_endpoint,
    is_image_to_image,
    load_model,
    make_parent_folder,
    num_classes,
    positive_float,
    positive_int,
    require_model,
)

NEEDS_TENSORFLOW = True


def add_parser(subparsers):
    parser = subparsers.add_parser("sample", help="write a PNG grid of samples")
    parser.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras file")
    parser.add_argument("-n", "--num", type=positive_int, default=64, help="number of images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-ema", action="store_true", help="use the raw generator")
    parser.add_argument("--class", dest="label", type=int, default=None,
                        help="class of every image, for class-conditional models (default: "
                        "one row per class)")
    parser.add_argument("--truncation", type=positive_float, default=None,
                        help="the truncation trick: resample latents beyond this threshold "
                        "(normal latents; lower = less diverse, more typical)")
    parser.add_argument("--psi", type=float, default=None,
                        help="style-based models: the truncation strength in W, w_avg + psi "
                        "(w - w_avg), in place of the model's own; 1 turns it off, 0 "
                        "gives the average image")
    parser.add_argument("--input", default=None,
                        help="image-to-image models: an image file or a folder of images to "
                        "translate (an inpainting model fills each image's center)")
    parser.add_argument("--direction", default=None, metavar="ENDPOINT",
                        help="models with several serving endpoints (e.g. both directions of "
                        "a two-domain model: a_to_b, b_to_a): which one translates --input "
                        "(default: the first)")
    parser.add_argument("--grid", action="store_true",
                        help="with --input: write one PNG with each input beside its "
                        "translation instead of one image per input")
    parser.add_argument("--out", default=None,
                        help="PNG path (default samples.png); with --input FOLDER, the folder "
                        "of translated images (default translated/)")


def run(args):
    from kerasgan.utils.images import save_image_grid

    model, _ = load_model(args.model)
    require_model(model, args.model)
    if is_image_to_image(model):
        return _translate_files(model, args)
    if args.input is not None or args.grid:
        raise CommandError(f"--input and --grid apply to image-to-image models; {args.model!r} "
                           "generates from latents.")
    choose_endpoint(model, args.direction, args.model)  # validates --direction
    args.out = args.out or "samples.png"
    classes = num_classes(model)
    if args.label is not None and not classes:
        raise CommandError(f"--class applies to class-conditional models; {args.model!r} is "
                           "unconditional.")
    labels, grid = args.label, {}
    if classes and labels is None:  # one row per class
        import numpy as np

        grid["cols"] = -(-args.num // classes)
        labels = (np.arange(args.num) // grid["cols"]).astype("int32")
    images = model.generate(args.num, seed=args.seed, use_ema=not args.no_ema,
                            labels=labels, truncation=args.truncation,
                            psi=args.psi)
    make_parent_folder(args.out)
    save_image_grid(args.out, images, **grid)
    print(f"Wrote {args.num} samples of {args.model} to {args.out}")
    return 0


def _image_files(path):
    from kerasgan.data.folder import _image_files as listing

    if os.path.isdir(path):
        files = listing(path)
        if not files:
            raise CommandError(f"The --input folder {path!r} holds no image files "
                               "(.png, .jpg, .jpeg, .bmp, .gif, .webp).")
        return files, True
    if not os.path.isfile(path):
        raise CommandError(f"No such --input file or folder: {path!r}")
    return [path], False


def _translate_files(model, args):
    """`kerasgan sample` on an image-to-image model: translates the --input image(s)."""
    import numpy as np

    from kerasgan.data._image import BadImage, load_array
    from kerasgan.utils.images import save_image_grid, save_png, to_uint8

    what = type(model).__name__
    if args.input is None:
        raise CommandError(f"{args.model!r} is an image-to-image model ({what}): pass the "
                           "images to translate with --input FILE|FOLDER.")
    if args.label is not None or args.truncation is not None or args.psi is not None:
        raise CommandError(f"--class, --truncation and --psi do not apply to {what} models.")
    endpoint = choose_endpoint(model, args.direction, args.model)
    files, is_folder = _image_files(args.input)
    height, _, channels = (int(side) for side in endpoint.network.inputs[0].shape[1:])
    arrays = []
    for path in files:
        try:
            arrays.append(load_array(path, height, channels))
        except BadImage as error:
            raise CommandError(f"Cannot read --input image {path!r}: {error}") from None
    images = model.prepare_inputs(np.stack(arrays).astype(np.float32) / 127.5 - 1.0)
    outputs = model.translate(images, endpoint=endpoint.name, use_ema=not args.no_ema)
    if args.grid or not is_folder:
        out = args.out or ("translated.png" if not args.grid else "samples.png")
        make_parent_folder(out)
        if args.grid:
            from kerasgan.callbacks.sample_grid import before_after

            pairs, grid = before_after(images, outputs)
            save_image_grid(out, pairs, **grid)
        else:
            save_png(out, to_uint8(outputs)[0])
        print(f"Wrote the translation of {len(files)} image(s) by {args.model} to {out}")
        return 0
    out = args.out or "translated"
    if os.path.isfile(out):
        raise CommandError(f"--out {out!r} is a file; with an --input folder it must be a "
                           "folder.")
    os.makedirs(out, exist_ok=True)
    names = set()
    for path, image in zip(files, to_uint8(outputs)):
        stem = os.path.splitext(os.path.relpath(path, args.input))[0].replace(os.sep, "_")
        if stem in names:
            raise CommandError(f"Two --input images give the output name {stem}.png.")
        names.add(stem)
        save_png(os.path.join(out, f"{stem}.png"), image)
    print(f"Wrote {len(files)} translated images of {args.model} to {out}")
    return 0
