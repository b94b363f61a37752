"""A domain feature extractor for the embedded `shapes` data: a small classifier kerasgan ships.

InceptionV3 weights cannot be downloaded everywhere (and ImageNet features
say little about synthetic shapes), so kerasgan trains and ships a small CNN
that classifies the main shape of a `shapes` image (6 classes). Its
penultimate activations (128-d) are the embedding of the Frechet *Shapes*
Distance (FSD, never to be compared with FID values), KID and
precision/recall on `shapes`; its predictions give the class accuracy of
class-conditional generators' samples.

Any input size from 16 to 256 is accepted: images are resized inside the
model to 32x32 (bilinear, antialiased when downsampling), the size the
classifier is trained at, from shapes rendered at sizes 16 to 128 of both
styles.

Train and check the shipped weights (`python -m kerasgan.metrics.domain
train OUT.weights.h5`, `... evaluate [WEIGHTS]`).
"""

import argparse
import os
import sys

import numpy as np

WORKING_SIZE = 32
FEATURE_DIM = 128
WEIGHTS_FILE = "shapes_classifier.weights.h5"
WEIGHTS_SHA256 = "b2d1af0960b2d338bd0e92875dc6b2e63e277a9fcfac4cf99fca8116a6a140cd"
EXTRACTOR_NAME = "shapes_classifier_v1"
TRAIN_SIZES = (16, 24, 32, 48, 64, 96, 128)
HELD_OUT_SEED = 10_000


def build_shapes_classifier(num_classes=6, widths=(32, 64, 128), feature_dim=FEATURE_DIM):
    """The classifier network: resize to 32x32 -> 3 conv stages -> 128-d features -> logits.

    Returns a functional `keras.Model` with two outputs, `features` and
    `logits`.

    Examples:

    >>> model = build_shapes_classifier()
    >>> [tuple(o.shape) for o in model.outputs]
    [(None, 128), (None, 6)]
    """
    import keras

    images = keras.Input((None, None, 3), name="images")
    x = keras.layers.Resizing(WORKING_SIZE, WORKING_SIZE, interpolation="bilinear",
                              antialias=True, name="resize")(images)
    for stage, width in enumerate(widths):
        for conv in range(2):
            x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False,
                                    name=f"stage{stage}_conv{conv}")(x)
            x = keras.layers.BatchNormalization(name=f"stage{stage}_bn{conv}")(x)
            x = keras.layers.ReLU(name=f"stage{stage}_relu{conv}")(x)
        if stage < len(widths) - 1:
            x = keras.layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    features = keras.layers.Dense(feature_dim, activation="relu", name="features")(x)
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(images, [features, logits], name="shapes_classifier")


def _render(num, seed, sizes, start=0):
    """`num` shapes images per size in `sizes`, resized to the working size, and labels."""
    import tensorflow as tf

    from kerasgan.data.shapes import render_shapes

    images, labels = [], []
    for i, size in enumerate(sizes):
        batch = render_shapes(num, size, seed=seed + i, start=start)
        x = tf.image.resize(batch["image"].astype(np.float32) / 127.5 - 1.0,
                            (WORKING_SIZE, WORKING_SIZE), method="bilinear", antialias=True)
        images.append(x.numpy())
        labels.append(batch["label"])
    return np.concatenate(images), np.concatenate(labels)


