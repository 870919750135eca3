"""Data sets bundled with chainrule, and loading a data set by name or by file.

Rows are samples, as everywhere outside the core: ``X`` is ``(m, n[0])``, ``y`` is ``(m,)``.
The bundled tables come from the packages that ship them (scikit-learn's wheel holds its toy
data sets; ``mnist1d`` generates MNIST-1D from its templates), so nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.core.validation import lookup
from chainrule.errors import ConfigurationError, DataError
from chainrule.extras import needs
from chainrule.io.readers import Select, read_table


@dataclass(frozen=True)
class Dataset:
    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    description: str = ""
    regression: bool | None = None
    named: bool = False  # the feature names are the data's own, so columns can be matched by name

    @property
    def is_regression(self) -> bool:
        """Bundled data sets say; for files, real targets with a fractional part mean
        regression and anything else classes (``--output-activation identity`` overrides)."""
        if self.regression is not None:
            return self.regression
        return self.y.dtype.kind == "f" and not np.array_equal(self.y, np.round(self.y))


def _sklearn(function_name: str) -> Callable[[int], tuple[np.ndarray, np.ndarray, list[str]]]:
    def load(seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, function_name)()
        names = [str(n) for n in getattr(bunch, "feature_names", range(bunch.data.shape[1]))]
        return bunch.data, bunch.target, names

    return load


def _two_moons(seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=500, noise=0.2, random_state=seed)
    return X, y, ["x1", "x2"]


def _mnist1d(seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ModuleNotFoundError as exc:
        raise DataError(needs("the mnist1d data set", "cli", exc.name)) from None

    args = get_dataset_args()
    args.seed = seed
    data = make_dataset(args)  # generated from the package's templates; no download
    X = np.vstack([data["x"], data["x_test"]])
    return X, np.concatenate([data["y"], data["y_test"]]), [f"t{i}" for i in range(X.shape[1])]


CATALOGUE: dict[str, tuple[Callable[[int], tuple[np.ndarray, np.ndarray, list[str]]], str]] = {
    "breast-cancer": (
        _sklearn("load_breast_cancer"),
        "Wisconsin breast-cancer diagnosis: 569 samples, 30 features, 2 classes (the default)",
    ),
    "digits": (
        _sklearn("load_digits"),
        "8x8 images of digits: 1797 samples, 64 features, 10 classes",
    ),
    "iris": (_sklearn("load_iris"), "Iris flowers: 150 samples, 4 features, 3 classes"),
    "wine": (_sklearn("load_wine"), "Wine cultivars: 178 samples, 13 features, 3 classes"),
    "two-moons": (
        _two_moons,
        "Two interleaving half circles (scikit-learn make_moons, noise 0.2): 500 samples, "
        "2 features, 2 classes",
    ),
    "diabetes": (
        _sklearn("load_diabetes"),
        "Diabetes progression: 442 samples, 10 features, a real-valued target (regression)",
    ),
    "mnist1d": (
        _mnist1d,
        "MNIST-1D, generated locally by the mnist1d package: 5000 samples, 40 features, 10 classes",
    ),
}


REGRESSION = {"diabetes"}
MADE_UP_NAMES = {"two-moons", "mnist1d"}  # generated data: x1, x2 or t0, t1, ... by position


def dataset_names() -> list[str]:
    return list(CATALOGUE)


def load_dataset(name: str, seed: int = 0, dtype: Any = np.float64) -> Dataset:
    """Load the bundled data set ``name``; ``seed`` only matters for generated ones."""
    loader, description = lookup("dataset", name, CATALOGUE)
    X, y, names = loader(seed)
    return Dataset(
        name,
        np.asarray(X, dtype=dtype),
        np.asarray(y),
        names,
        "target",
        description,
        regression=name in REGRESSION,
        named=name not in MADE_UP_NAMES,
    )


def load_data(
    spec: str,
    target: str | None = None,
    seed: int = 0,
    require_target: bool = True,
    dtype: Any = np.float64,
) -> Dataset:
    """A bundled data set by name, or a CSV, NPZ or IDX file by path (see ``read_table``);
    the features as ``dtype``."""
    return load_data_rows(spec, target, seed, require_target, dtype=dtype)[0]


def load_data_rows(
    spec: str,
    target: str | None = None,
    seed: int = 0,
    require_target: bool = True,
    select: Select | None = None,
    dtype: Any = np.float64,
) -> tuple[Dataset, range, int]:
    """Like :func:`load_data`, keeping only the rows ``select(m)`` of the ``m`` rows (all by
    default): the data, which rows they are, and ``m``. Files are read only for those rows;
    bundled data sets are small, built whole and then cut."""
    if spec in CATALOGUE:
        data = load_dataset(spec, seed, dtype)
        m = len(data.X)
        rows = range(m) if select is None else select(m)
        part = slice(rows.start, rows.stop)
        return replace(data, X=data.X[part], y=data.y[part]), rows, m
    if not any(c in spec for c in "/\\.") and not Path(spec).exists():
        raise ConfigurationError(
            f"unknown dataset {spec!r}; bundled: {', '.join(dataset_names())} (or give a "
            "path to a .csv, .npz or IDX file)"
        )
    table = read_table(spec, target, require_target, select, dtype)
    data = Dataset(
        spec, table.X, table.y, table.feature_names, table.target_name, named=table.named
    )
    m = len(table.X) if table.total is None else table.total
    return data, range(m) if table.rows is None else table.rows, m
