"""Gradient checking: backpropagation against centred finite differences.

For every parameter ``theta_i`` the derivative is estimated from costs at points placed
symmetrically around it. The textbook two-point formula
``(J(theta + h e_i) - J(theta - h e_i)) / 2h`` has an error of order ``h**2``, which forces a
small ``h`` and then loses digits to rounding when gradients are small (deep sigmoid
networks). The four-point centred formula used here,

    dJ/dtheta_i ~ (8 [J(+h) - J(-h)] - [J(+2h) - J(-2h)]) / 12h,

cancels the ``h**2`` term as well, leaving an error of order ``h**4``, so ``h = 1e-4`` is both
accurate and far from rounding noise. The check runs in float64 on a copy of the network, so
it never disturbs the caller's parameters and is meaningful for a float32 network too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.core.network import Network
from chainrule.core.validation import check_positive_int

NOISE_FLOOR = 1e-8


def relative_error(numeric: np.ndarray, analytic: np.ndarray) -> float:
    """``||numeric - analytic|| / max(||numeric|| + ||analytic||, NOISE_FLOOR)``.

    The floor keeps a gradient that is zero (a layer no example activates) from scoring 1.0
    against the ~1e-17 rounding noise of its finite-difference estimate.
    """
    scale = max(float(np.linalg.norm(numeric) + np.linalg.norm(analytic)), NOISE_FLOOR)
    return float(np.linalg.norm(numeric - analytic) / scale)


def numerical_gradient(theta: np.ndarray, cost: Callable[[], float], h: float) -> np.ndarray:
    """Four-point centred finite-difference gradient of ``cost()`` with respect to ``theta``.

    ``theta`` is changed in place one entry at a time (and put back); ``cost`` evaluates the
    cost at the current ``theta``. The result is laid out like ``theta``.
    """
    numeric = np.empty_like(theta)

    def cost_at(i: int, shift: float) -> float:
        original = theta[i]
        theta[i] = original + shift
        J = cost()
        theta[i] = original
        return J

    for i in range(theta.size):
        # differences first: a parameter the cost ignores then gets exactly 0
        near = cost_at(i, h) - cost_at(i, -h)
        far = cost_at(i, 2 * h) - cost_at(i, -2 * h)
        numeric[i] = (8 * near - far) / (12 * h)
    return numeric


def gradcheck(net: Network, X: Any, Y: Any, h: float = 1e-4) -> dict[str, float]:
    """Relative error between backpropagation and finite differences, per parameter.

    ``X`` is ``(n[0], m)``, ``Y`` is ``(n[L], m)``. Returns ``{"W1": err, "b1": err, ...}``;
    a correct backpropagation gives errors around 1e-10. The cost is not differentiable
    where a relu-family ``Z`` entry lies within ``2h`` of 0 (exactly 0 happens when a whole
    layer is inactive for an example and the next biases are 0); there the check can fail
    although the gradient is right.
    """
    twin = net.copy(dtype="float64")
    analytic = np.concatenate([g.ravel() for g in twin.gradients(X, Y).values()])
    numeric = numerical_gradient(twin.theta, lambda: twin.cost(X, Y), h)
    errors = {}
    offset = 0
    for name, value in twin.params.items():
        part = slice(offset, offset + value.size)
        errors[name] = relative_error(numeric[part], analytic[part])
        offset += value.size
    return errors


def gradcheck_problem(
    layer_sizes: Sequence[int],
    hidden_activation: str | Sequence[str] = "relu",
    output_activation: str = "sigmoid",
    m: int = 8,
    seed: int = 0,
) -> tuple[Network, np.ndarray, np.ndarray]:
    """A float64 network and random data ``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)`` to check.

    The biases are drawn too (not zero, as after initialisation), so relu-family units sit
    away from their kink as after some training; ``Y`` suits the output: 0/1 labels for a
    sigmoid, one-hot columns for a softmax, real values for an identity output.
    """
    m = check_positive_int("the number of examples m", m)
    net = Network(layer_sizes, hidden_activation, output_activation, seed=seed, dtype="float64")
    rng = np.random.default_rng(seed)
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.1, size=net.b[l].shape)
    X = rng.normal(size=(net.layer_sizes[0], m))
    n_out = net.layer_sizes[-1]
    if output_activation == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, m)].T
    elif output_activation == "sigmoid":
        Y = (rng.random((n_out, m)) > 0.5).astype(float)
    else:
        Y = rng.normal(size=(n_out, m))
    return net, X, Y