def train_shapes_classifier(path, per_size=6000, epochs=6, batch_size=128, seed=0,
                            verbose=2):
    """Trains the classifier on rendered shapes and saves its weights to `path`.

    Args:
        path: the `.weights.h5` file to write.
        per_size: images rendered at each of the sizes 16 .. 128.
        epochs: passes over them.
        seed: seeds the data and the initialization.

    Returns:
        The held-out accuracy (data seed 10,000, 256 images per size).
    """
    import keras

    keras.utils.set_random_seed(seed)
    x, y = _render(per_size, seed * 100 + 1, TRAIN_SIZES)
    model = build_shapes_classifier()
    trainer = keras.Model(model.input, model.outputs[1])
    steps = epochs * (len(x) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps)
    trainer.compile(optimizer=keras.optimizers.Adam(schedule),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    flips = np.concatenate([x, x[:, :, ::-1]])  # shapes keep their class under a mirror
    trainer.fit(flips, np.concatenate([y, y]), batch_size=batch_size, epochs=epochs,
                shuffle=True, verbose=verbose)
    model.save_weights(path)
    held_x, held_y = _render(256, HELD_OUT_SEED, TRAIN_SIZES)
    predicted = np.argmax(model.predict(held_x, verbose=0)[1], axis=1)
    return float(np.mean(predicted == held_y))


def _default_weights():
    import importlib.resources

    return str(importlib.resources.files("kerasgan.metrics") / "weights" / WEIGHTS_FILE)


class ShapesExtractor:
    """Features, class probabilities and class accuracy from the shipped shapes classifier.

    Args:
        weights: a `.weights.h5` file; by default the shipped one, whose
            sha256 is checked before it is loaded.

    Examples:

    >>> import numpy as np
    >>> extractor = ShapesExtractor()
    >>> extractor.features(np.zeros((2, 32, 32, 3), "float32")).shape
    (2, 128)
    """

    class_names = None

    def __init__(self, weights=None):
        from kerasgan.data.shapes import CLASS_NAMES
        from kerasgan.utils.download import file_sha256

        self.class_names = CLASS_NAMES
        shipped = weights is None
        path = _default_weights() if shipped else os.fspath(weights)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No shapes classifier weights at {path!r} (expected a "
                                    ".weights.h5 file written by train_shapes_classifier).")
        digest = file_sha256(path)
        if shipped and digest != WEIGHTS_SHA256:
            raise ValueError(f"The shipped shapes classifier weights {path} are corrupt or were "
                             f"modified: sha256 {digest}, expected {WEIGHTS_SHA256}. "
                             "Reinstall kerasgan.")
        self.model = build_shapes_classifier(num_classes=len(CLASS_NAMES))
        try:
            self.model.load_weights(path)
        except Exception as error:
            raise ValueError(f"Could not load shapes classifier weights from {path!r}: "
                             f"{error}") from None
        self.path = path
        self.weights_sha256 = digest
        self.name = EXTRACTOR_NAME if shipped else f"{EXTRACTOR_NAME}-custom"

    def _check(self, images):
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"Expected RGB images [n, height, width, 3] in [-1, 1]. "
                             f"Received: shape={images.shape}")
        if not 16 <= min(images.shape[1:3]) <= max(images.shape[1:3]) <= 256:
            raise ValueError(f"Expected images of 16 to 256 pixels a side. Received: "
                             f"{images.shape[1]}x{images.shape[2]}")
        images = images.astype(np.float32)
        if images.size and (images.min() < -1.01 or images.max() > 1.01):
            raise ValueError(f"Expected float images in [-1, 1]. Received: values from "
                             f"{images.min():.4g} to {images.max():.4g} (uint8 images: divide "
                             "by 127.5 and subtract 1)")
        return images

    def _run(self, images, batch_size):
        images = self._check(images)
        features, logits = [], []
        for start in range(0, len(images), batch_size):
            f, g = self.model(images[start:start + batch_size], training=False)
            features.append(np.asarray(f))
            logits.append(np.asarray(g))
        if not features:
            return np.zeros((0, FEATURE_DIM), np.float32), np.zeros((0, 6), np.float32)
        return np.concatenate(features), np.concatenate(logits)

    def features(self, images, batch_size=256):
        """The 128-d embedding of `images` (float in [-1, 1], NHWC)."""
        return self._run(images, batch_size)[0]

    def probabilities(self, images, batch_size=256):
        logits = self._run(images, batch_size)[1].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict_classes(self, images, batch_size=256):
        return np.argmax(self._run(images, batch_size)[1], axis=1).astype(np.int32)

    def class_accuracy(self, images, labels, batch_size=256):
        """`{"overall": accuracy, "per_class": {name: accuracy}}` of the predictions."""
        labels = np.asarray(labels).reshape(-1)
        predicted = self.predict_classes(images, batch_size)
        if labels.shape != predicted.shape:
            raise ValueError(f"Expected one label per image ({predicted.shape[0]}). "
                             f"Received: {labels.shape[0]} labels")
        per_class = {name: float(np.mean(predicted[labels == k] == k))
                     for k, name in enumerate(self.class_names) if np.any(labels == k)}
        return {"overall": float(np.mean(predicted == labels)), "per_class": per_class}


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kerasgan.metrics.domain",
                                     description="Train or evaluate the shapes classifier.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train")
    train.add_argument("out")
    train.add_argument("--per-size", type=int, default=6000)
    train.add_argument("--epochs", type=int, default=6)
    evaluate = commands.add_parser("evaluate")
    evaluate.add_argument("weights", nargs="?", default=None)
    evaluate.add_argument("--per-size", type=int, default=256)
    args = parser.parse_args(argv)
    if args.command == "train":
        accuracy = train_shapes_classifier(args.out, per_size=args.per_size, epochs=args.epochs)
        from kerasgan.utils.download import file_sha256

        print(f"held-out accuracy {accuracy:.4f}; sha256 {file_sha256(args.out)}")
        return 0
    extractor = ShapesExtractor(args.weights)
    print(f"{extractor.name} sha256 {extractor.weights_sha256}")
    for size in TRAIN_SIZES:
        x, y = _render(args.per_size, HELD_OUT_SEED, (size,))
        result = extractor.class_accuracy(x, y)
        per_class = " ".join(f"{k} {v:.3f}" for k, v in result["per_class"].items())
        print(f"size {size:3d}: overall {result['overall']:.4f}  {per_class}")
    x, y = _render(args.per_size, HELD_OUT_SEED, TRAIN_SIZES)
    result = extractor.class_accuracy(x, y)
    per_class = " ".join(f"{k} {v:.3f}" for k, v in result["per_class"].items())
    print(f"all sizes: overall {result['overall']:.4f}  {per_class}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
