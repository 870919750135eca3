"""Shared fixtures: small seeded data for every output type."""

from __future__ import annotations

import numpy as np
import pytest


def make_targets(output: str, n_out: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Targets ``(n_out, m)`` suited to the output: 0/1 labels, one-hot columns or reals."""
    if output == "sigmoid":
        return (rng.random((n_out, m)) > 0.5).astype(np.float64)
    if output == "softmax":
        return np.eye(n_out)[rng.integers(0, n_out, m)].T
    return rng.normal(size=(n_out, m))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def breast_cancer_split():
    """Breast-cancer data, standardised on the training part, 75/25 stratified split, seed 0."""
    pytest.importorskip("sklearn")
    from sklearn.model_selection import train_test_split

    from chainrule.cli.preprocessing import Standardizer
    from chainrule.io.datasets import load_dataset

    data = load_dataset("breast-cancer")
    X_train, X_test, y_train, y_test = train_test_split(
        data.X, data.y, test_size=0.25, random_state=0, stratify=data.y
    )
    scaler = Standardizer.fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test
