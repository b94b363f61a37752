"""Keras's own callbacks with a GAN: ModelCheckpoint, BackupAndRestore, TensorBoard (+ images)."""

import glob
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.callbacks import TensorBoardImages
from kerasgan.models import GAN
from tests.helpers import all_weights, assert_weights_close, tiny_data, tiny_networks


def tiny_gan():
    generator, discriminator = tiny_networks()
    gan = GAN(generator, discriminator)
    gan.compile(loss="hinge")
    return gan


def test_model_checkpoint_full_model_loads_and_trains_on(tmp_path):
    gan = tiny_gan()
    path = str(tmp_path / "ckpt.keras")
    gan.fit(tiny_data(8), batch_size=4, epochs=2, verbose=0,
            callbacks=[keras.callbacks.ModelCheckpoint(path)])
    loaded = keras.saving.load_model(path)
    assert_weights_close(all_weights(gan), all_weights(loaded), 0.0, "checkpoint")
    assert int(loaded.d_optimizer.iterations.numpy()) == 4
    loaded.fit(tiny_data(8), batch_size=4, epochs=1, verbose=0)
    assert int(loaded.step_counter.numpy()) == 6


def test_model_checkpoint_weights_only(tmp_path):
    gan = tiny_gan()
    path = str(tmp_path / "w.weights.h5")
    gan.fit(tiny_data(8), batch_size=4, epochs=1, verbose=0,
            callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True)])
    fresh = tiny_gan()
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.generator.get_weights()[0],
                                  gan.generator.get_weights()[0])


class InterruptAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated interruption")


class RecordEpochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_backup_and_restore_resumes_where_the_run_stopped(tmp_path):
    data = tiny_data(8)
    reference = tiny_gan()
    reference.fit(data, batch_size=4, epochs=4, verbose=0, shuffle=False)

    backup = str(tmp_path / "backup")
    interrupted = tiny_gan()
    with pytest.raises(RuntimeError, match="simulated interruption"):
        interrupted.fit(data, batch_size=4, epochs=4, verbose=0, shuffle=False,
                        callbacks=[keras.callbacks.BackupAndRestore(backup), InterruptAt(2)])
    resumed = tiny_gan()  # a fresh process would build a fresh model like this
    record = RecordEpochs()
    resumed.fit(data, batch_size=4, epochs=4, verbose=0, shuffle=False,
                callbacks=[keras.callbacks.BackupAndRestore(backup), record])
    assert record.epochs == [2, 3]
    assert_weights_close(all_weights(reference), all_weights(resumed), 1e-6, "resumed run")


def _image_summaries(log_dir):
    found = []
    for path in glob.glob(os.path.join(log_dir, "samples", "events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == "samples":
                    tensor = tf.make_ndarray(value.tensor)
                    found.append((event.step, tensor))
    return found


def test_tensorboard_with_sample_images(tmp_path):
    log_dir = str(tmp_path / "logs")
    gan = tiny_gan()
    gan.fit(tiny_data(8), batch_size=4, epochs=2, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(log_dir),
        TensorBoardImages(log_dir, every_n_epochs=1, num_samples=4),
    ])
    assert glob.glob(os.path.join(log_dir, "train", "events.out.tfevents.*"))
    summaries = _image_summaries(log_dir)
    assert [step for step, _ in summaries] == [1, 2]
    width, height, encoded = summaries[-1][1][:3]
    assert (int(width), int(height)) == (2 * 6 + 2, 2 * 6 + 2)  # 2x2 grid of 4x4, padding 2
    image = tf.io.decode_png(encoded)
    assert image.shape == (14, 14, 3)
