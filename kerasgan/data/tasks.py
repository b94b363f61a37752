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

__all__ = ["IMAGE_TO_IMAGE_TASKS", "PIPELINES", "load_for_task"]


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
