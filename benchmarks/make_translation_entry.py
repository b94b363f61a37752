"""Writes the image-to-image zoo entries (Pix2Pix, CycleGAN, Context Encoder).

The official configurations are written without weights. The shapes entries
are measured from a `kerasgan train` run (see `kerasgan.metrics.translation`
for the protocols) and written with their weights.

Usage:
    python benchmarks/make_translation_entry.py pix2pix_facades_256 --out zoo/pix2pix_facades_256
    python benchmarks/make_translation_entry.py pix2pix_shapes_64 \\
        --run runs/pix2pix_shapes_64 --seconds 1234 --out zoo/pix2pix_shapes_64
"""

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.make_zoo_entry import _hardware, _trainable  # noqa: E402

PIX2PIX_PAPER = {
    "title": "Image-to-Image Translation with Conditional Adversarial Networks",
    "authors": "Isola, Zhu, Zhou, Efros", "year": 2017, "url": "https://arxiv.org/abs/1611.07004",
}
CYCLEGAN_PAPER = {
    "title": "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks",
    "authors": "Zhu, Park, Isola, Efros", "year": 2017, "url": "https://arxiv.org/abs/1703.10593",
}
CONTEXT_ENCODER_PAPER = {
    "title": "Context Encoders: Feature Learning by Inpainting",
    "authors": "Pathak, Krahenbuhl, Donahue, Darrell, Efros", "year": 2016,
    "url": "https://arxiv.org/abs/1604.07379",
}
JUNYANZ = "https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix"
NO_DOWNLOAD = ("No weights are bundled: the dataset cannot be downloaded on the machine that "
               "builds the zoo, and we publish only weights we trained and measured. The "
               "command above trains them on your copy.")
PIX2PIX_INFERENCE = ("Inference and exports run the generator in inference mode: batch norm "
                     "with its moving statistics, dropout off (the official test.py with "
                     "--eval). The paper runs the generator at test time as in training "
                     "(dropout on, batch statistics of the test batch): rebuild the generator "
                     "with dropout_at_inference=True and batch_statistics_at_inference=True "
                     "for that; exports then do the same.")
CYCLEGAN_INFERENCE = ("Inference and exports: instance norm (per-image statistics, no running "
                      "averages) and no dropout, so training and inference modes agree. "
                      "`kerasgan export` writes both directions (signatures a_to_b, the "
                      "default, and b_to_a; or two ONNX/LiteRT files).")

