"""Step strategies: how the trainer gets the cost and gradient of one mini-batch.

The trainer owns the loop (epochs, the seeded order of the examples, the update); a strategy
owns where the examples are. :class:`LocalGradient`, the default, holds them all in this
process: forward propagation, the cost and backpropagation of :mod:`chainrule.core.network`
on the batch's columns. The data-parallel strategy of :mod:`chainrule.parallel` holds one
shard and sums the shards' parts of the gradient across processes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.core.arrays import columns_of, host
from chainrule.core.network import Cache, Network, dense_product


class StepStrategy:
    """What the trainer asks of a strategy.

    ``bind`` is called once per :meth:`~chainrule.train.Trainer.fit` with the data it was
    given and returns ``m``, the number of examples an epoch goes through (all processes'
    together); ``grads`` is then the flat gradient buffer the strategy fills. A call with a
    batch's columns (a slice or index array into ``range(m)``) fills ``grads`` with the
    batch's gradient and returns ``(J, weight)``: the batch's cost and its weight (its
    number of examples, or their total sample weight), or ``None`` for a batch of zero
    weight, which carries no gradient. ``writes_files`` says whether this process writes
    checkpoints. :meth:`cost` is the cost the trainer reports (also for validation data):
    by default the network's ``J``; an estimator that reports on another scale overrides it.
    :meth:`check_data` validates what the trainer is given and :meth:`forward` is the
    forward pass the trainer's validation record uses; a strategy for inputs other than
    NumPy arrays (scipy.sparse, in :mod:`chainrule.sklearn.sparse`) overrides both.
    """

    grads: np.ndarray
    writes_files: bool = True

    def bind(self, net: Network, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None) -> int:
        raise NotImplementedError

    def __call__(self, columns: Any) -> tuple[float, float] | None:
        raise NotImplementedError

    def cost(self, net: Network, cache: Cache, Y: np.ndarray, w: np.ndarray | None) -> float:
        """The reported cost of a forward pass: ``J`` (C1 to C4 and R1)."""
        return net.batch_cost(cache, Y, w)

    def check_data(
        self, net: Network, X: Any, Y: Any, w: Any = None
    ) -> tuple[Any, np.ndarray, np.ndarray | None]:
        """``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)``, weights ``(1, m)``: validated for ``net``."""
        return net.check_data(X, Y, w)

    def forward(self, net: Network, X: Any) -> Cache:
        """Forward propagation on all of ``X`` ``(n[0], m)``, without dropout."""
        return net.forward_pass(X)


class LocalGradient(StepStrategy):
    """One process holds every example: a batch's gradient is computed where it is."""

    def bind(self, net: Network, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None) -> int:
        self.net, self.X, self.Y, self.w = net, X, Y, w
        self.w_host = None if w is None else host(w)  # zero-weight batches, told on the host
        self.grads = net.xp.empty_like(net.theta)
        self._caches: dict[int, Cache] = {}  # at most two sizes: the batch and the last one
        self._X_in_order: np.ndarray | None = None
        return X.shape[1]

    def __call__(self, columns: Any) -> tuple[float, float] | None:
        net, xp = self.net, self.net.xp
        if self.w_host is not None and not self.w_host[:, host(columns)].any():
            return None  # (host(columns): a copy back only for a run with sample weights)
        X, Y = self.input_columns(columns), columns_of(self.Y, columns)
        w = None if self.w is None else columns_of(self.w, columns)
        m = X.shape[1]
        if m not in self._caches:
            self._caches[m] = Cache(net.layer_sizes, m, net.dtype, self.input_product(X), xp)
        cache = net.forward_pass(X, self._caches[m], net.dropout_masks(m))
        cost = self.cost(net, cache, Y, w)
        net.batch_gradient(cache, Y, self.grads, w)
        return cost, m if w is None else xp.number(xp.sum(w))

    def input_columns(self, columns: Any) -> Any:
        """The batch's ``A[0]``. A batch of every example, of a NumPy ``X`` that is a view of
        rows (``X_rows.T``), is held in C order, copied once: in that order the BLAS takes F1's
        ``W[1] A[0]`` and B2's ``dZ[1] A[0]^T`` up to twice as fast on the seed's shapes, and a
        full batch's cache already holds arrays of that size. Every other batch is as given."""
        X = self.X
        whole = isinstance(columns, slice) and columns.start == 0 and columns.stop >= X.shape[1]
        if not whole or not isinstance(X, np.ndarray) or X.flags.c_contiguous:
            return columns_of(X, columns)
        if self._X_in_order is None:
            self._X_in_order = np.ascontiguousarray(X)
        return self._X_in_order

    def input_product(self, X: Any) -> Any:
        """How F1 and B2 multiply with the input ``X``: NumPy's ``matmul``."""
        return dense_product
