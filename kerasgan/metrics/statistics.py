"""Streaming mean and covariance of activations, in float64."""

import numpy as np


class RunningStatistics:
    """Mean and covariance of a stream of `[n, dim]` activation batches.

    Batches are merged with the pairwise update of Chan, Golub and LeVeque
    (the mean and the centred sum of outer products of each batch, combined
    with the running ones), so the activations themselves are never kept and
    the result equals `numpy.mean` / `numpy.cov` of all the rows to rounding.

    Args:
        dim: the activation size.

    Examples:

    >>> import numpy as np
    >>> stats = RunningStatistics(3)
    >>> x = np.random.default_rng(0).normal(size=(10, 3))
    >>> stats.update(x[:4]).update(x[4:])
    RunningStatistics(dim=3, count=10)
    >>> bool(np.allclose(stats.covariance(), np.cov(x, rowvar=False)))
    True
    """

    def __init__(self, dim):
        if not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"`dim` must be a positive integer. Received: dim={dim!r}")
        self.dim = int(dim)
        self.count = 0
        self.mean = np.zeros(self.dim, np.float64)
        self._scatter = np.zeros((self.dim, self.dim), np.float64)  # sum of centred outer products

    def update(self, activations):
        """Adds a batch of activations, shape `[n, dim]`."""
        x = np.asarray(activations, np.float64)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"Expected activations of shape [n, {self.dim}]. "
                             f"Received: shape={x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("The activations hold NaN or infinite values.")
        n = x.shape[0]
        if n == 0:
            return self
        batch_mean = x.mean(axis=0)
        centred = x - batch_mean
        self._merge(n, batch_mean, centred.T @ centred)
        return self

    def _merge(self, n, batch_mean, batch_scatter):
        total = self.count + n
        delta = batch_mean - self.mean
        self._scatter += batch_scatter + np.outer(delta, delta) * (self.count * n / total)
        self.mean = self.mean + delta * (n / total)
        self.count = total

    def merge(self, other):
        """Adds the statistics of another `RunningStatistics` (e.g. another worker's)."""
        if not isinstance(other, RunningStatistics) or other.dim != self.dim:
            raise ValueError(f"Expected RunningStatistics of dim {self.dim}. Received: {other!r}")
        if other.count:
            self._merge(other.count, other.mean, other._scatter)
        return self

    def covariance(self):
        """The unbiased covariance (ddof = 1), as `numpy.cov(x, rowvar=False)`."""
        if self.count < 2:
            raise ValueError(f"A covariance needs at least 2 samples. Received: {self.count}")
        return self._scatter / (self.count - 1)

    def to_dict(self):
        return {"count": self.count, "mean": self.mean.copy(), "covariance": self.covariance()}

    @classmethod
    def from_dict(cls, values):
        mean = np.asarray(values["mean"], np.float64)
        covariance = np.asarray(values["covariance"], np.float64)
        count = int(values["count"])
        if mean.ndim != 1 or covariance.shape != (mean.size, mean.size) or count < 2:
            raise ValueError(f"Inconsistent statistics: mean {mean.shape}, covariance "
                             f"{covariance.shape}, count {count}")
        stats = cls(mean.size)
        stats.count, stats.mean, stats._scatter = count, mean, covariance * (count - 1)
        return stats

    def save(self, path):
        """Writes the statistics as an `.npz` file (no pickled objects)."""
        np.savez(path, **self.to_dict())

    @classmethod
    def load(cls, path):
        with np.load(path, allow_pickle=False) as archive:
            return cls.from_dict({k: archive[k] for k in ("count", "mean", "covariance")})

    def __repr__(self):
        return f"RunningStatistics(dim={self.dim}, count={self.count})"
