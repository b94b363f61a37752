"""The `kerasgan` command line: list | info | train | sample | export | evaluate | interpolate |
invert.

TensorFlow is imported only inside the commands that need it, so
`kerasgan --help` and `kerasgan list` answer at once. Every failure is one
line on stderr and exit status 2 (set KERASGAN_DEBUG=1 for the traceback).
"""

import argparse
import json
import os
import sys

STRATEGIES = ("auto", "none", "default", "mirrored", "multiworker")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
EXPORT_FORMATS = ("savedmodel", "onnx", "litert")
RUN_FILE = "run.json"
# Recipes whose networks are class-conditional (trained on labeled data).
CONDITIONAL_RECIPES = {
    "cgan": "Conditional GAN (Mirza & Osindero, 2014) on DCGAN networks; labeled data.",
    "sagan": "SAGAN (Zhang et al., 2019): self-attention, conditional BN, projection D, hinge.",
    "biggan": "BigGAN (Brock et al., 2019): skip-z, shared embedding, 2 D steps, G EMA.",
}
# Image-to-image recipes (trained on pairs, two domains, or images with a hole).
TRANSLATION_RECIPES = {
    "pix2pix": "Pix2Pix (Isola et al., 2017): U-Net, PatchGAN on pairs, GAN + 100 L1; "
               "paired data (shapes: edges -> image).",
    "cyclegan": "CycleGAN (Zhu et al., 2017): ResNet generators, PatchGANs, LSGAN, cycle + "
                "identity; unpaired data (shapes: domain A <-> B).",
    "context_encoder": "Context Encoder (Pathak et al., 2016): center inpainting, L2 + 0.001 "
                       "GAN; any images.",
}


