"""One data pipeline per task: `load_for_task` and the tasks it knows."""

import numpy as np
import pytest

from kerasgan.data import IMAGE_TO_IMAGE_TASKS, load_for_task
from kerasgan.data.tasks import PIPELINES
from kerasgan.models.base import TASKS


@pytest.mark.parametrize("task, spec, requirements, shapes", [
    ("unconditional", "shapes", {"channels": 1, "labels": False}, [(2, 16, 16, 1)]),
    ("class-conditional", "shapes", {"channels": 3, "labels": True}, [(2, 16, 16, 3), (2,)]),
    ("paired", "shapes:pairs=edges", {"channels": 3}, [(2, 16, 16, 3)] * 2),
    ("unpaired", "shapes:domains=ab", {"channels": 3}, [(2, 16, 16, 3)] * 2),
    ("inpainting", "shapes", {"channels": 3, "hole_size": 8, "overlap": 2},
     [(2, 16, 16, 3), (2, 16, 16, 3), (2, 16, 16, 1)]),
])
def test_each_task_loads_its_pipeline(task, spec, requirements, shapes):
    dataset = load_for_task(task, spec, image_size=16, batch_size=2, seed=0, num_examples=4,
                            **requirements)
    batch = next(iter(dataset))
    parts = batch if isinstance(batch, tuple) else (batch,)
    assert [tuple(part.shape) for part in parts] == shapes
    images = parts[0].numpy()
    assert images.dtype == np.float32 and -1.0 <= images.min() and images.max() <= 1.0
    assert int(dataset.cardinality()) == 2  # 4 examples, batches of 2


def test_the_inpainting_pipeline_masks_the_hole_it_is_given():
    masked, targets, masks = next(iter(load_for_task(
        "inpainting", "shapes", image_size=16, batch_size=2, seed=0, num_examples=2,
        hole_size=8, overlap=2, shuffle=False)))
    assert float(masks.numpy()[0].sum()) == 64.0  # the 8x8 center
    inner = (slice(None), slice(6, 10), slice(6, 10))
    assert np.abs(masked.numpy()[inner] - targets.numpy()[inner]).max() > 0  # filled
    np.testing.assert_array_equal(masked.numpy()[:, :4], targets.numpy()[:, :4])  # context


def test_every_task_has_a_pipeline_but_text_conditional():
    assert set(PIPELINES) == set(TASKS) - {"text-conditional"}
    assert set(IMAGE_TO_IMAGE_TASKS) < set(PIPELINES)
    with pytest.raises(ValueError, match="no data pipeline for the task 'text-conditional'"):
        load_for_task("text-conditional", "shapes", image_size=16, batch_size=2, seed=0)


@pytest.mark.parametrize("task, options, message", [
    ("paired", {"channels": 1}, r"loads 3-channel images without labels\. Received: "
                                r"channels=1, labels=None"),
    ("unpaired", {"labels": True}, r"Received: channels=3, labels=True"),
    ("unconditional", {"labels": True}, r"trains without labels\. Received: labels=True"),
    ("class-conditional", {"labels": False}, r"trains with labels\. Received: labels=False"),
])
def test_requirements_the_pipeline_cannot_meet_are_refused(task, options, message):
    with pytest.raises(ValueError, match=message):
        load_for_task(task, "shapes", image_size=16, batch_size=2, seed=0, num_examples=4,
                      **options)
