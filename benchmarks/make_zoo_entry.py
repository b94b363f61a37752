"""Measures a trained run and writes it as a zoo entry (config, card, weights).

The card's metrics are measured here, with their protocol written beside
them: FSD (the Frechet distance on the shipped shapes classifier's features,
kerasgan.metrics) of 2,048 samples against 2,048 images of the training
data, beside the same for an untrained generator and for held-out data, the
class accuracy of a conditional entry's samples; the color histogram
distance (see `bench_learning.py`) of 1,024 samples
of the EMA generator to 1,024 held-out shapes images (data seed 1000), beside
the same statistic for an untrained generator of the same config and for
1,024 other shapes images (the floor: data against data); and the
discriminator's mean real/fake accuracy over the last training epoch.

Usage (after `kerasgan train ... --out runs/NAME`):
    python benchmarks/make_zoo_entry.py dcgan_shapes_32 --run runs/dcgan_shapes_32 \\
        --seconds 512 --out zoo/dcgan_shapes_32
    python benchmarks/make_zoo_entry.py dcgan_celeba_64 --out zoo/dcgan_celeba_64
    python benchmarks/make_zoo_entry.py dcgan_shapes_32 --update-fsd
"""

import argparse
import json
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.bench_learning import _images, color_histogram_distance  # noqa: E402

DCGAN_PAPER = {
    "title": "Unsupervised Representation Learning with Deep Convolutional Generative "
             "Adversarial Networks",
    "authors": "Radford, Metz, Chintala",
    "year": 2016,
    "url": "https://arxiv.org/abs/1511.06434",
}
WGAN_GP_PAPER = {
    "title": "Improved Training of Wasserstein GANs",
    "authors": "Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville",
    "year": 2017,
    "url": "https://arxiv.org/abs/1704.00028",
}
SAGAN_PAPER = {
    "title": "Self-Attention Generative Adversarial Networks",
    "authors": "Zhang, Goodfellow, Metaxas, Odena",
    "year": 2019,
    "url": "https://arxiv.org/abs/1805.08318",
}
BIGGAN_PAPER = {
    "title": "Large Scale GAN Training for High Fidelity Natural Image Synthesis",
    "authors": "Brock, Donahue, Simonyan",
    "year": 2019,
    "url": "https://arxiv.org/abs/1809.11096",
}
PROGAN_PAPER = {
    "title": "Progressive Growing of GANs for Improved Quality, Stability, and Variation",
    "authors": "Karras, Aila, Laine, Lehtinen",
    "year": 2018,
    "url": "https://arxiv.org/abs/1710.10196",
}
STYLEGAN_PAPER = {
    "title": "A Style-Based Generator Architecture for Generative Adversarial Networks",
    "authors": "Karras, Laine, Aila",
    "year": 2019,
    "url": "https://arxiv.org/abs/1812.04948",
}
IMAGENET = {
    "spec": "tfds:imagenet2012",
    "description": "ImageNet ILSVRC 2012 (1.28M images, 1,000 classes), center-cropped and "
                   "resized to 128x128. TFDS needs the archives placed by hand "
                   "(`tfds build imagenet2012 --manual_dir ...`); or a folder with one "
                   "subfolder per class: --data folder:PATH.",
}
IMAGENET_NOTE = ("No weights are bundled: ImageNet cannot be downloaded on the machine that "
                 "builds the zoo, and we publish only weights we trained and measured. The "
                 "command above trains them on your copy of ImageNet.")
SHAPES = {
    "spec": "shapes",
    "description": "kerasgan's embedded synthetic shapes: 1-3 shapes of 6 kinds on textured or "
                   "gradient backgrounds, rendered on the fly, 8,192 images per epoch, seed 0.",
}

SHAPES_ONE = {
    "spec": "shapes:num_shapes=1-1",
    "description": "kerasgan's embedded synthetic shapes with one shape per image (6 classes: "
                   "circle, square, triangle, star, cross, ring) on textured or gradient "
                   "backgrounds, rendered on the fly, 8,192 images per epoch, seed 0.",
}