class CommandError(Exception):
    """A user-facing error of a command (printed as one line)."""


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with where to get help), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser():
    parser = _Parser(
        prog="kerasgan",
        description="Train, sample and export generative adversarial networks with Keras 3.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    commands.add_parser("list", help="list the zoo entries and the training recipes")

    info = commands.add_parser("info", help="show a zoo entry's card")
    info.add_argument("preset", help="zoo entry name, preset folder or URL")
    info.add_argument("--json", action="store_true", help="print the card as JSON")

    train = commands.add_parser(
        "train",
        help="train a zoo entry, a config.json or a recipe with model.fit",
        description="Train with model.fit. TARGET is a zoo entry (trained from scratch with its "
        "card's recipe), a config.json written by kerasgan, or a recipe name (see `kerasgan "
        "list`). Running again with the same --out resumes: an interrupted run continues from "
        "its last epoch, a finished one trains on up to --epochs.",
    )
    train.add_argument("target", help="zoo entry, config.json or recipe")
    train.add_argument("--data", default=None,
                       help="data spec: shapes | folder:PATH | tfds:NAME[:split] "
                       "(default: the entry's dataset, else shapes)")
    train.add_argument("--image-size", type=_positive_int, default=None,
                       help="recipes only (default 64)")
    train.add_argument("--channels", type=int, choices=(1, 3), default=None,
                       help="recipes only (default 3)")
    train.add_argument("--latent-dim", type=_positive_int, default=None, help="recipes only")
    train.add_argument("--base-filters", type=_positive_int, default=None, help="recipes only")
    train.add_argument("--ema-decay", type=float, default=None, help="recipes only")
    train.add_argument("--batch-size", type=_positive_int, default=None,
                       help="global batch size (default: the entry's, else 64)")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="total epochs (default: the entry's, else 5)")
    train.add_argument("--steps-per-epoch", type=_positive_int, default=None)
    train.add_argument("--num-examples", type=_positive_int, default=None,
                       help="images per epoch of the embedded shapes data")
    train.add_argument("--strategy", choices=STRATEGIES, default="auto",
                       help="auto: MirroredStrategy when several GPUs are visible; "
                       "none (= default): no distribution")
    train.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="dtype policy (default float32)")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--jitter", action=argparse.BooleanOptionalAction, default=None,
                       help="pix2pix and CycleGAN: random resize-crop-flip of the training "
                       "images (default: on, as the official recipes)")
    train.add_argument("--direction", choices=("AtoB", "BtoA"), default=None,
                       help="pix2pix: AtoB translates each pair's A image (left half, A/ "
                       "folder, shapes map) into B; BtoA the reverse (default AtoB)")
    train.add_argument("--sample-every", type=_positive_int, default=1,
                       help="write a sample grid every N epochs")
    train.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, default=None,
                       help="log losses and sample images to OUT/logs (default: when the "
                       "tensorboard package is installed)")
    train.add_argument("--init-weights", default=None, metavar="MODEL",
                       help="start from the weights of MODEL (a zoo entry, preset folder, run "
                       "folder or .keras file of the same architecture) instead of random ones; "
                       "optimizer state starts fresh")
    train.add_argument("--out", default=None, help="output folder (default: runs/TARGET)")

    sample = commands.add_parser("sample", help="write a PNG grid of samples")
    sample.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras file")
    sample.add_argument("-n", "--num", type=_positive_int, default=64, help="number of images")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--no-ema", action="store_true", help="use the raw generator")
    sample.add_argument("--class", dest="label", type=int, default=None,
                        help="class of every image, for conditional models (default: one row "
                        "per class)")
    sample.add_argument("--truncation", type=_positive_float, default=None,
                        help="the truncation trick: resample latents beyond this threshold "
                        "(normal latents; lower = less diverse, more typical)")
    sample.add_argument("--input", default=None,
                        help="image-to-image models: an image file or a folder of images to "
                        "translate (a Context Encoder fills each image's center)")
    sample.add_argument("--direction", choices=("a_to_b", "b_to_a"), default="a_to_b",
                        help="CycleGAN: which generator translates --input (default a_to_b)")
    sample.add_argument("--grid", action="store_true",
                        help="with --input: write one PNG with each input beside its "
                        "translation instead of one image per input")
    sample.add_argument("--out", default=None,
                        help="PNG path (default samples.png); with --input FOLDER, the folder "
                        "of translated images (default translated/)")

    export = commands.add_parser("export", help="export the generator for serving")
    export.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras file")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="savedmodel")
    export.add_argument("--out", required=True, help="output folder")
    export.add_argument("--name", default=None, help="model name (default: the entry's)")
    export.add_argument("--version", type=_positive_int, default=1,
                        help="SavedModel version folder (default 1)")
    export.add_argument("--uint8", action="store_true", help="output uint8 images in 0-255")
    export.add_argument("--no-verify", action="store_true",
                        help="skip the parity check against the Keras model")
    export.add_argument("--direction", choices=("a_to_b", "b_to_a"), default=None,
                        help="CycleGAN: export one direction (default: both, named a_to_b and "
                        "b_to_a)")
    export.add_argument("--truncation", action="store_true",
                        help="add a `truncation` input (one threshold per example) that maps z "
                        "onto the truncated normal")
    interpolate = commands.add_parser(
        "interpolate", help="write an interpolation between two latents (PNG strip or GIF)")
    interpolate.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    interpolate.add_argument("--steps", type=_positive_int, default=8,
                             help="images along the path, endpoints included (default 8)")
    interpolate.add_argument("--seed", type=int, default=0, help="seeds the two endpoints")
    interpolate.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    interpolate.add_argument("--class", dest="label", type=int, default=None,
                             help="class of every image, for conditional models (default 0)")
    interpolate.add_argument("--truncation", type=_positive_float, default=None,
                             help="draw the endpoints with the truncation trick")
    interpolate.add_argument("--out", default="interpolation.png",
                             help="a .png strip or an animated .gif (default interpolation.png)")

    invert = commands.add_parser(
        "invert", help="find the latent that reproduces an image (GAN inversion)")
    invert.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    invert.add_argument("--image", required=True, help="the target image file")
    invert.add_argument("--steps", type=_positive_int, default=300)
    invert.add_argument("--learning-rate", type=_positive_float, default=0.05)
    invert.add_argument("--class", dest="label", type=int, default=None,
                        help="the target's class, for conditional models")
    invert.add_argument("--seed", type=int, default=0)
    invert.add_argument("--out", default="inversion.png",
                        help="target | reconstruction PNG; the latent goes beside it as .npy")

    evaluate = commands.add_parser(
        "evaluate", help="measure sample quality (FSD/FID, KID, IS, precision/recall, accuracy)",
        description="Generates samples and compares them with real data through a feature "
        "extractor. fsd (Frechet Shapes Distance) uses kerasgan's shipped shapes classifier and "
        "runs offline; fid uses InceptionV3, whose weights must be given (--extractor-weights) "
        "or be in the download cache. Reference statistics are cached per data spec and "
        "extractor under $KERASGAN_HOME/stats.")
    evaluate.add_argument("model", help="zoo entry, preset folder or URL, run folder or .keras")
    evaluate.add_argument("--metrics", default="fsd",
                          help="comma-separated: fsd, fid, kid, is, pr, accuracy (default fsd)")
    evaluate.add_argument("--data", default=None,
                          help="real data spec (default: the entry's training data, else shapes)")
    evaluate.add_argument("--num-samples", type=_positive_int, default=10_000,
                          help="generated images (default 10000)")
    evaluate.add_argument("--reference-samples", type=_positive_int, default=None,
                          help="real images (default: --num-samples)")
    evaluate.add_argument("--extractor", choices=("shapes", "inception"), default=None,
                          help="feature extractor for kid/is/pr (default: by metric and data)")
    evaluate.add_argument("--extractor-weights", default=None,
                          help="a local weights file for the extractor")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the latents")
    evaluate.add_argument("--data-seed", type=int, default=0, help="seed of the real data")
    evaluate.add_argument("--batch-size", type=_positive_int, default=100)
    evaluate.add_argument("--class", dest="label", type=int, default=None,
                          help="class of every sample, for conditional models")
    evaluate.add_argument("--no-ema", action="store_true", help="use the raw generator")
    evaluate.add_argument("--no-cache", action="store_true",
                          help="neither read nor write cached reference statistics")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.add_argument("--out", default=None, help="write the report as JSON here")
    return parser


