"""Data sets bundled with chainrule, loaded from the packages that ship them.

Rows are samples, as everywhere outside the core: ``X`` is ``(m, n[0])``, ``y`` is ``(m,)``.
scikit-learn ships these tables inside its wheel, so nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chainrule.errors import ConfigurationError


@dataclass(frozen=True)
class Dataset:
    name: str
    X: np.ndarray
    y: np.ndarray
    task: str  # "binary", "multiclass" or "regression"
    description: str


def _sklearn_loader(function_name: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def load() -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        return getattr(sklearn.datasets, function_name)(return_X_y=True)

    return load


_CATALOGUE = {
    "breast-cancer": (
        _sklearn_loader("load_breast_cancer"),
        "binary",
        "Wisconsin breast-cancer diagnosis: 569 samples, 30 features, 2 classes",
    ),
}


def dataset_names() -> list[str]:
    return list(_CATALOGUE)


def load_dataset(name: str) -> Dataset:
    """Load the bundled data set ``name``; see :func:`dataset_names`."""
    if name not in _CATALOGUE:
        raise ConfigurationError(f"unknown dataset {name!r}; bundled: {', '.join(dataset_names())}")
    loader, task, description = _CATALOGUE[name]
    X, y = loader()
    return Dataset(name=name, X=np.asarray(X), y=np.asarray(y), task=task, description=description)