ENTRIES = {
    "dcgan_shapes_32": {
        "family": "dcgan",
        "description": "DCGAN (non-saturating loss, batch norm) trained by kerasgan on the "
                       "embedded shapes at 32x32, base width 32, with an EMA generator.",
        "paper": DCGAN_PAPER,
        "recipe": "dcgan",
    },
    "wgan_gp_shapes_32": {
        "family": "dcgan",
        "description": "WGAN-GP (lambda 10, 5 critic steps, no critic normalization) on the "
                       "DCGAN networks, trained by kerasgan on the embedded shapes at 32x32, "
                       "base width 32, with an EMA generator.",
        "paper": WGAN_GP_PAPER,
        "recipe": "wgan_gp",
    },
    "sagan_shapes_32": {
        "family": "sagan",
        "description": "Class-conditional SAGAN (conditional batch norm, projection "
                       "discriminator, self-attention at 8x8, spectral norm, hinge loss, TTUR) "
                       "trained by kerasgan on the embedded shapes and their 6 labels at 32x32, "
                       "base width 16, with an EMA generator. Sample one class with --class K.",
        "paper": SAGAN_PAPER,
        "recipe": "sagan",
        "dataset": dict(SHAPES_ONE, description=SHAPES_ONE["description"] + " The class "
                        "labels are used."),
    },
    "sagan_imagenet_128": {
        "family": "sagan",
        "description": "The official SAGAN ImageNet 128x128 configuration of "
                       "brain-research/self-attention-gan (gf_dim = df_dim = 64, z 128, 1,000 "
                       "classes, conditional BN, projection D, self-attention at 32x32, spectral "
                       "norm in G and D), trained with hinge loss and TTUR (Adam beta (0, 0.9), "
                       "G 1e-4, D 4e-4).",
        "paper": SAGAN_PAPER,
        "reference_implementation": "https://github.com/brain-research/self-attention-gan",
        "recipe": "sagan",
        "dataset": IMAGENET,
        "command": "kerasgan train sagan_imagenet_128 --data tfds:imagenet2012 --batch-size 256 "
                   "--out runs/sagan_imagenet_128",
        "settings": {"data": "tfds:imagenet2012", "batch_size": 256, "precision": "float32",
                     "seed": 0},
        "epochs": None,
        "steps_note": "The paper trains for about 1M generator steps at batch 256.",
        "weights_note": IMAGENET_NOTE,
        "build": "sagan",
    },
    "biggan_imagenet_128": {
        "family": "biggan",
        "description": "The official BigGAN ImageNet 128x128 configuration of BigGAN-PyTorch "
                       "(ch = 96, z 120 split across the blocks with a shared 128-d class "
                       "embedding, attention at 64x64, orthogonal init), trained as in the "
                       "paper: hinge loss, 2 D steps, Adam beta (0, 0.999) with G 5e-5 and D "
                       "2e-4, orthogonal regularization 1e-4, G EMA 0.9999 from step 20,000; "
                       "sample with --truncation.",
        "paper": BIGGAN_PAPER,
        "reference_implementation": "https://github.com/ajbrock/BigGAN-PyTorch",
        "recipe": "biggan",
        "dataset": IMAGENET,
        "command": "kerasgan train biggan_imagenet_128 --data tfds:imagenet2012 --batch-size "
                   "2048 --strategy mirrored --out runs/biggan_imagenet_128",
        "settings": {"data": "tfds:imagenet2012", "batch_size": 2048, "precision": "float32",
                     "seed": 0},
        "epochs": None,
        "steps_note": "The paper trains for about 150k-200k generator steps at batch 2048.",
        "weights_note": IMAGENET_NOTE,
        "build": "biggan",
    },
    "progan_celebahq_1024": {
        "family": "progan",
        "description": "The official Progressive GAN CelebA-HQ 1024x1024 configuration of "
                       "tkarras/progressive_growing_of_gans (G_paper / D_paper: fmap_base 8192, "
                       "fmap_max 512, latent 512, pixelwise feature normalization, equalized "
                       "learning rate, minibatch stddev over groups of 4, a ToRGB and a FromRGB "
                       "per resolution), grown from 4x4 inside one run as config.py's "
                       "preset-v2-1gpu: WGAN-GP (lambda 10) with drift 0.001, one critic step, "
                       "Adam beta (0, 0.99), eps 1e-8, lr 0.001 (0.0015 at 1024), 600k images "
                       "per stabilization and per fade-in, batch 128 at 4-16 px halving to 4 "
                       "at 512-1024, optimizer state reset at each phase, G EMA 0.999, 12M "
                       "images in all, images mirrored at random (mirror_augment).",
        "paper": PROGAN_PAPER,
        "reference_implementation": "https://github.com/tkarras/progressive_growing_of_gans",
        "recipe": "progan",
        "dataset": {
            "spec": "folder:PATH",
            "description": "CelebA-HQ (30,000 faces at 1024x1024), built from CelebA and its "
                           "delta files with the official dataset_tool.py create_celebahq; "
                           "put the images in a folder and pass --data folder:PATH.",
        },
        "command": "kerasgan train progan_celebahq_1024 --data folder:PATH --batch-size 4 "
                   "--steps-per-epoch 1000 --epochs 1355 --mirror --out "
                   "runs/progan_celebahq_1024",
        "settings": {"data": "folder:PATH", "batch_size": 4, "precision": "float32",
                     "seed": 0, "steps_per_epoch": 1000},
        "epochs": 1355,
        "steps_note": "12M images: 1,354,672 steps (the schedule's batch sizes), the full "
                      "resolution reached at step 754,672.",
        "weights_note": "No weights are bundled: CelebA-HQ cannot be downloaded on the machine "
                        "that builds the zoo, and we publish only weights we trained and "
                        "measured. The command above trains them on your copy.",
        "build_args": {"image_size": 1024, "batch_size": 4},
    },
    "stylegan_ffhq_1024": {
        "family": "stylegan",
        "description": "The official StyleGAN FFHQ 1024x1024 configuration of NVlabs/stylegan "
                       "(G_style: 8-layer mapping network of 512 with lr multiplier 0.01, "
                       "learned 4x4 constant, per-layer noise, AdaIN styles, [1, 2, 1] blur, "
                       "truncation psi 0.7 on the first 8 W+ rows; D_basic with minibatch "
                       "stddev), grown from 8x8 inside one run as the official training: "
                       "non-saturating logistic loss with R1 (gamma 10), style mixing 0.9, "
                       "w_avg tracked with beta 0.995, Adam beta (0, 0.99), eps 1e-8, lr 0.001 "
                       "rising to 0.003 at 512-1024, 600k images per stabilization and per "
                       "fade-in, batch 256 at 8 px halving to 32 from 64 px, G EMA with a "
                       "10k-image half-life, 25M images in all, images mirrored at random.",
        "paper": STYLEGAN_PAPER,
        "reference_implementation": "https://github.com/NVlabs/stylegan",
        "recipe": "stylegan",
        "dataset": {
            "spec": "folder:PATH",
            "description": "FFHQ (70,000 aligned faces at 1024x1024, "
                           "NVlabs/ffhq-dataset); put the images in a folder and pass "
                           "--data folder:PATH.",
        },
        "command": "kerasgan train stylegan_ffhq_1024 --data folder:PATH --batch-size 32 "
                   "--steps-per-epoch 1000 --epochs 718 --mirror --out "
                   "runs/stylegan_ffhq_1024",
        "settings": {"data": "folder:PATH", "batch_size": 32, "precision": "float32",
                     "seed": 0, "steps_per_epoch": 1000},
        "epochs": 718,
        "steps_note": "25M images: 717,966 steps (the schedule's batch sizes), the full "
                      "resolution reached at step 199,216.",
        "weights_note": "No weights are bundled: FFHQ cannot be downloaded on the machine that "
                        "builds the zoo, and we publish only weights we trained and measured. "
                        "The command above trains them on your copy.",
        "build_args": {"image_size": 1024, "batch_size": 32},
    },
    "progan_shapes_64": {
        "family": "progan",
        "description": "Progressive GAN (pixelwise feature normalization, equalized learning "
                       "rate, minibatch stddev, a ToRGB and a FromRGB per resolution, WGAN-GP "
                       "with drift, G EMA 0.999) trained by kerasgan on the embedded shapes, "
                       "grown inside one `kerasgan train` run from 8x8 to 64x64 (20k images per "
                       "stabilization and per fade-in), fmap_base 1024, fmap_max 64.",
        "paper": PROGAN_PAPER,
        "reference_implementation": "https://github.com/tkarras/progressive_growing_of_gans",
        "recipe": "progan",
        "dataset": SHAPES_ONE,
    },
    "stylegan_shapes_64": {
        "family": "stylegan",
        "description": "StyleGAN (mapping network with lr multiplier 0.01, learned constant, "
                       "per-layer noise, AdaIN styles, style mixing 0.9, logistic loss with R1, "
                       "G EMA, truncation in W) trained by kerasgan on the embedded shapes, "
                       "grown inside one `kerasgan train` run from 8x8 to 64x64.",
        "paper": STYLEGAN_PAPER,
        "reference_implementation": "https://github.com/NVlabs/stylegan",
        "recipe": "stylegan",
        "dataset": SHAPES_ONE,
    },
    "dcgan_celeba_64": {
        "family": "dcgan",
        "description": "The official DCGAN configuration of pytorch/examples (nz 100, ngf = ndf "
                       "= 64, 64x64 RGB, no conv bias before batch norm, N(0, 0.02) init, Adam "
                       "2e-4 beta1 0.5, batch 64, 25 epochs) for CelebA.",
        "paper": DCGAN_PAPER,
        "reference_implementation": "https://github.com/pytorch/examples/tree/main/dcgan",
        "recipe": "dcgan",
        "dataset": {
            "spec": "tfds:celeb_a",
            "description": "CelebA aligned faces (202,599 images), center-cropped and resized "
                           "to 64x64. Or any face folder: --data folder:PATH.",
        },
        "command": "kerasgan train dcgan_celeba_64 --data tfds:celeb_a --out runs/dcgan_celeba_64",
        "settings": {"data": "tfds:celeb_a", "batch_size": 64, "precision": "float32",
                     "seed": 0},
        "epochs": 25,
        "weights_note": "No weights are bundled: CelebA cannot be downloaded on the machine "
                        "that builds the zoo, and we publish only weights we trained and "
                        "measured. `kerasgan train dcgan_celeba_64 --data tfds:celeb_a` trains "
                        "them (prepare CelebA first with `tfds build celeb_a`).",
    },
}


