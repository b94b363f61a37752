"""One data pipeline per task: what a model of each task trains on.

A model's `task` (`kerasgan.models.base.TASKS`) picks its pipeline, its
`data_requirements()` give the pipeline's sizes (image side, channels,
labels, a hole's size), and a recipe adds its own options (`data_options`:
a paired recipe's `jitter` and `direction`, for instance):

| task                                 | pipeline                     | batches                  |
|--------------------------------------|------------------------------|--------------------------|
| `unconditional`                      | `load`                       | images                   |
| `class-conditional`                  | `load(labels=True)`          | (images, labels)         |
| `paired`                             | `load_paired`                | (inputs, targets)        |
| `unpaired`                           | `load_unpaired`              | (a, b)                   |
| `inpainting`                         | `load_inpainting`            | (masked, targets, masks) |

Examples:

>>> dataset = load_for_task("paired", "shapes:pairs=edges", image_size=16, channels=3,
...                         batch_size=2, seed=0, num_examples=4)
>>> inputs, targets = next(iter(dataset))
>>> tuple(inputs.shape), tuple(targets.shape)
((2, 16, 16, 3), (2, 16, 16, 3))
"""

# Tasks whose models map input images to images (their inputs come from the data).
IMAGE_TO_IMAGE_TASKS = ("paired", "unpaired", "inpainting")
PIPELINES = {
    "unconditional": "load",
    "class-conditional": "load",
    "paired": "load_paired",
    "unpaired": "load_unpaired",
    "inpainting": "load_inpainting",
}

__all__ = ["IMAGE_TO_IMAGE_TASKS", "PIPELINES", "check_batch_segments", "load_for_task",
           "load_scheduled"]
_SEGMENT_SEED_STRIDE = 0x9E3779B97F4A7C15  # segment i of a scheduled stream: its own order


def load_for_task(task, spec, *, batch_size, seed, shuffle=True, **options):
    """The batched training dataset of a model of `task`.

    Args:
        task: the model's task (`model.task`).
        spec: the data spec (`"shapes"`, `"folder:PATH"`, `"tfds:NAME"`, with options).
        batch_size: the global batch size.
        seed: seeds the data, its shuffling and any augmentation.
        shuffle: shuffle the examples.
        **options: the model's `data_requirements()` and the recipe's data
            options, passed to the task's pipeline (`num_examples` too).
            `labels` is set by the task; the image-to-image pipelines load
            3-channel images.
    """
    from kerasgan import data

    if task not in PIPELINES:
        raise ValueError(f"There is no data pipeline for the task {task!r}. Expected one of "
                         f"{sorted(PIPELINES)}. Received: task={task!r}")
    labels = options.pop("labels", None)
    if task in IMAGE_TO_IMAGE_TASKS:
        channels = options.pop("channels", 3)
        if channels != 3 or labels:
            raise ValueError(f"The {task} pipeline loads 3-channel images without labels. "
                             f"Received: channels={channels}, labels={labels}")
    else:
        options["labels"] = task == "class-conditional"
        if labels is not None and bool(labels) != options["labels"]:
            raise ValueError(f"A model of the {task} task trains "
                             f"{'with' if options['labels'] else 'without'} labels. "
                             f"Received: labels={labels}")
    loader = getattr(data, PIPELINES[task])
    return loader(spec, batch_size=batch_size, seed=seed, shuffle=shuffle, **options)


def check_batch_segments(segments):
    """`((start_step, batch_size), ...)` as a tuple of int pairs, or a `ValueError` quoting it:
    starting at step 0, increasing starts, positive batch sizes."""
    try:
        pairs = tuple((int(start), int(size)) for start, size in segments)
    except (TypeError, ValueError):
        raise ValueError("Batch segments must be (start_step, batch_size) pairs. Received: "
                         f"{segments!r}") from None
    starts = [start for start, _ in pairs]
    if (not pairs or starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:]))
            or any(size < 1 for _, size in pairs)):
        raise ValueError("Batch segments must start at step 0 with increasing starts and "
                         f"positive batch sizes. Received: {segments!r}")
    return pairs


def load_scheduled(task, spec, *, segments, seed, start_batch, **options):
    """The endless training stream of a model whose global batch size changes by step.

    Segment `i` (`segments[i] = (start_step, batch_size)`, see
    `model.batch_segments`) is the task's endless stream of that batch size,
    with its own order (seed `seed` for the first segment, a different one for
    each later one), read from its start: step `k` of the result is batch
    `k - start_step` of the segment holding `k`. So the result from
    `start_batch=k` is the result from 0 with its first `k` batches skipped,
    for any `k`, as an exact resume needs. With one segment it is exactly
    `load_for_task(task, spec, batch_size=..., start_batch=...)`.

    Examples:

    >>> stream = load_scheduled("unconditional", "shapes", segments=((0, 4), (2, 2)), seed=0,
    ...                         start_batch=1, image_size=16, num_examples=8)
    >>> [int(batch.shape[0]) for batch in stream.take(3)]
    [4, 2, 2]
    """
    from kerasgan.data._order import check_seed, check_start_batch

    segments = check_batch_segments(segments)
    seed = check_seed(seed)
    start_batch = check_start_batch(start_batch)
    if start_batch is None:
        raise ValueError("A scheduled stream is endless: pass start_batch (0 for the start). "
                         "Received: start_batch=None")
    streams = []
    for number, (start, size) in enumerate(segments):
        end = segments[number + 1][0] if number + 1 < len(segments) else None
        if end is not None and end <= start_batch:
            continue
        segment_seed = seed if number == 0 else (seed + number * _SEGMENT_SEED_STRIDE) % 2**63
        stream = load_for_task(task, spec, batch_size=size, seed=segment_seed,
                               start_batch=max(0, start_batch - start), **options)
        if end is not None:
            stream = stream.take(end - max(start, start_batch))
        streams.append(stream)
    if len(streams) == 1:
        return streams[0]
    result = streams[0]
    for stream in streams[1:]:
        result = result.concatenate(stream)
    return result
