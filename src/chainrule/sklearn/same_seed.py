"""scikit-learn's random stream, drawn in its order, so that the same ``random_state`` gives
the same model as scikit-learn's MLP.

scikit-learn's MLP makes one ``RandomState`` per call to ``fit`` or ``partial_fit``
(``check_random_state(random_state)``: a fresh stream for an integer seed, the user's own
stream for a ``RandomState``) and draws from it, in this order: the initial coefficients and
intercepts layer by layer (first fit only), the early-stopping split, then one shuffle per
epoch. The estimators draw the same numbers here, while :class:`chainrule.core.Network` keeps
its own initialisation for everything else.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import shuffle

from chainrule.core.network import Network


def initialize_like_scikit_learn(
    net: Network, activation: str, random_state: np.random.RandomState
) -> None:
    """Draw ``W[l]`` and ``b[l]``, ``l = 1..L``, as scikit-learn's ``_init_coef`` does.

    For each layer, ``coefs_[l-1] = W[l]^T`` ``(n[l-1], n[l])`` and then ``b[l]`` come from
    ``U(-r, r)`` with ``r = sqrt(f / (n[l-1] + n[l]))``; ``f = 2`` for the logistic hidden
    activation and 6 (Glorot's uniform bound) otherwise. Drawn in float64, then cast.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    n = net.layer_sizes
    for l in range(1, net.L + 1):
        r = np.sqrt(factor / (n[l - 1] + n[l]))
        net.W[l][...] = random_state.uniform(-r, r, (n[l - 1], n[l])).T
        net.b[l][:, 0] = random_state.uniform(-r, r, n[l])


class ShuffleLikeScikitLearn:
    """The order of a shuffled epoch, as scikit-learn's ``_fit_stochastic`` makes it.

    Within one call to ``fit``, each epoch shuffles the previous epoch's order with
    ``sklearn.utils.shuffle(order, random_state=...)``, starting from ``0..m-1``; the trainer
    calls this object as ``order(m)``. :meth:`start` begins a call's stream.
    """

    def __init__(self) -> None:
        self.random_state: np.random.RandomState | None = None
        self.indices: np.ndarray | None = None

    def start(self, random_state: np.random.RandomState) -> None:
        self.random_state, self.indices = random_state, None

    def __call__(self, m: int) -> np.ndarray:
        if self.indices is None or len(self.indices) != m:
            self.indices = np.arange(m)
        self.indices = shuffle(self.indices, random_state=self.random_state)
        return self.indices


def split_like_scikit_learn(
    X: Any,
    Y: np.ndarray,
    w: np.ndarray | None,
    fraction: float,
    random_state: np.random.RandomState,
    stratify: np.ndarray | None,
) -> tuple[Any, np.ndarray, np.ndarray | None, Any, np.ndarray, np.ndarray | None]:
    """``(X, Y, w)`` to train on and ``(X, Y, w)`` to validate, rows as samples: scikit-learn's
    ``train_test_split(..., test_size=fraction, stratify=...)`` on the call's stream."""
    arrays = (X, Y) if w is None else (X, Y, w)
    parts = train_test_split(
        *arrays, random_state=random_state, test_size=fraction, stratify=stratify
    )
    if w is None:
        X_train, X_val, Y_train, Y_val = parts
        return X_train, Y_train, None, X_val, Y_val, None
    X_train, X_val, Y_train, Y_val, w_train, w_val = parts
    return X_train, Y_train, w_train, X_val, Y_val, w_val
