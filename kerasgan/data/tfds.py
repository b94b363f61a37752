"""TensorFlow Datasets by name: `tfds:NAME[:split]`, from prepared data (no download by default).

Examples are read by index (random access), so the pipelines' stateless
orders apply to TFDS too: TFRecord files record by record at their offsets,
`array_record` and `parquet` through TFDS's random-access data source.
"""

import collections
import os
import struct
import threading

import numpy as np


def _image_and_label_keys(name, info):
    import tensorflow_datasets as tfds

    features = info.features
    image_keys = [k for k, f in features.items() if isinstance(f, tfds.features.Image)]
    if not image_keys:
        raise ValueError(
            f"TFDS dataset '{name}' has no image feature. Available features: "
            f"{sorted(features.keys())}."
        )
    image_key = "image" if "image" in image_keys else image_keys[0]
    label_keys = [k for k, f in features.items() if isinstance(f, tfds.features.ClassLabel)]
    label_key = "label" if "label" in label_keys else (label_keys[0] if label_keys else None)
    return image_key, label_key


def tfds_builder(name, data_dir=None, download=False):
    """The prepared TFDS builder of `name`, or a clear error saying how to prepare it."""
    import tensorflow_datasets as tfds

    data_dir = data_dir or os.environ.get("TFDS_DATA_DIR")
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as error:  # DatasetNotFoundError and registry errors
        raise ValueError(f"Unknown TFDS dataset. Received: 'tfds:{name}' ({error})") from None
    if not builder.is_prepared():
        if not download:
            raise FileNotFoundError(
                f"TFDS dataset '{name}' is not prepared in data_dir '{builder.data_dir}'. "
                f"Prepare it on a connected machine (`tfds build {name}`) and point "
                "TFDS_DATA_DIR (or data_dir=) at the folder, or pass download=True."
            )
        builder.download_and_prepare()
    return builder


def describe_tfds(name, data_dir=None):
    builder = tfds_builder(name, data_dir)
    _, label_key = _image_and_label_keys(name, builder.info)
    class_names = tuple(builder.info.features[label_key].names) if label_key else None
    return {
        "num_classes": len(class_names) if class_names else None,
        "class_names": class_names,
        "num_examples": {k: v.num_examples for k, v in builder.info.splits.items()},
    }


_OPEN_FILES = 8


class _RecordReader:
    """Random access to the records of a TFDS split stored in uncompressed TFRecord files.

    Record `i` is the `i`-th of the split in file order (the order of
    `as_dataset(shuffle_files=False)`). The offsets of a file's records are
    read once, from their 12-byte headers, when the file is first used.
    """

    def __init__(self, name, file_instructions):
        self._name = name
        self._files = []
        for instruction in file_instructions:
            take = instruction.take
            if take is None or take < 0:
                take = instruction.examples_in_shard - instruction.skip
            self._files.append((instruction.filename, instruction.skip, take))
        self._starts = np.cumsum([0] + [take for _, _, take in self._files])
        self._offsets = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def count(self):
        return int(self._starts[-1])

    def _handle(self, filename):
        """This thread's open file, keeping at most `_OPEN_FILES` open per thread."""
        import tensorflow as tf

        handles = self._local.__dict__.setdefault("handles", collections.OrderedDict())
        if filename in handles:
            handles.move_to_end(filename)
        else:
            if len(handles) >= _OPEN_FILES:
                handles.popitem(last=False)[1].close()
            handles[filename] = tf.io.gfile.GFile(filename, "rb")
        return handles[filename]

    def _index(self, filename, needed):
        with self._lock:
            if filename in self._offsets:
                return self._offsets[filename]
        import tensorflow as tf

        offsets, lengths, offset = [], [], 0
        size = tf.io.gfile.stat(filename).length
        with tf.io.gfile.GFile(filename, "rb") as f:
            while len(offsets) < needed and offset < size:
                f.seek(offset)
                header = f.read(12)
                length = struct.unpack("<Q", header[:8])[0] if len(header) == 12 else -1
                if length < 0 or offset + 16 + length > size:
                    raise ValueError(
                        f"TFDS dataset '{self._name}': '{filename}' is not an uncompressed "
                        f"TFRecord file (record {len(offsets)} at byte {offset} overruns the "
                        f"file of {size} bytes). Expected the files `tfds build` writes.")
                offsets.append(offset + 12)
                lengths.append(length)
                offset += 16 + length
        if len(offsets) < needed:
            raise ValueError(f"TFDS dataset '{self._name}': '{filename}' holds {len(offsets)} "
                             f"records. Expected at least {needed} (its dataset_info.json).")
        result = (np.asarray(offsets, np.int64), np.asarray(lengths, np.int64))
        with self._lock:
            self._offsets[filename] = result
        return result

    def __call__(self, index):
        index = int(index)
        file = int(np.searchsorted(self._starts, index, side="right")) - 1
        filename, skip, take = self._files[file]
        record = skip + index - int(self._starts[file])
        offsets, lengths = self._index(filename, skip + take)
        handle = self._handle(filename)
        handle.seek(int(offsets[record]))
        return handle.read(int(lengths[record]))


