"""Feature standardisation, kept with a model so prediction applies the training transform."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Standardizer:
    """``x' = (x - mean) / scale`` per feature; rows are samples, shape ``(m, n[0])``.

    Features with zero spread keep ``scale = 1`` so they map to 0 instead of NaN.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X_rows: np.ndarray) -> Standardizer:
        scale = X_rows.std(axis=0)
        scale[scale == 0] = 1.0
        return cls(mean=X_rows.mean(axis=0), scale=scale)

    def transform(self, X_rows: np.ndarray) -> np.ndarray:
        return (X_rows - self.mean) / self.scale
