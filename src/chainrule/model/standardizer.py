"""Feature standardisation, kept with a model so prediction applies the training transform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

CHUNK = 4096  # rows per pass over the data: the statistics allocate nothing of X's size

#: Sums a value over every process that holds part of the rows (an MPI ``allreduce``); the
#: identity when one process holds them all.
SumAcross = Callable[[Any], Any]


def _here(value: Any) -> Any:
    return value


@dataclass
class Standardizer:
    """``x' = (x - mean) / scale`` per feature; rows are samples, shape ``(m, n[0])``.

    Features with zero spread keep ``scale = 1`` so they map to 0 instead of NaN.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X_rows: np.ndarray, sum_across: SumAcross | None = None) -> Standardizer:
        """Mean and standard deviation per feature, accumulated in float64, a block of rows
        at a time. ``sum_across`` adds a value up over the processes that hold the other rows
        (the data-parallel layer hands it in, so this module knows nothing of MPI): two sums,
        the rows, then the squared deviations."""
        total_of = sum_across or _here
        total = total_of(X_rows.sum(axis=0, dtype=np.float64))
        count = total_of(len(X_rows))
        mean = total / count
        squares = np.zeros_like(mean)
        for start in range(0, len(X_rows), CHUNK):
            deviation = X_rows[start : start + CHUNK] - mean
            squares += np.einsum("ij,ij->j", deviation, deviation)
        scale = np.sqrt(total_of(squares) / count)
        scale[scale == 0] = 1.0
        return cls(mean=mean, scale=scale)

    def transform(self, X_rows: np.ndarray) -> np.ndarray:
        """A standardised copy of ``X_rows``, in its dtype if it is a float one."""
        dtype = X_rows.dtype if X_rows.dtype.kind == "f" else np.float64
        return self.transform_in_place(np.array(X_rows, dtype=dtype))

    def transform_in_place(self, X_rows: np.ndarray) -> np.ndarray:
        """Standardise the float array ``X_rows`` itself, a block of rows at a time."""
        mean, scale = self.mean.astype(X_rows.dtype), self.scale.astype(X_rows.dtype)
        for start in range(0, len(X_rows), CHUNK):
            block = X_rows[start : start + CHUNK]
            block -= mean
            block /= scale
        return X_rows
