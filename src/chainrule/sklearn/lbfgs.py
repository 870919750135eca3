"""``solver="lbfgs"``: scipy's L-BFGS-B on chainrule's exact cost and gradient.

The objective is the network's ``J`` (C1 to C5 with the L2 term R1) on all the examples, and
its gradient the backpropagated one (B1 to B4, R1), both from :mod:`chainrule.core.network`;
scipy sees only the flat ``theta``. scipy comes with scikit-learn, so it lives in this layer,
never in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize

from chainrule.core.network import Cache, Network, dense_product


@dataclass
class LbfgsResult:
    """What a run gives back: iterations, the final ``J``, the ``J`` after each iteration,
    scipy's status (0: converged) and message."""

    n_iter: int
    cost: float
    costs: list[float] = field(default_factory=list)
    status: int = 0
    message: str = ""


def fit_lbfgs(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    weights: np.ndarray | None,
    *,
    max_iter: int,
    max_fun: int,
    tol: float,
    input_product: Callable[[Any, Any, np.ndarray], np.ndarray] = dense_product,
) -> LbfgsResult:
    """Minimise ``J(theta)`` from ``net.theta`` with L-BFGS-B and leave the result in ``net``.

    ``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)``, ``weights`` ``(1, m)`` or ``None``. Stops after
    ``max_iter`` iterations, ``max_fun`` evaluations of ``J``, or once the largest entry of
    the projected gradient is at most ``tol`` (scipy's ``gtol``), as scikit-learn's lbfgs.
    ``input_product`` is the cache's product with ``X`` (the sparse one for scipy.sparse).
    """
    cache = Cache(net.layer_sizes, X.shape[1], net.dtype, input_product)
    grads = np.empty_like(net.theta)
    costs: list[float] = []

    def cost_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        net.theta[...] = theta
        net.forward_pass(X, cache)
        J = net.batch_cost(cache, Y, weights)
        net.batch_gradient(cache, Y, grads, weights)
        return J, grads.astype(np.float64)

    def record(intermediate_result) -> None:  # noqa: ANN001 (scipy's OptimizeResult)
        costs.append(float(intermediate_result.fun))

    with np.errstate(over="ignore", invalid="ignore"):
        result = minimize(
            cost_and_gradient,
            net.theta.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=record,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    net.theta[...] = result.x
    return LbfgsResult(
        min(int(result.nit), max_iter), float(result.fun), costs, int(result.status),
        str(result.message),
    )  # fmt: skip
