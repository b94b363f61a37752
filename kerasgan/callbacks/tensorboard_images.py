"""Sample grids logged as TensorBoard image summaries."""

import os

from kerasgan.callbacks.sample_grid import _FixedNoiseSamples


class TensorBoardImages(_FixedNoiseSamples):
    """Logs a fixed-noise sample grid to `<log_dir>/samples` every `every_n_epochs` epochs.

    Works beside `keras.callbacks.TensorBoard(log_dir)`: the images go to their
    own run folder, at step = epoch (one-indexed).

    Args:
        log_dir: the TensorBoard log folder.
        every_n_epochs, num_samples, latents, seed, use_ema: as in `SampleGrid`.
        tag: the summary tag; its description holds the model's
            `progress_label()` (a growing model's current resolution).

    Examples:

    >>> callbacks = [keras.callbacks.TensorBoard("logs"),  # doctest: +SKIP
    ...              TensorBoardImages("logs", every_n_epochs=1)]
    """

    def __init__(self, log_dir, every_n_epochs=1, num_samples=64, latents=None, seed=0,
                 use_ema=True, tag="samples"):
        super().__init__(every_n_epochs, num_samples, latents, seed, use_ema)
        self.log_dir = os.fspath(log_dir)
        self.tag = tag
        self._writer = None

    def write(self, epoch):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
        grid = self.sample_grid()
        with self._writer.as_default():
            tf.summary.image(self.tag, grid[None], step=epoch,
                             description=self.model.progress_label() or None)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