ENTRIES = {
    "pix2pix_facades_256": {
        "family": "pix2pix",
        "description": "The official pix2pix facades configuration of "
                       "junyanz/pytorch-CycleGAN-and-pix2pix: unet_256 generator (ngf 64, batch "
                       "norm, dropout 0.5 on the three inner 512-wide levels), 70x70 PatchGAN "
                       "on (label map, photo) pairs (ndf 64, 6 channels), vanilla GAN loss + "
                       "100 L1, Adam 2e-4 beta1 0.5, batch 1, 100 + 100 epochs with linear "
                       "decay, jitter 286 -> 256 crop + flip, direction BtoA.",
        "paper": PIX2PIX_PAPER, "recipe": "pix2pix",
        "dataset": {"spec": "folder:facades/train",
                    "description": "CMP Facades in the pix2pix format (photo | label map side "
                                   "by side, 400 training pairs), trained label map -> photo "
                                   "(BtoA). Download it with the official repository's "
                                   "datasets/download_pix2pix_dataset.sh facades."},
        "command": "kerasgan train pix2pix_facades_256 --data folder:facades/train --direction "
                   "BtoA --batch-size 1 --epochs 200 --out runs/pix2pix_facades_256",
        "settings": {"data": "folder:facades/train", "batch_size": 1, "precision": "float32",
                     "seed": 0, "direction": "BtoA", "jitter": True},
        "epochs": 200, "inference": PIX2PIX_INFERENCE,
    },
    "cyclegan_horse2zebra_256": {
        "family": "cyclegan",
        "description": "The official CycleGAN horse2zebra configuration of "
                       "junyanz/pytorch-CycleGAN-and-pix2pix: two resnet_9blocks generators "
                       "(ngf 64, affine-free instance norm, reflection padding, no dropout), two "
                       "70x70 PatchGANs (ndf 64, instance norm), least-squares GAN loss, cycle "
                       "lambda 10, identity 0.5 * lambda, image pools of 50, Adam 2e-4 beta1 "
                       "0.5, batch 1, 100 + 100 epochs with linear decay, jitter 286 -> 256.",
        "paper": CYCLEGAN_PAPER, "recipe": "cyclegan",
        "dataset": {"spec": "tfds:cycle_gan/horse2zebra",
                    "description": "horse2zebra (1,067 horse and 1,334 zebra training images) "
                                   "from TFDS `cycle_gan/horse2zebra` (`tfds build` it where it "
                                   "can be downloaded), or --data folder:PATH with trainA/ and "
                                   "trainB/."},
        "command": "kerasgan train cyclegan_horse2zebra_256 --data tfds:cycle_gan/horse2zebra "
                   "--batch-size 1 --epochs 200 --out runs/cyclegan_horse2zebra_256",
        "settings": {"data": "tfds:cycle_gan/horse2zebra", "batch_size": 1,
                     "precision": "float32", "seed": 0, "jitter": True},
        "epochs": 200, "inference": CYCLEGAN_INFERENCE,
    },
    "context_encoder_paris_128": {
        "family": "context_encoder",
        "description": "The official Context Encoder center-region configuration of "
                       "pathak22/context-encoder (train.lua): 128x128 input with the 64x64 "
                       "center missing, encoder to a 4000-channel 1x1 bottleneck, decoder to "
                       "the 64x64 center, DCGAN discriminator on the center, L2 with 10x weight "
                       "on the 4-pixel overlap border, lambda_rec 0.999, lambda_adv 0.001, Adam "
                       "beta1 0.5 (G 2e-3, D 2e-4), batch 64, 25 epochs.",
        "paper": CONTEXT_ENCODER_PAPER, "recipe": "context_encoder",
        "reference_implementation": "https://github.com/pathak22/context-encoder",
        "dataset": {"spec": "folder:paris_train",
                    "description": "Paris StreetView (14,900 training images; available from "
                                   "the paper's authors on request), center-cropped and resized "
                                   "to 128x128. Any image folder trains the same way."},
        "command": "kerasgan train context_encoder_paris_128 --data folder:paris_train "
                   "--batch-size 64 --epochs 25 --out runs/context_encoder_paris_128",
        "settings": {"data": "folder:paris_train", "batch_size": 64, "precision": "float32",
                     "seed": 0},
        "epochs": 25,
        "inference": "`kerasgan sample --input` masks the center of each input image and "
                     "pastes the prediction (its interior, inside the overlap border) into "
                     "the hole; exports take the masked image and return the completed one.",
    },
    "pix2pix_shapes_64": {
        "family": "pix2pix",
        "description": "Pix2Pix (U-Net with 6 levels, ngf 16, batch norm, dropout, 70x70 "
                       "PatchGAN, GAN + 100 L1) trained by kerasgan on the embedded shapes' edge "
                       "maps -> images at 64x64, style B (dark muted shapes on light textures). "
                       "The edges fix the shapes and where light and dark go; the exact colours "
                       "are random in the data, so the generator picks plausible ones.",
        "paper": PIX2PIX_PAPER, "recipe": "pix2pix",
        "dataset": {"spec": "shapes:pairs=edges,domain=b",
                    "description": "kerasgan's embedded shapes in style B as (edge map, image) "
                                   "pairs: white outlines on black -> the rendered image, 4,096 "
                                   "pairs per epoch, seed 0, pix2pix jitter (72 -> 64 crop, "
                                   "flip)."},
        "inference": PIX2PIX_INFERENCE,
    },
    "cyclegan_shapes_64": {
        "family": "cyclegan",
        "description": "CycleGAN (resnet_6blocks generators, ngf 16, 70x70 PatchGANs, instance "
                       "norm, LSGAN, cycle 10, identity 5, pools of 50) trained by kerasgan on "
                       "the embedded shapes' two styles at 64x64: domain A (saturated shapes "
                       "on dark gradients) <-> domain B (muted shapes on light textures).",
        "paper": CYCLEGAN_PAPER, "recipe": "cyclegan",
        "dataset": {"spec": "shapes:domains=ab",
                    "description": "kerasgan's embedded shapes in two styles, 1,024 images per "
                                   "domain and epoch, seed 0, jitter (72 -> 64 crop, flip)."},
        "inference": CYCLEGAN_INFERENCE,
    },
}


def _build_official(name):
    if name.startswith("pix2pix"):
        from kerasgan.models.pix2pix import build_pix2pix

        return build_pix2pix(synchronized_batch_norm=False)
    if name.startswith("cyclegan"):
        from kerasgan.models.cyclegan import build_cyclegan

        return build_cyclegan()
    from kerasgan.models.context_encoder import build_context_encoder

    return build_context_encoder(synchronized_batch_norm=False)


