"""`kerasgan interpolate MODEL`: images along a path between two latents (PNG strip or GIF)."""

import os

from kerasgan.cli._common import (
    CommandError,
    class_label,
    load_model,
    make_parent_folder,
    positive_float,
    positive_int,
    require_latents,
)

NEEDS_TENSORFLOW = True


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "interpolate", help="write an interpolation between two latents (PNG strip or GIF)")
    parser.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    parser.add_argument("--steps", type=positive_int, default=8,
                        help="images along the path, endpoints included (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the two endpoints")
    parser.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    parser.add_argument("--class", dest="label", type=int, default=None,
                        help="class of every image, for class-conditional models (default 0)")
    parser.add_argument("--truncation", type=positive_float, default=None,
                        help="draw the endpoints with the truncation trick")
    parser.add_argument("--out", default="interpolation.png",
                        help="a .png strip or an animated .gif (default interpolation.png)")


def run(args):
    from kerasgan.latent import interpolation_path, truncated_normal
    from kerasgan.utils.images import save_image_grid

    extension = os.path.splitext(args.out)[1].lower()
    if extension not in (".png", ".gif"):
        raise CommandError(f"--out must end in .png (a strip) or .gif (an animation). "
                           f"Received: --out {args.out}")
    if args.steps < 2:
        raise CommandError(f"--steps must be at least 2. Received: --steps {args.steps}")
    model, _ = load_model(args.model)
    require_latents(model, args.model, "interpolate")
    label = class_label(model, args.label, args.model)
    if args.truncation is not None:
        ends = truncated_normal((2, model.latent_dim), args.truncation, seed=args.seed)
    else:
        import tensorflow as tf

        ends = model.sample_latents(2, tf.constant([args.seed, 0], tf.int64)).numpy()
    method = args.method if model.latent_distribution == "normal" else "lerp"
    path = interpolation_path(ends[0], ends[1], args.steps, method=method)
    images = model.generate(path, labels=label)
    make_parent_folder(args.out)
    if extension == ".png":
        save_image_grid(args.out, images, rows=1)
    else:
        from PIL import Image

        from kerasgan.utils.images import to_uint8

        frames = [Image.fromarray(frame) for frame in to_uint8(images)]
        frames = frames + frames[-2:0:-1]  # there and back
        frames[0].save(args.out, save_all=True, append_images=frames[1:], duration=120, loop=0)
    print(f"Wrote a {args.steps}-step {method} interpolation of {args.model} to {args.out}")
    return 0
