"""Learning dynamics: how each layer's gradient, updates and units evolve over training.

:class:`Dynamics` is a trainer callback. Every ``every`` epochs it records, for each layer
``l``: ``grad_norm = ||dW[l]||`` (the full-batch gradient on up to 2048 training examples,
without dropout), ``update_ratio = ||W[l] - W[l] one epoch before|| / ||W[l]||`` (how far an
epoch moved the weights, relative to their size), and ``dead_fraction``: the fraction of the
layer's units that are dead (relu family: ``Z <= 0`` on every example, so ``g' = 0``) or
saturated (sigmoid and tanh: ``|g'(Z)| < 0.01`` on every example); ``gain``: the mean of
``g'(Z[l])`` over units and examples, the factor by which B4's ``dZ[l] = dA[l] * g'(Z[l])``
scales the gradient on its way down (a sigmoid's is at most 0.25, so six sigmoid layers
shrink it by ``0.25^6`` or more, unsaturated as they are); and ``saturation``: the fraction
of entries ``(unit, example)`` where ``g'(Z)`` is under a tenth of the activation's largest
derivative. The last three are ``None`` for the output layer. A vanishing gradient shows as
``grad_norm`` of layer 1 far below the last layer's, and as gains far below 1.

The records go to ``history.dynamics``, so they are checkpointed with the run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.core.network import Network
from chainrule.core.validation import check_positive_int
from chainrule.train.history import History

MAX_EXAMPLES = 2048
SATURATED = 0.01


class Dynamics:
    """Record per-layer dynamics every ``every`` epochs on ``X`` ``(n[0], m)``, ``Y``."""

    def __init__(self, net: Network, X: np.ndarray, Y: np.ndarray, every: int) -> None:
        self.every = check_positive_int("record_every", every)
        self.X, self.Y = X[:, :MAX_EXAMPLES], Y[:, :MAX_EXAMPLES]
        self.before = self._weights(net)  # W at the start of the next recorded epoch

    def __call__(self, net: Network, epoch: int, history: History) -> None:
        if epoch % self.every == 0:
            history.dynamics.append({"epoch": epoch, "layers": self.measure(net)})
        if (epoch + 1) % self.every == 0:
            self.before = self._weights(net)

    def measure(self, net: Network) -> list[dict[str, Any]]:
        """This epoch's record, one entry per layer."""
        X, Y = net.check_data(self.X, self.Y)[:2]
        cache = net.forward_pass(X)
        grads = net.batch_gradient(cache, Y, np.empty_like(net.theta))
        dW, _ = net.unflatten(grads)
        layers = []
        for l in range(1, net.L + 1):
            W = net.W[l]
            moved = np.linalg.norm(W - self.before[l - 1]) if self.before else float("nan")
            layers.append(
                {
                    "l": l,
                    "grad_norm": float(np.linalg.norm(dW[l])),
                    "update_ratio": float(moved / max(np.linalg.norm(W), 1e-30)),
                    "dead_fraction": dead_fraction(net, l, cache.Z[l]),
                    **derivative_measures(net, l, cache.Z[l]),
                }
            )
        return layers

    @staticmethod
    def _weights(net: Network) -> list[np.ndarray]:
        return [W.copy() for W in net.W[1:]]


def dead_fraction(net: Network, l: int, Z: np.ndarray) -> float | None:
    """The fraction of layer ``l``'s units dead or saturated on every example of ``Z``."""
    if l == net.L:
        return None
    g = net.g[l]
    if g.init == "he":  # the relu family: no gradient through z <= 0 (relu) or almost none
        inactive = Z <= 0
    elif g.name in ("sigmoid", "tanh"):
        inactive = np.abs(g.derivative(Z, g.value(Z))) < SATURATED
    else:
        return 0.0
    return float(inactive.all(axis=1).mean())


def derivative_measures(net: Network, l: int, Z: np.ndarray) -> dict[str, float | None]:
    """``{"gain": mean g'(Z), "saturation": fraction of entries with g'(Z) under a tenth of
    g's largest derivative}`` for hidden layer ``l`` (``None`` for the output layer)."""
    if l == net.L:
        return {"gain": None, "saturation": None}
    g = net.g[l]
    derivative = g.derivative(Z, g.value(Z))
    probe = np.array([[0.0, 1e-6]], dtype=Z.dtype)  # the largest slope is at or just right of 0
    largest = float(g.derivative(probe, g.value(probe)).max())
    return {
        "gain": float(derivative.mean()),
        "saturation": float((derivative < 0.1 * largest).mean()),
    }