def _hardware():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()}-core {model} CPU, no GPU"


def _trainable(model):
    return int(sum(int(w.numpy().size) for w in model.trainable_weights))


def measure(gan, d_accuracy_history=None, num=1024, data="shapes"):
    import kerasgan

    size = int(gan.generator.outputs[0].shape[1])
    held_out = _images(kerasgan.data.load(data, image_size=size, batch_size=64,
                                          num_examples=num, seed=1000, shuffle=False), num)
    other = _images(kerasgan.data.load(data, image_size=size, batch_size=64,
                                       num_examples=num, seed=2000, shuffle=False), num)
    untrained = gan.__class__.from_config(gan.get_config())
    protocol = (f"L1 distance of per-channel 32-bin pixel histograms, averaged over channels, "
                f"in [0, 2]: {num} samples (seed 0, EMA generator) vs {num} held-out shapes "
                f"images (data seed 1000); lower is better")
    metrics = [
        {"name": "color_histogram_distance",
         "value": color_histogram_distance(gan.generate(num, seed=0), held_out),
         "protocol": protocol},
        {"name": "color_histogram_distance_untrained",
         "value": color_histogram_distance(untrained.generate(num, seed=0), held_out),
         "protocol": "the same, for a freshly initialized generator of the same config"},
        {"name": "color_histogram_distance_data_floor",
         "value": color_histogram_distance(other, held_out),
         "protocol": f"the same, for {num} other shapes images (data seed 2000) in place of "
                     "samples: the value of a perfect generator"},
    ]
    metrics.extend(measure_fsd(gan, untrained, data=data))
    if d_accuracy_history:
        metrics.append({
            "name": "d_accuracy_last_epoch", "value": float(d_accuracy_history[-1]),
            "protocol": "the discriminator's mean real/fake accuracy over the last training "
                        "epoch (from history.json); 0.5 means it cannot tell samples from data",
        })
    return metrics


