"""CycleGAN's history of generated images (Shrivastava et al., 2017; Zhu et al., 2017)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="kerasgan")
class ImagePool(keras.layers.Layer):
    """A buffer of past generated images the discriminator is trained on.

    As the official `ImagePool.query`, image by image: while fewer than
    `pool_size` images are stored, each new image is stored and returned;
    once full, with probability 1/2 the new image replaces a uniformly chosen
    stored one and the stored one is returned, otherwise the new image is
    returned. `pool_size=0` returns the inputs unchanged.

    The buffer and its fill count are (non-trainable) variables, so a
    `.keras` file or checkpoint keeps the pool and a resumed run continues
    exactly. Randomness is stateless: `query(images, seed)` with the same
    state and seed gives the same result. Under a `tf.distribute` strategy
    every replica keeps a copy (CycleGAN queries all copies with the same
    global batch and seed, so they stay identical); the first replica's is
    the one saved.

    Args:
        pool_size: images kept (50 in CycleGAN).
        image_shape: `(height, width, channels)` of the images.

    Examples:

    >>> import numpy as np
    >>> pool = ImagePool(2, (4, 4, 3))
    >>> out = pool.query(np.ones((3, 4, 4, 3), "float32"), seed=[0, 0])
    >>> int(pool.count.numpy()), out.shape
    (2, TensorShape([3, 4, 4, 3]))
    """

    def __init__(self, pool_size=50, image_shape=(256, 256, 3), **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if not isinstance(pool_size, int) or pool_size < 0:
            raise ValueError(f"`pool_size` must be an integer >= 0. Received: {pool_size!r}")
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError("`image_shape` must be (height, width, channels). "
                             f"Received: image_shape={image_shape!r}")
        self.pool_size = pool_size
        self.image_shape = image_shape
        self.images = keras.Variable(
            keras.initializers.Zeros(), shape=(pool_size, *image_shape), dtype="float32",
            trainable=False, autocast=False, aggregation="only_first_replica",
            synchronization="on_read", name="images")
        self.count = keras.Variable(
            keras.initializers.Zeros(), shape=(), dtype="int32", trainable=False,
            autocast=False, aggregation="only_first_replica", synchronization="on_read",
            name="count")
        self.built = True

    def query(self, images, seed):
        """Pooled images for a batch of new ones; updates the pool. `seed`: 2 ints."""
        images = tf.cast(images, tf.float32)
        if self.pool_size == 0:
            return images
        seed = tf.cast(seed, tf.int64)
        batch = tf.shape(images)[0]
        pool_size = self.pool_size

        def body(i, buffer, count, outputs):
            image = images[i]
            draws = tf.random.stateless_uniform(
                [2], seed=tf.random.experimental.stateless_fold_in(seed, i))
            filling = count < pool_size
            swap = tf.logical_and(tf.logical_not(filling), draws[0] > 0.5)
            slot = tf.where(filling, count,
                            tf.minimum(tf.cast(draws[1] * pool_size, tf.int32), pool_size - 1))
            stored = buffer[slot]
            write = tf.logical_or(filling, swap)
            buffer = tf.cond(write,
                             lambda: tf.tensor_scatter_nd_update(buffer, [[slot]], image[None]),
                             lambda: buffer)
            outputs = outputs.write(i, tf.where(swap, stored, image))
            return i + 1, buffer, count + tf.cast(filling, tf.int32), outputs

        _, buffer, count, outputs = tf.while_loop(
            lambda i, *_: i < batch, body,
            (tf.constant(0), tf.convert_to_tensor(self.images.value),
             tf.convert_to_tensor(self.count.value),
             tf.TensorArray(tf.float32, size=batch, element_shape=self.image_shape)))
        self.images.assign(buffer)
        self.count.assign(count)
        return tf.ensure_shape(outputs.stack(), (None, *self.image_shape))

    def call(self, images, seed=(0, 0)):
        return self.query(images, seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size,
                "image_shape": list(self.image_shape)}