# --------------------------------------------------------------------- helpers
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


def _read_json_file(path):
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as error:
        raise CommandError(f"{path} is not valid JSON: {error}") from None


def _load_model(target):
    """A model from a run folder, a .keras file, or a preset (name, folder, URL)."""
    from kerasgan import presets

    if os.path.isdir(target):
        for file_name in ("model.keras", "checkpoint.keras"):
            path = os.path.join(target, file_name)
            if os.path.isfile(path):
                return _load_keras_file(path), os.path.basename(os.path.normpath(target))
        if not os.path.isfile(os.path.join(target, presets.CARD_FILE)):
            raise CommandError(
                f"{target!r} holds no model.keras, checkpoint.keras or card.json (expected a "
                "run folder of `kerasgan train` or a preset folder)."
            )
    elif target.endswith(".keras"):
        if not os.path.isfile(target):
            raise CommandError(f"No such model file: {target!r}")
        return _load_keras_file(target), os.path.splitext(os.path.basename(target))[0]
    card = presets.get_card(target)
    return presets.from_preset(target, compile=False), card.get("name", target)


def _load_keras_file(path):
    import keras

    import kerasgan.models  # noqa: F401  (registers the serializable classes)

    return keras.saving.load_model(path, safe_mode=True)


# ------------------------------------------------------------------------ list
def _list(_args):
    from kerasgan import presets
    from kerasgan.models.dcgan.dcgan_recipes import RECIPE_ALIASES, RECIPES

    rows = [("name", "family", "size", "dataset", "weights", "metric")]
    for name in presets.list_presets():
        card = presets.get_card(name)
        metrics = card.get("metrics") or []
        metric = f"{metrics[0]['name']} {metrics[0]['value']:.3g}" if metrics else "-"
        rows.append((
            name, card.get("family", "?"), f"{card.get('resolution', '?')}px",
            card.get("dataset", {}).get("spec", "?"),
            "yes" if card.get("weights") else "no", metric,
        ))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    print("Zoo entries (kerasgan info NAME for details):")
    for row in rows:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    print("\nTraining recipes on the DCGAN networks (kerasgan train RECIPE):")
    for name, recipe in sorted(RECIPES.items()):
        c = recipe["compile"]
        print(f"  {name:<9} {c['loss']:<15} d_steps={c['d_steps']}  {recipe['description']}")
    for alias, target in sorted(RECIPE_ALIASES.items()):
        print(f"  {alias:<9} alias of {target}")
    for name, description in sorted(CONDITIONAL_RECIPES.items()):
        print(f"  {name:<9} {'non_saturating':<15} d_steps=1  {description}")
    print("\nImage-to-image recipes (kerasgan train RECIPE; sample with --input):")
    for name, description in sorted(TRANSLATION_RECIPES.items()):
        print(f"  {name:<15} {description}")
    return 0


# ------------------------------------------------------------------------ info
def _info(args):
    from kerasgan import presets

    card = presets.get_card(args.preset)
    if args.json:
        print(json.dumps(card, indent=2))
        return 0
    print(f"{card.get('name', args.preset)}: {card.get('description', '')}")
    paper = card.get("paper")
    if paper:
        print(f"  paper:    {paper.get('title')} ({paper.get('authors')}, {paper.get('year')}) "
              f"{paper.get('url', '')}".rstrip())
    if card.get("reference_implementation"):
        print(f"  official: {card['reference_implementation']}")
    dataset = card.get("dataset", {})
    print(f"  family:   {card.get('family')}, {card.get('resolution')}px, "
          f"dataset {dataset.get('spec')}")
    if card.get("parameters"):
        print("  params:   " + ", ".join(f"{k} {v:,}" for k, v in card["parameters"].items()))
    weights = card.get("weights")
    if weights:
        print(f"  weights:  {weights['file']} ({weights.get('size', 0):,} bytes, "
              f"sha256 {weights['sha256']})")
    else:
        print(f"  weights:  none published. {card.get('weights_note', '')}".rstrip())
    training = card.get("training", {})
    if training.get("command"):
        print(f"  train:    {training['command']}")
    if training.get("hardware") or training.get("duration_seconds"):
        print(f"  trained:  {training.get('duration_seconds', '?')} s on "
              f"{training.get('hardware', '?')}")
    for metric in card.get("metrics") or []:
        print(f"  metric:   {metric['name']} = {metric['value']:.4g} "
              f"({metric.get('protocol', '')})")
    if card.get("license"):
        print(f"  license:  {card['license']}")
    return 0