def _untrained_copy(gan):
    import keras

    config = keras.saving.serialize_keras_object(gan)
    config.pop("compile_config", None)
    keras.utils.set_random_seed(12345)
    return keras.saving.deserialize_keras_object(config, safe_mode=True)


def _run_command(run, name):
    settings = run["settings"]
    flags = {"data": settings["data"], "batch-size": settings["batch_size"],
             "num-examples": settings.get("num_examples"), "epochs": run["epochs_done"],
             "seed": settings["seed"]}
    return (f"kerasgan train {run['target']} --image-size {run['image_size']} --base-filters "
            f"{run['base_filters']} " + " ".join(f"--{k} {v}" for k, v in flags.items()
                                                 if v is not None) + f" --out runs/{name}")


def _write_before_after(gan, family, path, seed=1000, domain=None):
    """A README grid of held-out inputs (render seed 1000) beside their translations."""
    import numpy as np

    from kerasgan.callbacks.sample_grid import before_after
    from kerasgan.data.shapes import render_shapes
    from kerasgan.utils.images import save_image_grid

    size = int(gan.image_shape[0])
    if family == "pix2pix":
        batch = render_shapes(8, size, seed, outputs=("edges",), domain=domain)
        inputs = np.repeat(batch["edges"], 3, axis=-1).astype("float32") / 127.5 - 1
        images, grid = before_after(inputs, gan.translate(inputs))
    else:  # row 1: A -> B, row 2: B -> A
        a = render_shapes(4, size, seed, domain="a")["image"].astype("float32") / 127.5 - 1
        b = render_shapes(4, size, seed, domain="b")["image"].astype("float32") / 127.5 - 1
        images, grid = before_after(np.concatenate([a, b]), np.concatenate(
            [gan.translate(a), gan.translate(b, direction="b_to_a")]))
    save_image_grid(path, images, **grid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(ENTRIES))
    parser.add_argument("--run", help="the run folder of `kerasgan train` (shapes entries)")
    parser.add_argument("--seconds", type=float, help="wall time of the training command")
    parser.add_argument("--hardware-note", default="")
    parser.add_argument("--out", required=True, help="the entry's folder to write")
    args = parser.parse_args()

    import keras

    import kerasgan
    from kerasgan.data import parse_spec
    from kerasgan.metrics import translation

    entry = ENTRIES[args.name]
    card = {"name": args.name, "family": entry["family"], "description": entry["description"],
            "paper": entry["paper"], "dataset": entry["dataset"],
            "license": "Apache-2.0 (code, config and weights)",
            "reference_implementation": entry.get("reference_implementation", JUNYANZ),
            "inference": entry["inference"]}
    if args.run:
        gan = keras.saving.load_model(os.path.join(args.run, "model.keras"), safe_mode=True)
        with open(os.path.join(args.run, "run.json")) as f:
            run = json.load(f)
        run["image_size"] = int(gan.image_shape[0])
        run["base_filters"] = int(gan.generator.base_filters)
        card["training"] = {
            "recipe": entry["recipe"], "command": _run_command(run, args.name),
            "epochs": run["epochs_done"], "settings": run["settings"],
            "generator_steps": int(gan.step_counter.numpy()),
            "duration_seconds": args.seconds,
            "hardware": f"{_hardware()}, TensorFlow 2.21 / Keras 3.15, "
                        f"{run['settings']['precision']}{args.hardware_note}",
        }
        if entry["family"] == "pix2pix":
            domain = dict(parse_spec(run["settings"]["data"]).options).get("domain")
            card["metrics"] = translation.pix2pix_shapes_report(
                gan, untrained=_untrained_copy(gan), domain=domain)
        else:
            card["metrics"] = translation.cyclegan_shapes_report(
                gan, untrained=_untrained_copy(gan))
        include_weights = True
    else:
        gan = _build_official(args.name)
        card["training"] = {"recipe": entry["recipe"], "command": entry["command"],
                            "epochs": entry["epochs"], "settings": entry["settings"]}
        card["weights_note"] = NO_DOWNLOAD
        card["metrics"] = []
        include_weights = False
    card["resolution"] = int(gan.image_shape[0])
    card["parameters"] = {"generator": _trainable(gan.generator),
                          "discriminator": _trainable(gan.discriminator)}
    path = kerasgan.save_to_preset(gan, args.out, card=card, overwrite=True,
                                   include_weights=include_weights)
    if args.run:
        _write_before_after(gan, entry["family"], os.path.join(path, "before_after.png"),
                            domain=dict(parse_spec(card["dataset"]["spec"]).options).get(
                                "domain") if entry["family"] == "pix2pix" else None)
    print(json.dumps({k: card[k] for k in ("name", "parameters", "metrics")}, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
