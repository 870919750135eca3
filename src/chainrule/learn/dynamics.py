"""Learning dynamics: how each layer's gradient, updates and units evolve over training.

:class:`Dynamics` is a trainer callback. Every ``every`` epochs it records, for each layer
``l``: ``grad_norm = ||dW[l]||`` (the full-batch gradient on up to 2048 training examples,
without dropout), ``update_ratio = ||W[l] - W[l] one epoch before|| / ||W[l]||`` (how far an
epoch moved the weights, relative to their size), and ``dead_fraction``: the fraction of the
layer's units that are dead (relu family: ``Z <= 0`` on every example, so ``g' = 0``) or
saturated (sigmoid and tanh: ``|g'(Z)| < 0.01`` on every example); ``None`` for the output
layer. A vanishing gradient shows as ``grad_norm`` of layer 1 far below the last layer's.

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
