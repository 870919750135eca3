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

Kinks. relu and leaky relu have no derivative at ``z = 0``. A step that moves some ``Z[l]``
entry across 0 measures a different piece of the function, not the derivative there (and a
change of one ``W[1]`` entry moves every later ``Z``), so a correct gradient would fail. For
each entry the check therefore compares which side of its kink every relu-family ``Z`` lies
on at the four shifted points with the unshifted one; if any side changed, it shrinks the
step tenfold and tries again, down to ``SMALLEST_STEP``, the smallest step at which float64
rounding of ``J`` (about ``eps |J| / h`` in the estimate) stays far below the tolerance.
An entry that still crosses a kink there is left out of the verdict and counted as skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.core.arrays import NUMPY, host
from chainrule.core.network import Cache, Network
from chainrule.core.validation import check_memory, check_positive, check_positive_int
from chainrule.errors import plural

NOISE_FLOOR = 1e-8
STEP = 1e-4
SMALLEST_STEP = 1e-6
SHRINK = 10.0
KINK_REASON = "its finite difference crosses a relu kink (Z = 0) even with the smallest step"

Evaluate = Callable[[], tuple[float, np.ndarray | None]]


def relative_error(numeric: np.ndarray, analytic: np.ndarray) -> float:
    """``||numeric - analytic|| / max(||numeric|| + ||analytic||, NOISE_FLOOR)``.

    The floor keeps a gradient that is zero (a layer no example activates) from scoring 1.0
    against the ~1e-17 rounding noise of its finite-difference estimate.
    """
    scale = max(float(np.linalg.norm(numeric) + np.linalg.norm(analytic)), NOISE_FLOOR)
    return float(np.linalg.norm(numeric - analytic) / scale)


@dataclass(frozen=True)
class Estimate:
    """A finite-difference gradient, laid out like ``theta``, with how each entry was taken.

    ``step[i]`` is the ``h`` entry ``i`` was estimated with; ``smooth[i]`` is False where
    every step down to the smallest moved some ``Z`` across a kink (``gradient[i]`` is then 0
    and means nothing).
    """

    gradient: np.ndarray
    step: np.ndarray
    smooth: np.ndarray


def kink_aware_gradient(
    theta: np.ndarray, evaluate: Evaluate, h: float = STEP, smallest_step: float = SMALLEST_STEP
) -> Estimate:
    """Four-point centred differences of the cost, each step kept clear of every kink.

    ``evaluate()`` returns the cost at the current ``theta`` and which side of its kink each
    kinked ``Z`` entry lies on (:func:`sides_of_kinks`; ``None`` when nothing has a kink).
    ``theta`` is changed in place one entry at a time (and put back). An entry whose shifts
    ``+-h, +-2h`` change a side is taken again with ``h / 10``, down to ``smallest_step``.
    """
    _, base = evaluate()
    numeric = np.zeros_like(theta)
    step = np.full(theta.shape, float(h))
    smooth = np.ones(theta.shape, dtype=bool)

    def costs_around(i: int, h_i: float) -> list[float] | None:
        """``J`` at ``theta[i] + 2h, -2h, +h, -h``, or ``None`` at the first shift that moves a
        ``Z`` across a kink (the far ones first: they are the likeliest to)."""
        original, costs = theta[i], []
        for shift in (2 * h_i, -2 * h_i, h_i, -h_i):
            theta[i] = original + shift
            J, sides = evaluate()
            theta[i] = original
            if base is not None and not np.array_equal(sides, base):
                return None
            costs.append(J)
        return costs

    shrinks = max(round(float(np.log10(h / smallest_step))), 0)
    steps = [float(h) / SHRINK**k for k in range(shrinks + 1)]
    for i in range(theta.size):
        for h_i in steps:
            J = costs_around(i, h_i)
            if J is not None:
                # differences first: a parameter the cost ignores then gets exactly 0
                near, far = J[2] - J[3], J[0] - J[1]
                numeric[i] = (8 * near - far) / (12 * h_i)
                break
        else:
            smooth[i] = False
        step[i] = h_i
    return Estimate(numeric, step, smooth)


def numerical_gradient(theta: np.ndarray, cost: Callable[[], float], h: float) -> np.ndarray:
    """Four-point centred finite-difference gradient of ``cost()`` with respect to ``theta``,
    with one step ``h`` for every entry (no kink handling: the cost must be smooth).

    ``theta`` is changed in place one entry at a time (and put back); ``cost`` evaluates the
    cost at the current ``theta``. The result is laid out like ``theta``.
    """
    return kink_aware_gradient(theta, lambda: (cost(), None), h).gradient


