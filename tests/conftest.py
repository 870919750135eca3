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
    if output == "exp":
        return rng.poisson(2.0, size=(n_out, m)).astype(np.float64)  # counts, zeros included
    return rng.normal(size=(n_out, m))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def breast_cancer_split():
    """Breast-cancer data, standardised on the training part, 75/25 stratified split, seed 0."""
    pytest.importorskip("sklearn")
    from sklearn.model_selection import train_test_split

    from chainrule.io.datasets import load_dataset
    from chainrule.model import Standardizer

    data = load_dataset("breast-cancer")
    X_train, X_test, y_train, y_test = train_test_split(
        data.X, data.y, test_size=0.25, random_state=0, stratify=data.y
    )
    scaler = Standardizer.fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def torch_cost(params, X, Y, hidden, output):
    """The same network and cost written with PyTorch operations on (n, m) tensors."""
    import torch

    F = torch.nn.functional
    activations = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
        "identity": lambda z: z,
    }
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = activations[hidden](Z) if l < L else Z
    m = X.shape[1]
    if output == "sigmoid":
        return F.binary_cross_entropy_with_logits(A, Y, reduction="sum") / m
    if output == "softmax":
        return F.cross_entropy(A.T, Y.T, reduction="sum") / m  # Y.T: class probabilities
    if output == "exp":  # e^z - y z, plus the deviance's constant y log y - y
        poisson = F.poisson_nll_loss(A, Y, log_input=True, full=False, reduction="sum")
        return (poisson + (torch.special.xlogy(Y, Y) - Y).sum()) / m
    return 0.5 * ((A - Y) ** 2).sum() / m


def torch_params(net):
    """The network's parameters as float64 torch leaves, ``{"W1": ..., "b1": ...}``."""
    import torch

    return {
        k: torch.tensor(v.copy(), dtype=torch.float64, requires_grad=True)
        for k, v in net.params.items()
    }


def interrupt_once_saved(command, saved, env=None, timeout=120, signals=None):
    """Start ``command``, wait for its first checkpoint ``saved``, then send ``signals``
    (default: one Ctrl-C, ``SIGINT``) some way into a later epoch, back to back; returns
    ``(exit status, stderr)``."""
    import signal
    import subprocess
    import time

    process = subprocess.Popen(
        [*map(str, command)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + timeout
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    for number in signals or [signal.SIGINT]:
        process.send_signal(number)
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def pytest_collection_modifyitems(config, items):
    """scikit-learn's array API checks run in ``tests/sklearn/test_estimators_array_api.py``,
    in interpreters that set ``SCIPY_ARRAY_API=1`` before SciPy is imported; inside
    ``parametrize_with_checks`` they could only skip (SciPy is loaded by then), so they are
    deselected there."""

    def here(item):
        return not ("test_estimator_checks" in item.nodeid and "check_array_api" in item.nodeid)

    removed = [item for item in items if not here(item)]
    if removed:
        config.hook.pytest_deselected(items=removed)
        items[:] = [item for item in items if here(item)]
