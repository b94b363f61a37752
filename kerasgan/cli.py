"""The `kerasgan` command line.

TensorFlow is imported only inside the commands that need it, so
`kerasgan --help` answers at once.
"""

import argparse
import json
import os
import sys

STRATEGIES = ("auto", "default", "mirrored", "multiworker")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasgan",
        description="Train, sample and export generative adversarial networks with Keras 3.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    commands.add_parser("list", help="list the training recipes")

    train = commands.add_parser(
        "train",
        help="train a recipe with model.fit",
        description="Train a GAN recipe with model.fit on a data spec "
        "(shapes | folder:PATH | tfds:NAME[:split]).",
    )
    train.add_argument("recipe", help="recipe name (see `kerasgan list`)")
    train.add_argument("--data", default="shapes", help="data spec (default: shapes)")
    train.add_argument("--image-size", type=_positive_int, default=64)
    train.add_argument("--channels", type=int, choices=(1, 3), default=3)
    train.add_argument("--latent-dim", type=_positive_int, default=None)
    train.add_argument("--base-filters", type=_positive_int, default=None)
    train.add_argument("--batch-size", type=_positive_int, default=64, help="global batch size")
    train.add_argument("--epochs", type=_positive_int, default=5)
    train.add_argument("--steps-per-epoch", type=_positive_int, default=None)
    train.add_argument("--num-examples", type=_positive_int, default=None,
                       help="size of an epoch of the embedded shapes data")
    train.add_argument("--strategy", choices=STRATEGIES, default="auto",
                       help="auto: MirroredStrategy when several GPUs are visible")
    train.add_argument("--precision", choices=PRECISIONS, default="float32")
    train.add_argument("--ema-decay", type=float, default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--sample-every", type=_positive_int, default=1,
                       help="write a sample grid every N epochs")
    train.add_argument("--tensorboard", action="store_true", help="log to OUT/logs")
    train.add_argument("--out", default=None, help="output folder (default: runs/RECIPE)")
    return parser


def _make_strategy(name):
    import tensorflow as tf

    if name == "auto":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def _train(args):
    import keras

    from kerasgan import callbacks as gan_callbacks
    from kerasgan import data as gan_data
    from kerasgan.models.dcgan import build_recipe, get_recipe

    get_recipe(args.recipe)  # fail fast on an unknown name
    out = args.out or os.path.join("runs", args.recipe)
    os.makedirs(out, exist_ok=True)
    keras.mixed_precision.set_global_policy(args.precision)
    keras.utils.set_random_seed(args.seed)
    strategy = _make_strategy(args.strategy)

    data_options = {}
    if args.num_examples is not None:
        data_options["num_examples"] = args.num_examples
    dataset = gan_data.load(
        args.data, image_size=args.image_size, channels=args.channels,
        batch_size=args.batch_size, seed=args.seed, **data_options,
    )
    network_args = {"image_size": args.image_size, "channels": args.channels}
    if args.latent_dim:
        network_args["latent_dim"] = args.latent_dim
    if args.base_filters:
        network_args["base_filters"] = args.base_filters
    with strategy.scope():
        gan = build_recipe(
            args.recipe, gan={"ema_decay": args.ema_decay, "seed": args.seed}, **network_args
        )
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(gan.get_config(), f, indent=2)

    callbacks = [
        keras.callbacks.BackupAndRestore(os.path.join(out, "backup")),
        keras.callbacks.ModelCheckpoint(os.path.join(out, "checkpoint.keras")),
        gan_callbacks.SampleGrid(
            out_dir=os.path.join(out, "samples"), every_n_epochs=args.sample_every,
            seed=args.seed,
        ),
    ]
    if args.tensorboard:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            raise ValueError(
                "--tensorboard needs the tensorboard package: pip install 'kerasgan[tensorboard]'"
            ) from None
        log_dir = os.path.join(out, "logs")
        callbacks += [
            keras.callbacks.TensorBoard(log_dir),
            gan_callbacks.TensorBoardImages(log_dir, every_n_epochs=args.sample_every),
        ]
    history = gan.fit(
        dataset, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
        callbacks=callbacks, verbose=2,
    )
    gan.save(os.path.join(out, "model.keras"))
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump({k: [float(v) for v in vs] for k, vs in history.history.items()}, f, indent=2)
    print(f"Saved the trained model to {os.path.join(out, 'model.keras')} "
          f"and sample grids to {os.path.join(out, 'samples')}")
    return 0


def _list(_args):
    from kerasgan.models.dcgan.dcgan_recipes import RECIPE_ALIASES, RECIPES

    print(f"{'recipe':<10} {'loss':<15} {'d_steps':<8} description")
    for name, recipe in sorted(RECIPES.items()):
        c = recipe["compile"]
        print(f"{name:<10} {c['loss']:<15} {c['d_steps']:<8} {recipe['description']}")
    for alias, target in sorted(RECIPE_ALIASES.items()):
        print(f"{alias:<10} (alias of {target})")
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    handlers = {"list": _list, "train": _train}
    try:
        return handlers[args.command](args)
    except (ValueError, FileNotFoundError) as error:
        print(f"kerasgan {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
