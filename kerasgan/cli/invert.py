"""`kerasgan invert MODEL --image FILE`: the latent that reproduces an image (GAN inversion)."""

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
        "invert", help="find the latent that reproduces an image (GAN inversion)")
    parser.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    parser.add_argument("--image", required=True, help="the target image file")
    parser.add_argument("--steps", type=positive_int, default=300)
    parser.add_argument("--learning-rate", type=positive_float, default=0.05)
    parser.add_argument("--class", dest="label", type=int, default=None,
                        help="the target's class, for class-conditional models")
    parser.add_argument("--space", choices=("z", "w", "w+"), default="z",
                        help="the latent space to search: z, or for style-based generators w "
                        "(one w for every layer) or w+ (one w per layer; reconstructs best)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="inversion.png",
                        help="target | reconstruction PNG; the latent goes beside it as .npy")


def run(args):
    import numpy as np

    from kerasgan.data._image import BadImage, load_array
    from kerasgan.latent import invert
    from kerasgan.utils.images import save_image_grid

    if not os.path.isfile(args.image):
        raise CommandError(f"No such image file: {args.image!r}")
    model, _ = load_model(args.model)
    require_latents(model, args.model, "invert")
    label = class_label(model, args.label, args.model)
    requirements = model.data_requirements()
    try:
        target = load_array(args.image, requirements["image_size"], requirements["channels"])
    except BadImage as error:
        raise CommandError(f"Could not read {args.image!r} as an image: {error}") from None
    target = target[None].astype(np.float32) / 127.5 - 1.0
    try:
        result = invert(model, target, steps=args.steps, learning_rate=args.learning_rate,
                        labels=label, seed=args.seed, init="random", space=args.space)
    except ValueError as error:
        raise CommandError(f"{args.model}: {error}") from None
    make_parent_folder(args.out)
    save_image_grid(args.out, np.concatenate([target, result.images]), rows=1)
    latent_path = os.path.splitext(args.out)[0] + ".npy"
    np.save(latent_path, result.latents[0], allow_pickle=False)
    print(f"Inverted {args.image} through {args.model} in {args.space}: pixel MSE "
          f"{result.pixel_errors[0]:.4f} (images in [-1, 1]); wrote {args.out} and "
          f"{latent_path}")
    return 0
