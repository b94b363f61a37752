"""Callbacks that render fixed-noise sample grids during `fit`."""

import os

import keras
import numpy as np

from kerasgan.utils.images import make_grid, save_png


def before_after(inputs, outputs, pairs_per_row=4):
    """`(images, kwargs)` for `make_grid`: each input beside its output, `pairs_per_row`
    pairs per row."""
    images = np.stack([np.asarray(inputs, np.float32), np.asarray(outputs, np.float32)], axis=1)
    images = images.reshape(-1, *images.shape[2:])
    return images, {"cols": 2 * min(pairs_per_row, len(inputs))}


class _FixedNoiseSamples(keras.callbacks.Callback):
    """Fixes the model's inputs once and renders them every `every_n_epochs` epochs.

    The inputs are `latents` when given, else `model.example_inputs(num_samples,
    seed)` (the model protocol): latents for a generator of latents, input images
    for an image-to-image model, whose grid shows each input beside its output.
    """

    def __init__(self, every_n_epochs=1, num_samples=64, latents=None, seed=0, use_ema=True):
        super().__init__()
        if not isinstance(every_n_epochs, int) or every_n_epochs < 1:
            raise ValueError(
                f"`every_n_epochs` must be a positive integer. Received: "
                f"every_n_epochs={every_n_epochs!r}"
            )
        if latents is None and (not isinstance(num_samples, int) or num_samples < 1):
            raise ValueError(f"`num_samples` must be a positive integer. "
                             f"Received: num_samples={num_samples!r}")
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples if latents is None else len(latents)
        self.latents = None if latents is None else np.asarray(latents, np.float32)
        self.seed = seed
        self.use_ema = use_ema
        self.last_written_epoch = None

    def fixed_latents(self):
        """The fixed inputs (drawn from the model's `example_inputs` on first use)."""
        if self.latents is None:
            self.latents = np.asarray(self.model.example_inputs(self.num_samples, self.seed),
                                      np.float32)
        return self.latents

    def sample_grid(self):
        from kerasgan.data.tasks import IMAGE_TO_IMAGE_TASKS

        inputs = self.fixed_latents()
        outputs = self.model.generate(inputs, use_ema=self.use_ema)
        if self.model.task in IMAGE_TO_IMAGE_TASKS:
            images, grid = before_after(inputs, outputs)
            return make_grid(images, **grid)
        return make_grid(outputs)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.write(epoch + 1)
            self.last_written_epoch = epoch + 1

    def write(self, epoch):
        raise NotImplementedError


class SampleGrid(_FixedNoiseSamples):
    """Writes a PNG grid of samples from fixed noise every `every_n_epochs` epochs.

    The noise is drawn once (the model's `example_inputs`), so successive grids
    show the same latents as training goes on. The EMA generator is used where
    the model has one. For an image-to-image model, `latents` are fixed input
    images (e.g. a batch of the data), and the grid shows each beside its
    translation.

    Args:
        out_dir: folder of the PNG files (created if missing).
        every_n_epochs: write after every N-th epoch.
        num_samples: number of samples (ignored when `latents` is given).
        latents: an explicit array of latents (image-to-image models: of input images).
        seed: seeds the fixed latents.
        use_ema: sample the EMA generator where one exists.
        filename: pattern with `{epoch}` (one-indexed, as Keras logs count);
            the model's `progress_label()` (a growing model's current
            resolution) is added before the extension when it has one.

    Examples:

    >>> callback = SampleGrid(out_dir="samples", every_n_epochs=2, num_samples=16)
    >>> # gan.fit(data, epochs=4, callbacks=[callback]) writes epochs 2 and 4
    """

    def __init__(self, out_dir, every_n_epochs=1, num_samples=64, latents=None, seed=0,
                 use_ema=True, filename="samples_epoch_{epoch:04d}.png"):
        super().__init__(every_n_epochs, num_samples, latents, seed, use_ema)
        self.out_dir = os.fspath(out_dir)
        self.filename = filename
        os.makedirs(self.out_dir, exist_ok=True)

    def write(self, epoch):
        name = self.filename.format(epoch=epoch)
        label = self.model.progress_label()
        if label:
            stem, extension = os.path.splitext(name)
            name = f"{stem}_{label}{extension}"
        path = os.path.join(self.out_dir, name)
        save_png(path, self.sample_grid())
        return path
