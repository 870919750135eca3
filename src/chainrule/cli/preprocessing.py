"""Feature standardisation, kept with a model so prediction applies the training transform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Standardizer:
    """``x' = (x - mean) / scale`` per feature; rows are samples, shape ``(m, n[0])``.

    Features with zero spread keep ``scale = 1`` so they map to 0 instead of NaN.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X_rows: np.ndarray, comm: Any = None) -> Standardizer:
        """Mean and standard deviation per feature; with an MPI communicator, over the rows
        of every rank (two sums across ranks: the rows, then the squared deviations)."""
        if comm is None:
            mean, scale = X_rows.mean(axis=0), X_rows.std(axis=0)
        else:
            count = comm.allreduce(len(X_rows))
            mean = comm.allreduce(X_rows.sum(axis=0)) / count
            scale = np.sqrt(comm.allreduce(((X_rows - mean) ** 2).sum(axis=0)) / count)
        scale[scale == 0] = 1.0
        return cls(mean=mean, scale=scale)

    def transform(self, X_rows: np.ndarray) -> np.ndarray:
        return (X_rows - self.mean) / self.scale
