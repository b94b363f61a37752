"""A callback that measures sample quality (FSD/FID, KID, IS, ...) during `fit`."""

import keras

from kerasgan.metrics.evaluation import parse_metrics


class EvaluationCallback(keras.callbacks.Callback):
    """Evaluates the GAN every `every_n_epochs` epochs and adds the figures to the logs.

    The samples come from the EMA generator where the model has one. The
    reference statistics of the data are computed (or read from the cache)
    once, at the first evaluation. Scalar results enter the epoch's `logs`
    (so `History`, `TensorBoard` and `CSVLogger` see them): `fsd`, `fid`,
    `kid` (its mean), `is` (its mean), `precision`, `recall`, `accuracy`.
    Generation runs in the cross-replica context, so the callback works under
    any `tf.distribute` strategy.

    Args:
        metrics: metric names (see `kerasgan.metrics.evaluation.METRICS`).
        data: the real data spec.
        every_n_epochs: evaluate after every this many epochs (and never on
            the others).
        num_samples: generated images per evaluation.
        seed: seeds the latents; the same latents are used every time.
        **evaluate_kwargs: passed to `kerasgan.metrics.evaluate`.

    Examples:

    >>> callback = EvaluationCallback(["fsd"], data="shapes", every_n_epochs=5,
    ...                               num_samples=2000)
    """

    def __init__(self, metrics=("fsd",), data="shapes", every_n_epochs=1, num_samples=2000,
                 seed=0, **evaluate_kwargs):
        super().__init__()
        self.metric_names = parse_metrics(metrics)
        if not isinstance(every_n_epochs, int) or every_n_epochs < 1:
            raise ValueError(f"`every_n_epochs` must be a positive integer. "
                             f"Received: every_n_epochs={every_n_epochs!r}")
        self.data = data
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples
        self.seed = seed
        self.evaluate_kwargs = evaluate_kwargs
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        from kerasgan.metrics.evaluation import evaluate

        report = evaluate(self.model, self.metric_names, data=self.data,
                          num_samples=self.num_samples, seed=self.seed, **self.evaluate_kwargs)
        self.history.append({"epoch": epoch + 1, **report})
        if logs is not None:
            logs.update(scalar_results(report["metrics"]))


def scalar_results(results):
    """The scalar figures of an evaluation's `metrics` dict, flat, for logs."""
    scalars = {}
    for name, value in results.items():
        if name == "pr":
            scalars["precision"] = value["precision"]
            scalars["recall"] = value["recall"]
        elif isinstance(value, dict):
            scalars[name] = value.get("mean", value.get("overall"))
        else:
            scalars[name] = value
    return scalars
