"""scipy.sparse input for the estimators: the input's two products, sparse by dense.

Only two products touch the input ``A[0] = X`` (``(n[0], m)``, the transposed view of the
rows, CSC for CSR rows): ``Z[1] = W[1] A[0]`` (F1) and ``dW[1] = dZ[1] A[0]^T`` (B2). Both
are computed here as scipy multiplies, sparse matrix by dense array,
``A B = (B^T A^T)^T``, so ``X`` is never densified, not even one mini-batch of it; every
other product is NumPy's. The core knows none of this: a
:class:`~chainrule.core.network.Cache` is given :func:`sparse_product` as its
``input_product`` (as scikit-learn's ``safe_sparse_dot`` chooses the product by type).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from chainrule.core.network import Cache, Network, dense_product
from chainrule.core.validation import as_targets, as_weights
from chainrule.errors import DataError
from chainrule.train.steps import LocalGradient


def sparse_product(A: Any, B: Any, out: np.ndarray) -> np.ndarray:
    """``out = A B`` with a dense ``A`` and a sparse ``B``: F1's ``W[1] A[0]`` and B2's
    ``dZ[1] A[0]^T``, computed as ``(B^T A^T)^T`` (sparse times dense)."""
    np.copyto(out, (B.T @ A.T).T)
    return out


def product_for(X: Any) -> Any:
    """The input product for ``X``: :func:`sparse_product` for scipy.sparse, else NumPy's."""
    return sparse_product if sp.issparse(X) else dense_product


def forward_rows(net: Network, X: Any) -> Cache:
    """Forward propagation on rows ``X`` ``(m, n[0])``, dense or sparse, as columns ``X^T``."""
    cache = Cache(net.layer_sizes, X.shape[0], net.dtype, product_for(X), net.xp)
    return net.forward_pass(X.T, cache)


class SparseAwareGradient(LocalGradient):
    """The estimators' step strategy: a batch's gradient in this process, for a NumPy or a
    scipy.sparse ``X`` ``(n[0], m)`` (the estimator has validated its values)."""

    def check_data(
        self, net: Network, X: Any, Y: Any, w: Any = None
    ) -> tuple[Any, np.ndarray, np.ndarray | None]:
        if not sp.issparse(X):
            return net.check_data(X, Y, w)
        n_0, m = X.shape
        if n_0 != net.layer_sizes[0]:
            raise DataError(
                f"X has {n_0} features but the network expects n[0] = {net.layer_sizes[0]}"
            )
        Y = as_targets(Y, net.layer_sizes[-1], m, net.dtype)
        net.output.check_targets(Y)
        return X.astype(net.dtype, copy=False), Y, as_weights(w, m, net.dtype)

    def forward(self, net: Network, X: Any) -> Cache:
        cache = Cache(net.layer_sizes, X.shape[1], net.dtype, product_for(X), net.xp)
        return net.forward_pass(X, cache)

    def input_product(self, X: Any) -> Any:
        return product_for(X)