# ----------------------------------------------------------------------- train
def _training_defaults(target):
    """(kind, location, defaults) for a train target; defaults come from a card or run file."""
    from kerasgan import presets
    from kerasgan.models.dcgan.dcgan_recipes import RECIPE_ALIASES, RECIPES

    if target.endswith(".json"):
        if not os.path.isfile(target):
            raise CommandError(f"No such config file: {target!r}")
        folder = os.path.dirname(os.path.abspath(target))
        for side in (presets.CARD_FILE, RUN_FILE):
            path = os.path.join(folder, side)
            if os.path.isfile(path) and os.path.abspath(path) != os.path.abspath(target):
                return "config", target, _read_json_file(path).get("training", {})
        return "config", target, {}
    if (target in RECIPES or target in RECIPE_ALIASES or target in CONDITIONAL_RECIPES
            or target in TRANSLATION_RECIPES):
        return "recipe", target, {}
    try:
        card = presets.get_card(target)
    except ValueError as error:
        raise CommandError(
            f"{error} Training recipes are also accepted: "
            f"{', '.join(sorted([*RECIPES, *CONDITIONAL_RECIPES, *TRANSLATION_RECIPES]))}."
        ) from None
    return "preset", target, card.get("training", {})


def _build_conditional_recipe(target, network_args, args, settings):
    from kerasgan.data import describe

    num_classes = describe(settings["data"]).get("num_classes")
    if not num_classes:
        raise CommandError(
            f"The recipe {target!r} is class-conditional and needs labeled data (shapes, a "
            f"folder with one subfolder per class, or a TFDS dataset with labels). Received: "
            f"--data {settings['data']} (no classes)."
        )
    if target == "sagan":
        from kerasgan.models.sagan import build_sagan

        image_size = network_args.get("image_size", 64)
        # The official 128x128 model attends at 32x32: a quarter of the image side. Its
        # batch-norm momentum (0.9999) is for million-step runs: recipes use 0.99.
        return build_sagan(num_classes, ema_decay=args.ema_decay, seed=settings["seed"],
                           attention_resolution=image_size // 4, batch_norm_momentum=0.99,
                           **network_args)
    if target == "biggan":
        from kerasgan.models.biggan import build_biggan

        image_size = network_args.get("image_size", 64)
        # The official 128x128 model attends at 64x64: half the image side.
        ema = {} if args.ema_decay is None else {"ema_decay": args.ema_decay}
        return build_biggan(num_classes, seed=settings["seed"],
                            attention_resolution=image_size // 2, **ema, **network_args)
    from kerasgan.models.conditional import build_cgan

    return build_cgan(num_classes, ema_decay=args.ema_decay, seed=settings["seed"],
                      **network_args)


def _build_translation_recipe(target, network_args, settings):
    if "latent_dim" in network_args:
        raise CommandError(f"--latent-dim does not apply to {target!r}: image-to-image models "
                           "take images, not latents.")
    size = network_args["image_size"]
    common = {"base_filters": network_args.get("base_filters", 64), "seed": settings["seed"]}
    channels = network_args.get("channels", 3)
    if target != "context_encoder":
        # The 70x70 PatchGAN (3 layers) needs 24 px and more; smaller images get fewer layers.
        common["d_layers"] = 3 if size >= 24 else (2 if size >= 12 else 1)
    if target == "pix2pix":
        from kerasgan.models.pix2pix import build_pix2pix

        return build_pix2pix(image_size=size, input_channels=channels,
                             output_channels=channels, **common)
    if target == "cyclegan":
        from kerasgan.models.cyclegan import build_cyclegan

        # The official recipes: 9 residual blocks at 256x256, 6 below.
        return build_cyclegan(image_size=size, channels_a=channels, channels_b=channels,
                              num_blocks=9 if size >= 256 else 6, **common)
    from kerasgan.models.context_encoder import build_context_encoder

    return build_context_encoder(image_size=size, channels=channels, **common)


def _translation_data(gan, settings, data_options):
    """(training dataset, 8 fixed example inputs) of an image-to-image model."""
    from kerasgan import data as gan_data

    size = int(gan.image_shape[0])
    common = {"image_size": size, "seed": settings["seed"], **data_options}
    family = type(gan).__name__
    if settings.get("direction") and family != "Pix2Pix":
        raise CommandError(f"--direction applies to pix2pix models; this is a {family}.")
    if settings.get("jitter") is not None and family == "ContextEncoder":
        raise CommandError("--jitter applies to pix2pix and CycleGAN models.")
    if family == "ContextEncoder":
        load = lambda **kw: gan_data.load_inpainting(  # noqa: E731
            settings["data"], hole_size=gan.hole_size, overlap=gan.overlap, **kw)
        jitter = {}
    else:
        if family == "Pix2Pix":
            direction = settings.get("direction") or "AtoB"
            load = lambda **kw: gan_data.load_paired(  # noqa: E731
                settings["data"], direction=direction, **kw)
        else:
            load = lambda **kw: gan_data.load_unpaired(settings["data"], **kw)  # noqa: E731
        jitter = {"jitter": settings.get("jitter", True)}
    dataset = load(batch_size=settings["batch_size"], **jitter, **common)
    try:  # 8 fixed inputs for the sample grids, or one batch of a smaller dataset
        fixed = load(batch_size=8, shuffle=False, **common)
    except ValueError:
        fixed = load(batch_size=settings["batch_size"], shuffle=False, **common)
    fixed = next(iter(fixed))[0].numpy()
    return dataset, fixed


def _linear_decay(gan, strategy, steps, epochs):
    """Re-compiles a new pix2pix / CycleGAN run with the official linear decay: the base rate
    for the first half of the epochs, then linearly to 0."""
    from kerasgan.models.translation import translation_optimizers

    base = float(keras_value(gan.g_optimizer.learning_rate))
    total = steps * epochs
    with strategy.scope():
        gan.compile(**translation_optimizers(base, constant_steps=total // 2,
                                             decay_steps=max(1, total - total // 2)))
    print(f"Learning rate {base:g}, constant for {total // 2} steps, then linearly to 0 at "
          f"step {total}.")


def keras_value(value):
    return value.numpy() if hasattr(value, "numpy") else value


def _build_for_training(kind, target, args, defaults, settings):
    """Builds and compiles the model to train (inside the current strategy scope)."""
    import keras

    from kerasgan import presets
    from kerasgan.models.dcgan import build_recipe

    network_flags = {
        "image_size": args.image_size, "channels": args.channels,
        "latent_dim": args.latent_dim, "base_filters": args.base_filters,
    }
    given = [f"--{k.replace('_', '-')}" for k, v in network_flags.items() if v is not None]
    if args.ema_decay is not None:
        given.append("--ema-decay")
    if kind == "recipe":
        network_args = {k: v for k, v in network_flags.items() if v is not None}
        network_args.setdefault("image_size", 64)
        if target in CONDITIONAL_RECIPES:
            return _build_conditional_recipe(target, network_args, args, settings)
        if target in TRANSLATION_RECIPES:
            return _build_translation_recipe(target, network_args, settings)
        return build_recipe(target, gan={"ema_decay": args.ema_decay, "seed": args.seed or 0},
                            **network_args)
    if given:
        raise CommandError(
            f"{', '.join(given)} apply to recipes only; {target!r} fixes its architecture "
            "(edit its config.json to change it)."
        )
    if kind == "preset":
        return presets.from_preset(target, load_weights=False, compile=True)
    import kerasgan.models  # noqa: F401

    config = _read_json_file(target)
    if not isinstance(config, dict) or "class_name" not in config:
        raise CommandError(
            f"{target!r} is not a serialized kerasgan model (expected the config.json written by "
            "`kerasgan train` or `kerasgan.save_to_preset`, with 'class_name' and 'config')."
        )
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if defaults.get("compile"):
        model.compile_from_config(defaults["compile"])
    else:
        model.compile()
    return model


def _init_weights(gan, source):
    """Copies the weights of `source` (same architecture) into the freshly built `gan`."""
    model, _ = _load_model(source)
    mine, theirs = gan.weights, model.weights
    shapes = [tuple(w.shape) for w in mine], [tuple(w.shape) for w in theirs]
    if type(model) is not type(gan) or shapes[0] != shapes[1]:
        raise CommandError(
            f"--init-weights {source!r} is a {type(model).__name__} with {len(theirs)} weights; "
            f"the model to train is a {type(gan).__name__} with {len(mine)}: the architectures "
            "must be the same.")
    for target, value in zip(mine, theirs):
        target.assign(value)
    print(f"Initialized the weights from {source}.")


def _check_resume(out, target):
    """The run file of a previous run in `out`, checking it trained the same target."""
    run_path = os.path.join(out, RUN_FILE)
    if not os.path.isfile(run_path):
        return None
    run = _read_json_file(run_path)
    if run.get("target") != target:
        raise CommandError(
            f"{out!r} holds a run of {run.get('target')!r}, not {target!r}; pass another --out."
        )
    return run


def _train(args):
    import keras

    from kerasgan import callbacks as gan_callbacks
    from kerasgan import data as gan_data

    kind, target, defaults = _training_defaults(args.target)
    default_name = os.path.splitext(os.path.basename(os.path.normpath(target)))[0]
    out = args.out or os.path.join("runs", default_name)
    previous = _check_resume(out, args.target)
    settings = dict(defaults.get("settings") or {})
    if previous:
        settings.update(previous["settings"])
    for key in ("data", "batch_size", "num_examples", "precision", "seed", "steps_per_epoch",
                "jitter", "direction"):
        value = getattr(args, key)
        if value is not None:
            if previous and key != "steps_per_epoch" and value != previous["settings"].get(key):
                raise CommandError(
                    f"{out!r} was trained with {key}={previous['settings'].get(key)!r}; resuming "
                    f"with {key}={value!r} would not continue the same run. Pass another --out."
                )
            settings[key] = value
    settings.setdefault("data", "shapes")
    settings.setdefault("batch_size", 64)
    settings.setdefault("precision", "float32")
    settings.setdefault("seed", 0)
    epochs = args.epochs or defaults.get("epochs") or 5
    args.seed = settings["seed"]

    done = previous.get("epochs_done", 0) if previous else 0
    model_path = os.path.join(out, "model.keras")
    if previous and done >= epochs and os.path.isfile(model_path):
        print(f"{out} already holds {done} trained epochs of {args.target}; pass --epochs "
              f"greater than {done} to train on.")
        return 0

    os.makedirs(out, exist_ok=True)
    keras.mixed_precision.set_global_policy(settings["precision"])
    keras.utils.set_random_seed(settings["seed"])
    strategy = _make_strategy(args.strategy)
    with strategy.scope():
        if previous and done and os.path.isfile(model_path):
            gan = _load_keras_file(model_path)
            print(f"Resuming {args.target} from {model_path} at epoch {done}.")
        else:
            done = 0
            gan = _build_for_training(kind, target, args, defaults, settings)
            if args.init_weights:
                _init_weights(gan, args.init_weights)
                settings["init_weights"] = args.init_weights

    image_size = int(gan.generator.outputs[0].shape[1])
    channels = int(gan.generator.outputs[0].shape[-1])
    data_options = {}
    if settings.get("num_examples") is not None:
        data_options["num_examples"] = settings["num_examples"]
    fixed_inputs = None
    translation = getattr(gan, "translation", False)
    if translation:
        dataset, fixed_inputs = _translation_data(gan, settings, data_options)
        if not done and type(gan).__name__ in ("Pix2Pix", "CycleGAN"):
            steps = settings.get("steps_per_epoch") or int(dataset.cardinality())
            _linear_decay(gan, strategy, steps, epochs)
    else:
        for key in ("jitter", "direction"):
            if settings.get(key) is not None:
                raise CommandError(f"--{key} applies to image-to-image models.")
        dataset = gan_data.load(
            settings["data"], image_size=image_size, channels=channels,
            labels=bool(getattr(gan, "num_classes", None)),
            batch_size=settings["batch_size"], seed=settings["seed"], **data_options,
        )
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(keras.saving.serialize_keras_object(gan), f, indent=2)

    def write_run(epochs_done):
        run = {
            "target": args.target,
            "settings": settings,
            "epochs_done": epochs_done,
            "training": {"compile": gan.get_compile_config(), "settings": settings,
                         "epochs": epochs},
        }
        tmp = os.path.join(out, RUN_FILE + ".tmp")
        with open(tmp, "w") as f:
            json.dump(run, f, indent=2)
        os.replace(tmp, os.path.join(out, RUN_FILE))

    write_run(done)
    callbacks = [
        keras.callbacks.BackupAndRestore(os.path.join(out, "backup")),
        keras.callbacks.ModelCheckpoint(os.path.join(out, "checkpoint.keras")),
        gan_callbacks.SampleGrid(
            out_dir=os.path.join(out, "samples"), every_n_epochs=args.sample_every,
            seed=settings["seed"], latents=fixed_inputs,
        ),
    ]
    if args.tensorboard is not False:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            if args.tensorboard:
                raise CommandError("--tensorboard needs the tensorboard package: "
                                   "pip install 'kerasgan[tensorboard]'") from None
            args.tensorboard = False
    if args.tensorboard is not False:
        log_dir = os.path.join(out, "logs")
        callbacks += [
            keras.callbacks.TensorBoard(log_dir),
            gan_callbacks.TensorBoardImages(log_dir, every_n_epochs=args.sample_every,
                                            latents=fixed_inputs),
        ]
    verbose = 1 if sys.stdout.isatty() else 2
    history = gan.fit(
        dataset, epochs=epochs, initial_epoch=done, steps_per_epoch=settings.get(
            "steps_per_epoch"), callbacks=callbacks, verbose=verbose,
    )
    gan.save(model_path)
    write_run(epochs)
    history_path = os.path.join(out, "history.json")
    past = _read_json_file(history_path) if done and os.path.isfile(history_path) else {}
    for key, values in history.history.items():
        past.setdefault(key, []).extend(float(v) for v in values)
    with open(history_path, "w") as f:
        json.dump(past, f, indent=2)
    print(f"Saved the trained model to {model_path} and sample grids to "
          f"{os.path.join(out, 'samples')}")
    return 0


# ---------------------------------------------------------------------- sample
def _sample(args):
    from kerasgan.utils.images import save_image_grid

    model, _ = _load_model(args.model)
    if not hasattr(model, "generate"):
        raise CommandError(f"{args.model!r} is not a kerasgan GAN (it has no generate()).")
    if getattr(model, "translation", False):
        return _translate_files(model, args)
    if args.input is not None or args.grid:
        raise CommandError(f"--input and --grid apply to image-to-image models; {args.model!r} "
                           "generates from latents.")
    args.out = args.out or "samples.png"
    if args.label is not None and not getattr(model, "num_classes", None):
        raise CommandError(f"--class applies to class-conditional models; {args.model!r} is "
                           "unconditional.")
    labels, grid = args.label, {}
    num_classes = getattr(model, "num_classes", None)
    if num_classes and labels is None:  # one row per class
        import numpy as np

        grid["cols"] = -(-args.num // num_classes)
        labels = (np.arange(args.num) // grid["cols"]).astype("int32")
    images = model.generate(args.num, seed=args.seed, use_ema=not args.no_ema,
                            labels=labels, truncation=args.truncation)
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    save_image_grid(args.out, images, **grid)
    print(f"Wrote {args.num} samples of {args.model} to {args.out}")
    return 0


def _needs_latents(model, what, command):
    if getattr(model, "translation", False):
        raise CommandError(
            f"`kerasgan {command}` works on generators of latents; {what!r} is an "
            f"image-to-image model ({type(model).__name__}): translate images with "
            "`kerasgan sample MODEL --input FILE|FOLDER`.")


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
    """`kerasgan sample` on an image-to-image model: translates --input image(s)."""
    import numpy as np

    from kerasgan.data._image import BadImage, load_array
    from kerasgan.utils.images import save_image_grid, save_png, to_uint8

    what = type(model).__name__
    if args.input is None:
        raise CommandError(f"{args.model!r} is an image-to-image model ({what}): pass the "
                           "images to translate with --input FILE|FOLDER.")
    if args.label is not None or args.truncation is not None:
        raise CommandError(f"--class and --truncation do not apply to {what} models.")
    files, is_folder = _image_files(args.input)
    height, width, channels = model.image_shape
    arrays = []
    for path in files:
        try:
            arrays.append(load_array(path, height, channels))
        except BadImage as error:
            raise CommandError(f"Cannot read --input image {path!r}: {error}") from None
    images = np.stack(arrays).astype(np.float32) / 127.5 - 1.0
    if hasattr(model, "mask_center"):
        images = model.mask_center(images)
    kwargs = {"direction": args.direction} if hasattr(model, "direction_generator") else {}
    outputs = model.translate(images, **kwargs)
    if args.grid or not is_folder:
        out = args.out or ("translated.png" if not args.grid else "samples.png")
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
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


# ---------------------------------------------------------------------- export
def _export(args):
    from kerasgan.export import export

    model, name = _load_model(args.model)
    if args.direction is not None and not hasattr(model, "direction_generator"):
        raise CommandError(f"--direction applies to CycleGAN models; {args.model!r} is a "
                           f"{type(model).__name__}.")
    results = export(
        model, args.out, format=args.format, name=args.name or name, version=args.version,
        uint8=args.uint8, verify=not args.no_verify, truncation=args.truncation,
        direction=args.direction,
    )
    for result in results if isinstance(results, list) else [results]:
        parity = (f"; max |difference| to the Keras model {result.max_abs_diff:.2e}"
                  if result.max_abs_diff is not None else "")
        where = (f" (signature {result.signature})"
                 if result.signature != "serving_default" else "")
        print(f"Exported the generator of {args.model} as {args.format} to "
              f"{result.path}{where}{parity}")
    return 0


# ----------------------------------------------------------- interpolate / invert
def _conditional_label(model, label, what):
    classes = getattr(model, "num_classes", None)
    if label is not None and not classes:
        raise CommandError(f"--class applies to class-conditional models; {what!r} is "
                           "unconditional.")
    if label is not None and not 0 <= label < classes:
        raise CommandError(f"--class must be in [0, {classes}). Received: --class {label}")
    return (label or 0) if classes else None


def _interpolate(args):
    from kerasgan.latent import interpolation_path, truncated_normal
    from kerasgan.utils.images import save_image_grid

    extension = os.path.splitext(args.out)[1].lower()
    if extension not in (".png", ".gif"):
        raise CommandError(f"--out must end in .png (a strip) or .gif (an animation). "
                           f"Received: --out {args.out}")
    if args.steps < 2:
        raise CommandError(f"--steps must be at least 2. Received: --steps {args.steps}")
    model, _ = _load_model(args.model)
    _needs_latents(model, args.model, "interpolate")
    if not hasattr(model, "generate"):
        raise CommandError(f"{args.model!r} is not a kerasgan GAN (it has no generate()).")
    label = _conditional_label(model, args.label, args.model)
    if args.truncation is not None:
        ends = truncated_normal((2, model.latent_dim), args.truncation, seed=args.seed)
    else:
        import tensorflow as tf

        ends = model.sample_latents(2, tf.constant([args.seed, 0], tf.int64)).numpy()
    method = args.method if model.latent_distribution == "normal" else "lerp"
    path = interpolation_path(ends[0], ends[1], args.steps, method=method)
    images = model.generate(path, labels=label)
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
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


def _invert(args):
    import numpy as np

    from kerasgan.data._image import BadImage, load_array
    from kerasgan.latent import invert
    from kerasgan.utils.images import save_image_grid

    if not os.path.isfile(args.image):
        raise CommandError(f"No such image file: {args.image!r}")
    model, _ = _load_model(args.model)
    _needs_latents(model, args.model, "invert")
    if not hasattr(model, "generate"):
        raise CommandError(f"{args.model!r} is not a kerasgan GAN (it has no generate()).")
    label = _conditional_label(model, args.label, args.model)
    size = int(model.generator.outputs[0].shape[1])
    channels = int(model.generator.outputs[0].shape[-1])
    try:
        target = load_array(args.image, size, channels)
    except BadImage as error:
        raise CommandError(f"Could not read {args.image!r} as an image: {error}") from None
    target = target[None].astype(np.float32) / 127.5 - 1.0
    result = invert(model, target, steps=args.steps, learning_rate=args.learning_rate,
                    labels=label, seed=args.seed, init="random")
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    save_image_grid(args.out, np.concatenate([target, result.images]), rows=1)
    latent_path = os.path.splitext(args.out)[0] + ".npy"
    np.save(latent_path, result.latents[0], allow_pickle=False)
    print(f"Inverted {args.image} through {args.model}: pixel MSE {result.pixel_errors[0]:.4f} "
          f"(images in [-1, 1]); wrote {args.out} and {latent_path}")
    return 0


# -------------------------------------------------------------------- evaluate
def _evaluate(args):
    from kerasgan import presets
    from kerasgan.metrics.evaluation import evaluate, parse_metrics

    try:
        metrics = parse_metrics(args.metrics)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.extractor_weights is not None and not os.path.isfile(args.extractor_weights):
        raise CommandError(f"No such extractor weights file: {args.extractor_weights!r}")
    model, name = _load_model(args.model)
    _needs_latents(model, args.model, "evaluate")
    if not hasattr(model, "generate"):
        raise CommandError(f"{args.model!r} is not a kerasgan GAN (it has no generate()).")
    if args.label is not None and not getattr(model, "num_classes", None):
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
        folder = os.path.dirname(os.path.abspath(args.out))
        os.makedirs(folder, exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    print(json.dumps(report["metrics"], indent=2))
    if args.out:
        print(f"Wrote the report to {args.out}")
    return 0


HANDLERS = {
    "list": _list, "info": _info, "train": _train, "sample": _sample, "export": _export,
    "evaluate": _evaluate, "interpolate": _interpolate, "invert": _invert,
}


def main(argv=None):
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out
    try:
        return HANDLERS[args.command](args)
    except KeyboardInterrupt:
        print(f"kerasgan {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # one line, never a traceback (unless debugging)
        if os.environ.get("KERASGAN_DEBUG"):
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"kerasgan {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