def measure_fsd(gan, untrained, num=2048, data="shapes"):
    """FSD of the EMA generator, an untrained one and held-out data; class accuracy."""
    from kerasgan.metrics import ShapesExtractor, evaluate, frechet_distance, reference_statistics

    extractor = ShapesExtractor()
    report = evaluate(gan, "fsd", data=data, num_samples=num, extractor=extractor, data_seed=0)
    untrained_report = evaluate(untrained, "fsd", data=data, num_samples=num,
                                extractor=extractor)
    size = int(gan.generator.outputs[0].shape[1])
    reference = reference_statistics(data, extractor, image_size=size, num_samples=num)
    held_out = reference_statistics(data, extractor, image_size=size, num_samples=num,
                                    data_seed=1000)
    floor = frechet_distance(held_out.statistics.mean, held_out.statistics.covariance(),
                             reference.statistics.mean, reference.statistics.covariance())
    protocol = (f"Frechet Shapes Distance (FSD): Frechet distance of the features of kerasgan's "
                f"shipped shapes classifier ({extractor.name}, sha256 "
                f"{extractor.weights_sha256[:12]}...), {num} samples (latent seed 0, EMA "
                f"generator) vs {num} images of {data} (data seed 0); lower is better; comparable "
                f"only with other FSD values, not with FID")
    metrics = [
        {"name": "fsd", "value": report["metrics"]["fsd"], "protocol": protocol},
        {"name": "fsd_untrained", "value": untrained_report["metrics"]["fsd"],
         "protocol": "the same, for a freshly initialized generator of the same config"},
        {"name": "fsd_data_floor", "value": float(floor),
         "protocol": f"the same, for {num} held-out shapes images (data seed 1000) in place of "
                     "samples: the value of a perfect generator at this sample count"},
    ]
    if gan.conditional:
        accuracy = evaluate(gan, "accuracy", data=data, num_samples=num, extractor=extractor)
        result = accuracy["metrics"]["accuracy"]
        metrics.append({
            "name": "class_accuracy", "value": result["overall"],
            "per_class": result["per_class"],
            "protocol": f"fraction of {num} samples (sample i of class i mod 6, latent seed 0, "
                        f"EMA generator) that the shipped shapes classifier ({extractor.name}) "
                        "assigns to the class they were generated for; chance is 1/6",
        })
    return metrics