def _tfds_source(name, split, image_size, channels, data_dir=None, download=False):
    """A `Source` of `{"image": uint8 [size, size, channels], "label": int32}` by example index.

    The image is resized (shorter side) and center-cropped to `image_size`;
    labels are -1 when the dataset has no class label. TFRecord files (what
    `tfds build` writes) are read record by record at their offsets;
    `array_record` and `parquet` through TFDS's random-access data source.
    """
    import tensorflow as tf
    import tensorflow_datasets as tfds

    from kerasgan.data._order import Source

    builder = tfds_builder(name, data_dir, download)
    image_key, label_key = _image_and_label_keys(name, builder.info)
    if split not in builder.info.splits:
        raise ValueError(
            f"TFDS dataset '{name}' has no split {split!r}. Available splits: "
            f"{sorted(builder.info.splits.keys())}."
        )
    file_format = builder.info.file_format
    features = builder.info.features
    if file_format == tfds.core.file_adapters.FileFormat.TFRECORD:
        reader = _RecordReader(name, builder.info.splits[split].file_instructions)
        count = reader.count

        def read(index):
            serialized = tf.numpy_function(reader, [index], tf.string, stateful=False)
            example = features.deserialize_example(tf.ensure_shape(serialized, []))
            label = example[label_key] if label_key else -1
            return example[image_key], tf.cast(label, tf.int32)
    elif file_format in tfds.core.file_adapters.FileFormat.with_random_access():
        data_source = builder.as_data_source(split=split)
        count = len(data_source)
        image_dtype = features[image_key].np_dtype

        def get(index):
            example = data_source[int(index)]
            label = example[label_key] if label_key else -1
            return np.asarray(example[image_key], image_dtype), np.int32(label)

        def read(index):
            image, label = tf.numpy_function(get, [index], (tf.as_dtype(image_dtype), tf.int32),
                                             stateful=False)
            image.set_shape(features[image_key].shape)
            return image, tf.ensure_shape(label, [])
    else:
        raise ValueError(
            f"TFDS dataset '{name}' is stored as {file_format.value}. Expected TFRecord "
            "(the default of `tfds build`) or a random-access format (array_record, parquet).")

    def fetch(index):
        image, label = read(index)
        image = image[..., :3] if image.shape[-1] == 4 else image  # drop alpha
        if image.dtype != tf.uint8:
            image = tf.cast(tf.clip_by_value(
                tf.cast(image, tf.float32) / 257.0, 0, 255), tf.uint8)
        if channels == 3 and image.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        elif channels == 1 and image.shape[-1] == 3:
            image = tf.image.rgb_to_grayscale(image)
        image = tf.ensure_shape(resize_center_crop_tf(image, image_size),
                                (image_size, image_size, channels))
        return {"image": image, "label": label}

    return Source(count, fetch)


def resize_center_crop_tf(image, image_size):
    """Resizes the shorter side to `image_size` (area-antialiased bilinear) and center-crops."""
    import tensorflow as tf

    shape = tf.shape(image)
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    scale = float(image_size) / tf.minimum(height, width)
    new_h = tf.maximum(image_size, tf.cast(tf.round(height * scale), tf.int32))
    new_w = tf.maximum(image_size, tf.cast(tf.round(width * scale), tf.int32))
    resized = tf.image.resize(image, [new_h, new_w], method="bilinear", antialias=True)
    top = (new_h - image_size) // 2
    left = (new_w - image_size) // 2
    cropped = resized[top:top + image_size, left:left + image_size]
    return tf.cast(tf.clip_by_value(tf.round(cropped), 0, 255), tf.uint8)