def sides_of_kinks(net: Network, cache: Cache) -> np.ndarray | None:
    """``sign(Z[l] - kink)`` for every hidden layer whose activation has a kink, flattened
    into one vector after :meth:`Network.forward_pass`; ``None`` if no layer has one."""
    sides = [
        np.sign(cache.Z[l] - net.g[l].kink).ravel()
        for l in range(1, net.L)
        if net.g[l].kink is not None
    ]
    return np.concatenate(sides) if sides else None


@dataclass(frozen=True, eq=False)
class GradCheck(Mapping[str, float]):
    """The result of :func:`gradcheck`: a mapping ``{"W1": error, "b1": error, ...}``.

    Each error is the relative error over the parameter's checked entries (``nan`` if none
    was checked). ``checked[name]`` entries entered the error; ``skipped[name]`` were left
    out because their finite difference crosses a kink at every step down to
    ``smallest_step`` (``reason`` says so); ``shrunk[name]`` of the checked ones needed a
    step below ``step``.
    """

    errors: dict[str, float]
    checked: dict[str, int]
    skipped: dict[str, int]
    shrunk: dict[str, int]
    step: float
    smallest_step: float

    def __getitem__(self, name: str) -> float:
        return self.errors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    @property
    def n_checked(self) -> int:
        return sum(self.checked.values())

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def fraction_checked(self) -> float:
        """Checked entries over all entries."""
        return self.n_checked / max(self.n_checked + self.n_skipped, 1)

    @property
    def reason(self) -> str | None:
        """Why the skipped entries were left out (``None`` if none was)."""
        return KINK_REASON if self.n_skipped else None

    def passed(self, tolerance: float) -> bool:
        """True if every parameter with checked entries has an error below ``tolerance``
        (and at least one entry was checked)."""
        return self.n_checked > 0 and all(
            self.errors[name] < tolerance for name in self.errors if self.checked[name]
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON values: an error with no checked entry is ``None``."""
        return {
            "relative_errors": {
                name: (error if self.checked[name] else None) for name, error in self.errors.items()
            },
            "checked": self.checked,
            "skipped": self.skipped,
            "shrunk": self.shrunk,
            "entries_checked": self.n_checked,
            "entries_skipped": self.n_skipped,
            "fraction_checked": self.fraction_checked,
            "skipped_reason": self.reason,
            "step": self.step,
            "smallest_step": self.smallest_step,
        }


def gradcheck(net: Network, X: Any, Y: Any, h: float = STEP) -> GradCheck:
    """Relative error between backpropagation and finite differences, per parameter.

    ``X`` is ``(n[0], m)``, ``Y`` is ``(n[L], m)``. Returns a
    :class:`~chainrule.core.gradcheck.GradCheck`, a mapping ``{"W1": err, "b1": err, ...}``;
    a correct backpropagation gives errors around 1e-10.
    Where a relu-family ``Z`` entry lies near its kink, the step of the entries that move it
    is shrunk until no ``Z`` crosses (module docstring); an entry that crosses even at
    ``SMALLEST_STEP`` is left out of its parameter's error and counted in ``skipped``.
    """
    h = check_positive("h", h)
    twin = net.copy(dtype="float64").to(NUMPY)  # finite differences in float64, on the host
    X, Y, _ = twin.check_data(host(X), host(Y))
    analytic = np.concatenate([g.ravel() for g in twin.gradients(X, Y).values()])
    cache = Cache(twin.layer_sizes, X.shape[1], twin.dtype)

    def evaluate() -> tuple[float, np.ndarray | None]:
        twin.forward_pass(X, cache)
        return twin.batch_cost(cache, Y), sides_of_kinks(twin, cache)

    estimate = kink_aware_gradient(twin.theta, evaluate, h)
    errors, checked, skipped, shrunk = {}, {}, {}, {}
    offset = 0
    for name, value in twin.params.items():
        part = slice(offset, offset + value.size)
        kept = estimate.smooth[part]
        errors[name] = (
            relative_error(estimate.gradient[part][kept], analytic[part][kept])
            if kept.any()
            else float("nan")
        )
        checked[name] = int(kept.sum())
        skipped[name] = int(value.size - kept.sum())
        shrunk[name] = int((kept & (estimate.step[part] < h)).sum())
        offset += value.size
    return GradCheck(errors, checked, skipped, shrunk, float(h), SMALLEST_STEP)


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
    n_out = net.layer_sizes[-1]
    check_memory(8 * (net.layer_sizes[0] + n_out) * m, f"random data of {plural(m, 'example')}")
    rng = np.random.default_rng(seed)
    for l in range(1, net.L + 1):
        net.b[l][...] = rng.normal(scale=0.1, size=net.b[l].shape)
    X = rng.normal(size=(net.layer_sizes[0], m))
    if output_activation == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, m)].T
    elif output_activation == "sigmoid":
        Y = (rng.random((n_out, m)) > 0.5).astype(float)
    else:
        Y = rng.normal(size=(n_out, m))
    return net, X, Y
