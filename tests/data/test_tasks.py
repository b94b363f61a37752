"""One data pipeline per task: `load_for_task` and the tasks it knows."""

import re

import numpy as np
import pytest

from kerasgan.data import IMAGE_TO_IMAGE_TASKS, load_for_task, load_scheduled
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


def _batches(dataset, count):
    return [batch.numpy() for batch in dataset.take(count)]


def test_a_scheduled_stream_changes_batch_size_by_step_and_resumes_at_any_step():
    options = {"image_size": 16, "channels": 1, "num_examples": 12}
    segments = ((0, 4), (3, 2), (7, 6))
    full = _batches(load_scheduled("unconditional", "shapes", segments=segments, seed=5,
                                   start_batch=0, **options), 11)
    assert [len(batch) for batch in full] == [4, 4, 4, 2, 2, 2, 2, 6, 6, 6, 6]
    # One segment: exactly the task's own stream.
    alone = _batches(load_for_task("unconditional", "shapes", batch_size=4, seed=5,
                                   start_batch=0, **options), 3)
    for a, b in zip(full[:3], alone):
        np.testing.assert_array_equal(a, b)
    # Each later segment reads its own stream from its start (another order than the first).
    later = _batches(load_for_task("unconditional", "shapes", batch_size=2, seed=5,
                                   start_batch=0, **options), 4)
    assert not all(np.array_equal(a, b) for a, b in zip(full[3:7], later))
    # From any step, the same batches as the stream from 0 (inside and across segments).
    for start in (1, 3, 6, 7, 9):
        resumed = _batches(load_scheduled("unconditional", "shapes", segments=segments, seed=5,
                                          start_batch=start, **options), 11 - start)
        assert len(resumed) == 11 - start
        for a, b in zip(resumed, full[start:]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("segments, start_batch, message", [
    (((1, 4),), 0, "start at step 0"),
    (((0, 4), (0, 2)), 0, "increasing starts"),
    (((0, 0),), 0, "positive batch sizes"),
    ((("a", 4),), 0, "(start_step, batch_size) pairs"),
    (((0, 4),), None, "scheduled stream is endless"),
])
def test_a_scheduled_stream_rejects_bad_segments(segments, start_batch, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_scheduled("unconditional", "shapes", segments=segments, seed=0,
                       start_batch=start_batch, image_size=16, num_examples=8)
