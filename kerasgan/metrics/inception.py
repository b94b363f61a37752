"""InceptionV3 features and class probabilities for FID, KID, IS and precision/recall.

The network is `keras.applications.InceptionV3` (include_top=True) with the
Keras ImageNet weights `inception_v3_weights_tf_dim_ordering_tf_kernels.h5`:
`pool_features` are the 2048-d global-average-pool activations (the FID
embedding) and `probabilities` the 1000-way softmax (for IS). Images in
[-1, 1] of any size are resized to 299x299 with `tf.image.resize(...,
method="bilinear", antialias=False)`; Keras's InceptionV3 preprocessing maps
[0, 255] to [-1, 1], which is where kerasgan images already are.

Relation to published numbers: the reference FID implementations (TTUR,
pytorch-fid, clean-fid) use the 2015 TensorFlow Inception graph
("pt_inception-2015-12-05", 1008 classes) and their own resizing, so FID
values computed here are comparable with each other, not with the figures in
papers (differences of a few points are typical). The same holds for IS.

Weights: pass a local file (`weights=PATH`), or let `InceptionExtractor`
fetch the file through kerasgan's downloader, which verifies it against
`WEIGHTS_SHA256` before use. That digest is the one recorded for this file by
another public project; this project's build machine has no access to the
download, so the first successful fetch is where it is checked end to end.
`weights=None` builds randomly initialized weights (for tests and speed
measurements only).
"""

import numpy as np

WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
               "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_SHA256 = "00c9ea4e4762f716ac4d300d6d9c2935639cc5e4d139b5790d765dcbeea539d0"
INPUT_SIZE = 299
FEATURE_DIM = 2048


class InceptionExtractor:
    """InceptionV3 pool features and probabilities of images in [-1, 1].

    Args:
        weights: `"imagenet"` (fetched, sha256-checked, cached), a local
            `.h5` weights file, or `None` (random weights: not for metrics).
        batch_size: images per forward pass.

    Examples:

    >>> import numpy as np
    >>> extractor = InceptionExtractor(weights=None)
    >>> extractor.pool_features(np.zeros((2, 32, 32, 3), "float32")).shape
    (2, 2048)
    """

    def __init__(self, weights="imagenet", batch_size=64):
        import keras

        from kerasgan.utils.download import fetch, file_sha256

        if weights == "imagenet":
            weights = fetch(WEIGHTS_URL, sha256=WEIGHTS_SHA256, cache_subdir="extractors")
        network = keras.applications.InceptionV3(include_top=True, weights=None)
        if weights is not None:
            try:
                network.load_weights(weights)
            except Exception as error:
                raise ValueError(f"Could not load InceptionV3 weights from {weights!r}: "
                                 f"{error}") from None
        self.model = keras.Model(network.input, [network.get_layer("avg_pool").output,
                                                 network.output], name="inception_extractor")
        self.batch_size = batch_size
        self.weights_sha256 = file_sha256(weights) if weights is not None else "random"
        self.name = "inception_v3_keras" if weights is not None else "inception_v3_random"

    def _run(self, images):
        import tensorflow as tf

        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(f"Expected images [n, height, width, 1 or 3] in [-1, 1]. "
                             f"Received: shape={images.shape}")
        pools, probabilities = [], []
        for start in range(0, len(images), self.batch_size):
            batch = tf.constant(images[start:start + self.batch_size])
            if batch.shape[-1] == 1:
                batch = tf.repeat(batch, 3, axis=-1)
            batch = tf.image.resize(batch, (INPUT_SIZE, INPUT_SIZE), method="bilinear",
                                    antialias=False)
            pool, probs = self.model(batch, training=False)
            pools.append(np.asarray(pool))
            probabilities.append(np.asarray(probs))
        return np.concatenate(pools), np.concatenate(probabilities)

    def features_and_probabilities(self, images):
        """Both, from one pass."""
        pools, probabilities = self._run(images)
        return pools, probabilities.astype(np.float64)

    def pool_features(self, images):
        """The 2048-d average-pool activations."""
        return self._run(images)[0]

    def features(self, images):
        return self.pool_features(images)

    def probabilities(self, images):
        """The 1000-way ImageNet class probabilities."""
        return self._run(images)[1].astype(np.float64)
