"""TensorFlow Datasets by name: `tfds:NAME[:split]`, from prepared data (no download by default)."""

import os


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


def tfds_dataset(name, split, image_size, channels, data_dir=None, download=False,
                 shuffle=False, seed=0):
    """An unbatched dataset of `(uint8 image, int32 label)` resized and cropped to `image_size`.

    Labels are -1 when the dataset has no class label.
    """
    import tensorflow as tf

    builder = tfds_builder(name, data_dir, download)
    image_key, label_key = _image_and_label_keys(name, builder.info)
    if split not in builder.info.splits:
        raise ValueError(
            f"TFDS dataset '{name}' has no split {split!r}. Available splits: "
            f"{sorted(builder.info.splits.keys())}."
        )
    read_config = None
    if shuffle:
        import tensorflow_datasets as tfds

        read_config = tfds.ReadConfig(shuffle_seed=seed)
    dataset = builder.as_dataset(split=split, shuffle_files=shuffle, read_config=read_config)

    def convert(example):
        image = example[image_key]
        image = image[..., :3] if image.shape[-1] == 4 else image  # drop alpha
        if image.dtype != tf.uint8:
            image = tf.cast(tf.clip_by_value(
                tf.cast(image, tf.float32) / 257.0, 0, 255), tf.uint8)
        if channels == 3 and image.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        elif channels == 1 and image.shape[-1] == 3:
            image = tf.image.rgb_to_grayscale(image)
        image = resize_center_crop_tf(image, image_size)
        label = tf.cast(example[label_key], tf.int32) if label_key else tf.constant(-1, tf.int32)
        return image, label

    dataset = dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if shuffle:
        dataset = dataset.shuffle(4096, seed=seed, reshuffle_each_iteration=True)
    return dataset


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
