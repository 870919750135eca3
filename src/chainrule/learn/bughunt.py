"""Planted mistakes in backpropagation, found by the gradient check.

Each :class:`Bug` is a real mistake learners make when they write the backward pass by hand
(the seed tutorial makes the first one). :func:`gradients_with` is the backward pass of
``docs/derivation.md`` written out once more in plain NumPy with the mistake switched in;
without a mistake it equals :meth:`chainrule.core.Network.batch_gradient` (the tests hold it
to that). :func:`hunt` compares a mutant's gradient with finite differences of the true cost
and reports which parameters fail, without saying why; :attr:`Bug.answer` says why.

The hunting ground is one fixed network: ``[4, 3, 3, 1]`` with tanh hidden layers, a sigmoid
output, L2 (``lambda = 0.1``) and dropout (``p = 0.25``, masks drawn once and held fixed, so
the cost is a function of the parameters alone), in float64, on 6 examples. ``W[2]`` is
square, so a missing transpose still runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.core.gradcheck import numerical_gradient, relative_error
from chainrule.core.network import Network
from chainrule.errors import ConfigurationError

TOLERANCE = 1e-6  # a correct gradient scores ~1e-10 on this network


@dataclass(frozen=True)
class Bug:
    id: int
    title: str  # where to look, without giving the mistake away
    answer: str  # the mistake
    equation: str  # the derivation's label for the line it breaks
    touches: tuple[str, ...]  # the parameters whose gradients it changes


BUGS = (
    Bug(
        1,
        "the gradient of the cost with respect to the output",
        "the seed tutorial's sign error: dJ/dA[L] = -Y/A - (1-Y)/(1-A) instead of "
        "-Y/A + (1-Y)/(1-A), so dZ[L] is not (A[L] - Y)/m",
        "B1",
        ("W1", "b1", "W2", "b2", "W3", "b3"),
    ),
    Bug(
        2,
        "passing the gradient from layer 2 back to layer 1",
        "a missing transpose: dA[1] = W[2] dZ[2] instead of W[2]ᵀ dZ[2] (it runs only "
        "because W[2] is square)",
        "B4",
        ("W1", "b1"),
    ),
    Bug(
        3,
        "the size of every gradient",
        "the missing 1/m: dZ[L] = A[L] - Y, the gradient of the sum of the losses, not of "
        "their average",
        "B1",
        ("W1", "b1", "W2", "b2", "W3", "b3"),
    ),
    Bug(
        4,
        "the bias gradients",
        "db without the sum over examples: db[l] takes the first example's column of dZ[l] "
        "instead of sum_i dZ[l]",
        "B3",
        ("b1", "b2", "b3"),
    ),
    Bug(
        5,
        "the derivative of the hidden activations",
        "g'(A) used for g'(Z): tanh' evaluated at A[l] = tanh(Z[l]) instead of at Z[l]",
        "B4",
        ("W1", "b1", "W2", "b2"),
    ),
    Bug(
        6,
        "dropout in the backward pass",
        "the dropout mask is not applied in the backward pass: dA[l] must be multiplied by "
        "the same D[l] as A[l] was",
        "R2",
        ("W1", "b1", "W2", "b2"),
    ),
    Bug(
        7,
        "the regularisation term",
        "L2 applied to the biases: db[l] += (lambda/m) b[l], although the cost penalises "
        "only the weights",
        "R1",
        ("b1", "b2", "b3"),
    ),
)


def get_bug(bug_id: int) -> Bug:
    for bug in BUGS:
        if bug.id == bug_id:
            return bug
    raise ConfigurationError(f"no bug {bug_id}; the bugs are 1 to {len(BUGS)} (--list)")


@dataclass
class Ground:
    """The fixed network, data and dropout masks every bug is hunted on."""

    net: Network
    X: np.ndarray
    Y: np.ndarray
    masks: list


def hunting_ground(seed: int = 0, m: int = 6) -> Ground:
    """The network of the module docstring on ``m`` examples (6 unless asked)."""
    net = Network([4, 3, 3, 1], "tanh", "sigmoid", seed=seed, dtype="float64", l2=0.1, dropout=0.25)
    rng = np.random.default_rng(seed)
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.5, size=net.b[l].shape)
    X = rng.normal(size=(4, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    masks = net.dropout_masks(m)
    for l in (1, 2):  # keep at least one unit of every example, so each layer is in play
        masks[l][0] = 1 / 0.75
    return Ground(net, X, Y, masks)


def gradients_with(ground: Ground, bug: int | None = None) -> dict[str, np.ndarray]:
    """Backpropagation on ``ground`` (eqs. B1 to B4, R1, R2), with ``bug`` planted."""
    net, X, Y = ground.net, ground.X, ground.Y
    cache = net.forward_pass(X, masks=ground.masks)
    Z, A, D, L, m = cache.Z, cache.A, cache.D, net.L, X.shape[1]
    if bug == 1:
        dA = -Y / A[L] - (1 - Y) / (1 - A[L])  # the seed's sign
        dZ = dA * A[L] * (1 - A[L]) / m
    elif bug == 3:
        dZ = A[L] - Y
    else:
        dZ = (A[L] - Y) / m  # B1
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ A[l - 1].T + (net.l2 / m) * net.W[l]  # B2 and R1
        grads[f"b{l}"] = dZ[:, :1].copy() if bug == 4 else dZ.sum(axis=1, keepdims=True)  # B3
        if bug == 7:
            grads[f"b{l}"] += (net.l2 / m) * net.b[l]
        if l > 1:
            dA = (net.W[l] if bug == 2 and l == 2 else net.W[l].T) @ dZ  # B4
            if bug != 6 and D[l - 1] is not None:
                dA = dA * D[l - 1]  # R2
            g = net.g[l - 1]
            at = A[l - 1] if bug == 5 else Z[l - 1]
            dZ = dA * g.derivative(at, g.value(at))  # B4
    return {name: grads[name] for name in net.params}


@dataclass
class Verdict:
    bug: int | None
    errors: dict[str, float]

    @property
    def failing(self) -> list[str]:
        return [name for name, error in self.errors.items() if error > TOLERANCE]

    def as_dict(self) -> dict:
        return {"bug": self.bug, "errors": self.errors, "failing": self.failing}


def hunt(bug: int | None = None, seed: int = 0, m: int = 6) -> Verdict:
    """Gradient-check the backward pass with ``bug`` planted (``None``: the true one), on
    ``m`` examples (at ``m = 1`` bugs 3 and 4 change nothing: they are bugs for ``m >= 2``)."""
    if bug is not None:
        get_bug(bug)
    ground = hunting_ground(seed, m)
    net = ground.net
    analytic = gradients_with(ground, bug)

    def cost() -> float:
        return net.batch_cost(net.forward_pass(ground.X, masks=ground.masks), ground.Y)

    W, b = net.unflatten(numerical_gradient(net.theta, cost, 1e-4))
    numeric = {f"{s}{l}": p[l] for l in range(1, net.L + 1) for s, p in (("W", W), ("b", b))}
    errors = {name: relative_error(numeric[name], analytic[name]) for name in net.params}
    return Verdict(bug, errors)