def update_fsd(name):
    import kerasgan

    gan = kerasgan.from_preset(name, compile=False)
    untrained = gan.__class__.from_config(gan.get_config())
    measured = measure_fsd(gan, untrained, data=kerasgan.get_card(name)["dataset"]["spec"])
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo",
                        name, "card.json")
    with open(path) as f:
        card = json.load(f)
    names = {m["name"] for m in measured}
    card["metrics"] = measured + [m for m in card.get("metrics", []) if m["name"] not in names]
    with open(path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(json.dumps(measured, indent=2))


def training_command(run, name, gan=None):
    """The `kerasgan train` command of a run, from its run.json: the recipe arguments that
    differ from the recipe's defaults (recorded by `kerasgan train` in
    `settings["recipe_arguments"]`), or, for runs written before that, the sizes read from
    the trained model."""
    settings = run["settings"]
    flags = []
    if "recipe_arguments" in settings:
        from kerasgan.models import registry

        recipe = registry.get_recipe(run.get("recipe") or run["target"])
        for key, value in settings["recipe_arguments"].items():
            argument = recipe.argument(key)
            if value == argument.default:
                continue
            option = "--" + key.replace("_", "-")
            if argument.type is bool:
                flags.append(option if value else "--no-" + option[2:])
            else:
                flags += [option, str(value)]
    else:
        flags = ["--image-size", str(gan.generator.image_size), "--base-filters",
                 str(gan.generator.base_filters), "--ema-decay", str(gan.ema_decay)]
    if settings.get("data", "shapes") != "shapes":
        flags += ["--data", settings["data"]]
    defaults = {"batch_size": 64, "precision": "float32"}
    for key in ("batch_size", "num_examples", "precision", "init_weights", "steps_per_epoch"):
        if settings.get(key) is not None and settings[key] != defaults.get(key):
            flags += ["--" + key.replace("_", "-"), str(settings[key])]
    flags += ["--epochs", str(run["epochs_done"]), "--seed", str(settings["seed"]),
              "--out", f"runs/{name}"]
    return " ".join(["kerasgan", "train", run["target"], *flags])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(ENTRIES))
    parser.add_argument("--run", help="the run folder of `kerasgan train` (entries with weights)")
    parser.add_argument("--seconds", type=float, help="wall time of the training command")
    parser.add_argument("--command", help="the training command(s), if not the one derived "
                        "from run.json (e.g. a run resumed with a larger --epochs)")
    parser.add_argument("--hardware-note", default="",
                        help="appended to the card's hardware, e.g. other load during training")
    parser.add_argument("--out", help="the entry's folder to write")
    parser.add_argument("--update-fsd", action="store_true",
                        help="measure FSD (and class accuracy) of the bundled entry NAME and put "
                        "them first in its zoo/NAME/card.json, leaving the rest as it is")
    args = parser.parse_args()
    if args.update_fsd:
        update_fsd(args.name)
        return
    if not args.out:
        parser.error("--out is required")

    import keras

    import kerasgan
    from kerasgan.models.dcgan import build_recipe

    entry = ENTRIES[args.name]
    card = {
        "name": args.name,
        "family": entry["family"],
        "description": entry["description"],
        "paper": entry["paper"],
        "dataset": entry.get("dataset", SHAPES),
        "license": "Apache-2.0 (code, config and weights)",
    }
    if "reference_implementation" in entry:
        card["reference_implementation"] = entry["reference_implementation"]
    if args.run:
        gan = keras.saving.load_model(os.path.join(args.run, "model.keras"))
        with open(os.path.join(args.run, "run.json")) as f:
            run = json.load(f)
        with open(os.path.join(args.run, "history.json")) as f:
            history = json.load(f)
        settings = run["settings"]
        command = training_command(run, args.name, gan)
        card["training"] = {
            "recipe": run.get("recipe") or entry["recipe"],
            "command": args.command or command,
            "epochs": run["epochs_done"],
            "settings": settings,
            "generator_steps": int(gan.step_counter.numpy()),
            "duration_seconds": args.seconds,
            "hardware": f"{_hardware()}, TensorFlow 2.21 / Keras 3.15, "
                        f"{settings['precision']}{args.hardware_note}",
        }
        card["metrics"] = measure(gan, history.get("d_accuracy"), data=settings["data"])
        include_weights = True
    else:
        if "build_args" in entry:
            from kerasgan.models import registry

            gan = registry.build(entry["recipe"], **entry["build_args"])
        elif entry.get("build") == "sagan":
            from kerasgan.models.sagan import build_sagan

            gan = build_sagan(synchronized_batch_norm=False)
        elif entry.get("build") == "biggan":
            from kerasgan.models.biggan import build_biggan

            gan = build_biggan(synchronized_batch_norm=False)
        else:
            gan = build_recipe(entry["recipe"], image_size=64)
        card["training"] = {
            "recipe": entry["recipe"],
            "command": entry["command"],
            "epochs": entry["epochs"],
            "settings": entry["settings"],
        }
        if entry.get("steps_note"):
            card["training"]["note"] = entry["steps_note"]
        card["weights_note"] = entry["weights_note"]
        card["metrics"] = []
        include_weights = False
    card["resolution"] = int(gan.data_requirements()["image_size"])
    if gan.num_classes:
        card["num_classes"] = gan.num_classes
    # Trainable parameters, the figure PyTorch's `parameters()` counts (no BN statistics).
    card["parameters"] = {
        "generator": _trainable(gan.generator),
        "discriminator": _trainable(gan.discriminator),
    }
    path = kerasgan.save_to_preset(gan, args.out, card=card, overwrite=True,
                                   include_weights=include_weights)
    print(json.dumps({k: card[k] for k in ("name", "parameters", "metrics")}, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
