"""Output layers: an output activation paired with the cost it is trained on.

Each pair computes three things for the last layer ``L`` (``Z``, ``A`` and ``Y`` are all
``(n[L], m)``):

* ``activation(Z)``: ``A[L] = g[L](Z[L])`` (derivation, eq. F3);
* ``cost(Z, Y)``: the cost ``J`` averaged over the m examples, computed from the logits ``Z``
  so that it never takes ``log(0)`` (eqs. C1 to C3, C5);
* ``dZ(A, Y)``: the fused output gradient ``dZ[L] = dJ/dZ[L] = (A[L] - Y) / m`` (eq. B1).
  For all four pairs the chain rule collapses to this one expression; the derivation shows
  how ``dJ/dA[L]`` and ``dA[L]/dZ[L]`` cancel.

Each output also owns the rules that turn ``A[L]`` into what a user asks for: predictions,
class probabilities and a score, so a new output type is one class here.

The 1/m lives here, once: every gradient further back inherits it through ``dZ[L]``.

Both accept optional per-example ``weights`` of shape ``(1, m)``: the plain average
``1/m sum_i`` becomes the weighted average ``sum_i w_i (...) / sum_i w_i`` (eq. C4), which
equals the plain one when every ``w_i = 1``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from chainrule.core.activations import Identity, Sigmoid, log_softmax, softmax
from chainrule.core.arrays import namespace_of
from chainrule.core.validation import lookup
from chainrule.errors import DataError


class Output(ABC):
    """An output activation and its matching cost."""

    name: ClassVar[str]
    loss_name: ClassVar[str]

    @abstractmethod
    def activation(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``A[L] = g[L](Z[L])``, written into ``out`` when given."""

    @abstractmethod
    def losses(self, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Per-entry losses from the logits ``Z = Z[L]``, shape ``(n[L], m)``."""

    def cost(
        self,
        Z: np.ndarray,
        Y: np.ndarray,
        weights: np.ndarray | None = None,
        divisor: float | None = None,
    ) -> float:
        """The cost ``J``: the losses summed over units, averaged over examples (C1 to C4).

        ``J = sum_i w_i loss_i / divisor``, where ``divisor`` is by default ``m`` (``w_i = 1``)
        or ``sum_i w_i`` (eq. C4). A caller that holds only some columns of a batch passes
        the whole batch's divisor, so that the parts sum to the batch's cost (eq. D1).
        A float on NumPy; off NumPy a 0-d array left on the device.
        """
        xp = namespace_of(Z)
        losses = self.losses(Z, Y)
        if weights is None:
            return xp.number(xp.sum(losses) / (Z.shape[1] if divisor is None else divisor))
        total = xp.sum(weights) if divisor is None else divisor
        return xp.number(xp.sum(losses * weights) / total)

    def dZ(
        self,
        A: np.ndarray,
        Y: np.ndarray,
        weights: np.ndarray | None = None,
        out: np.ndarray | None = None,
        divisor: float | None = None,
    ) -> np.ndarray:
        """Fused ``dZ[L] = (A[L] - Y) / m`` (eq. B1), shape ``(n[L], m)``.

        With weights: ``dZ[L] = (A[L] - Y) * w / sum_i w_i`` (eq. C4). ``divisor`` replaces
        ``m`` (or ``sum_i w_i``) as in :meth:`cost`.
        """
        xp = namespace_of(A)
        dZ = xp.subtract(A, Y, out=out)  # B1
        # Both branches multiply by a per-example factor computed in A's dtype, so unit weights
        # reproduce the unweighted gradient bit for bit.
        if weights is None:
            m = A.shape[1] if divisor is None else divisor
            dZ *= xp.scalar(1, A.dtype) / xp.scalar(m, A.dtype)
        else:
            dZ *= weights / (xp.sum(weights) if divisor is None else xp.scalar(divisor, A.dtype))
        return dZ

    @abstractmethod
    def predict(self, A: np.ndarray) -> np.ndarray:
        """Predictions from ``A[L]`` ``(n[L], m)``: labels, class indices or values."""

    def probabilities(self, A: np.ndarray) -> np.ndarray:
        """Class probabilities ``(k, m)`` from ``A[L]``, one row per class in class order."""
        return A

    @abstractmethod
    def correct(self, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Per example, whether the prediction from ``A[L]`` matches ``Y``: ``(m,)`` bools."""

    def score(self, A: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None) -> float:
        """Accuracy: the (weighted) fraction of examples predicted right."""
        xp = namespace_of(A)
        right = self.correct(A, Y)
        if weights is None:
            return float(xp.mean(right))
        w = xp.reshape(weights, (-1,))
        return float(xp.sum(w * xp.astype(right, w.dtype)) / xp.sum(w))

    @abstractmethod
    def check_targets(self, Y: np.ndarray) -> None:
        """Raise :class:`DataError` if ``Y`` cannot be a target of this output."""


class SigmoidCrossEntropy(Output):
    """Sigmoid output with binary cross-entropy, one independent probability per unit.

    ``J = -1/m sum_i [y log a + (1 - y) log(1 - a)]``, with ``a = sigmoid(z)``, summed over
    the output units too. From the logit this is ``max(z, 0) - z y + log(1 + e^-|z|)``, which
    is finite for every finite ``z``.
    """

    name = "sigmoid"
    loss_name = "binary cross-entropy"

    def activation(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return Sigmoid().value(Z, out)

    def losses(self, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
        # C1 from the logits: -[y log σ(z) + (1 - y) log(1 - σ(z))] = log(1 + e^z) - z y,
        # written max(z, 0) + log(1 + e^-|z|) - z y so that e^-|z| <= 1 never overflows
        xp = namespace_of(Z)
        E = xp.multiply(xp.abs(Z), -1.0)  # -|z|, then log(1 + e^-|z|) in the same buffer
        E = xp.log1p(xp.exp(E, out=E), out=E)
        E += xp.maximum(Z, 0.0) - Z * Y  # exact for large z with y = 1: the two cancel first
        return E

    def predict(self, A: np.ndarray) -> np.ndarray:
        """0/1 labels ``(n[L], m)``: 1 where ``A[L] >= 0.5``."""
        xp = namespace_of(A)
        return xp.astype(A >= 0.5, xp.int64)

    def probabilities(self, A: np.ndarray) -> np.ndarray:
        """One unit: ``P(class 0), P(class 1)`` as ``(2, m)``; several (multi-label): ``A``."""
        return namespace_of(A).concatenate([1 - A, A], axis=0) if A.shape[0] == 1 else A

    def correct(self, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Right only if every unit is (a multi-label example is judged whole)."""
        return namespace_of(A).all((A >= 0.5) == (Y >= 0.5), axis=0)

    def check_targets(self, Y: np.ndarray) -> None:
        low, high = value_range(Y)
        if low < 0 or high > 1:
            raise DataError(
                "targets for a sigmoid output must be labels 0 or 1 (or probabilities in "
                f"[0, 1]); found values from {low:g} to {high:g}"
            )


class SoftmaxCrossEntropy(Output):
    """Softmax output with categorical cross-entropy; ``Y`` holds one-hot columns.

    ``J = -1/m sum_i sum_k y_k log softmax(z)_k``, with ``log softmax`` by log-sum-exp.
    """

    name = "softmax"
    loss_name = "categorical cross-entropy"

    def activation(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return softmax(Z, out)

    def losses(self, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return -(Y * log_softmax(Z))  # C2, by log-sum-exp

    def predict(self, A: np.ndarray) -> np.ndarray:
        """The class index of each example, ``(m,)``."""
        return namespace_of(A).argmax(A, axis=0)

    def correct(self, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
        xp = namespace_of(A)
        return xp.argmax(A, axis=0) == xp.argmax(Y, axis=0)

    def check_targets(self, Y: np.ndarray) -> None:
        if Y.shape[0] < 2:
            raise DataError("a softmax output needs at least 2 units (one per class)")
        xp = namespace_of(Y)
        sums_to_one = bool(xp.all(xp.abs(xp.sum(Y, axis=0) - 1.0) <= 1e-4 + 1e-5))
        if value_range(Y)[0] < 0 or not sums_to_one:
            raise DataError(
                "targets for a softmax output must be one-hot columns (or class "
                "probabilities that sum to 1 per example)"
            )


class IdentitySquaredError(Output):
    """Identity output with squared error, for regression.

    ``J = 1/(2m) sum_i ||a_i - y_i||^2`` with ``a = z``.
    """

    name = "identity"
    loss_name = "squared error"

    def activation(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return Identity().value(Z, out)

    def losses(self, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
        E = Z - Y
        return 0.5 * E * E  # C3

    def predict(self, A: np.ndarray) -> np.ndarray:
        """The values themselves, ``(n[L], m)``."""
        return A

    def probabilities(self, A: np.ndarray) -> np.ndarray:
        raise TypeError("a regression (identity) output has no class probabilities")

    def correct(self, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
        raise TypeError("a regression (identity) output is scored by R^2, not by accuracy")

    def score(self, A: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None) -> float:
        """``R^2 = 1 - sum (y - a)^2 / sum (y - mean y)^2`` per output unit, averaged over units
        (weighted sums and mean with ``weights``, as scikit-learn's ``r2_score``)."""
        xp = namespace_of(A)
        m = Y.shape[1]
        w = xp.ones((1, m), xp.float64) if weights is None else xp.reshape(weights, (1, m))
        mean = xp.sum(w * Y, axis=1, keepdims=True) / xp.sum(w)
        residual = xp.sum(w * (Y - A) ** 2, axis=1)
        total = xp.sum(w * (Y - mean) ** 2, axis=1)
        perfect = xp.astype(residual == 0, residual.dtype)
        r2 = xp.where(total > 0, 1 - residual / xp.where(total > 0, total, 1.0), perfect)
        return float(xp.mean(r2))

    def check_targets(self, Y: np.ndarray) -> None:
        """Any finite real value is a valid regression target."""


class ExpPoisson(IdentitySquaredError):
    """Exponential output with the Poisson deviance, for counts and rates (``y >= 0``).

    ``A[L] = exp(Z[L])``, the mean of a Poisson distribution, always positive. The cost is
    half the Poisson deviance, ``J = 1/m sum_i [y log(y / a) - y + a]`` (eq. C5), zero when
    ``a = y``; from the logit ``log a = z`` it is ``y log y - y + e^z - y z``. Its fused
    ``dZ[L] = (A[L] - Y) / m`` is B1 again: ``dJ/da = (1 - y / a) / m`` and ``da/dz = a``.
    Predictions and the ``R^2`` score are the regression output's.
    """

    name = "exp"
    loss_name = "Poisson deviance"

    def activation(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return namespace_of(Z).exp(Z, out=out)  # F3: A[L] = e^Z[L]

    def losses(self, Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
        # C5 from the logits: y log(y / e^z) - y + e^z = y log y - y z - y + e^z, with
        # y log y = 0 at y = 0
        xp = namespace_of(Z)
        y_log_y = Y * xp.log(xp.where(Y > 0, Y, 1.0))
        return y_log_y - Y * Z - Y + xp.exp(Z)

    def check_targets(self, Y: np.ndarray) -> None:
        low = value_range(Y)[0]
        if low < 0:
            raise DataError(
                f"targets for an exp (Poisson) output must be counts or rates >= 0; found {low:g}"
            )


def value_range(Y: np.ndarray) -> tuple[float, float]:
    """The smallest and largest target, as floats (``(0, 0)`` for no targets)."""
    if not math.prod(Y.shape):
        return 0.0, 0.0
    xp = namespace_of(Y)
    return float(xp.min(Y)), float(xp.max(Y))


OUTPUTS: dict[str, type[Output]] = {
    cls.name: cls
    for cls in (IdentitySquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy, ExpPoisson)
}


def get_output(name: str) -> Output:
    """Return the output/cost pair for the output activation ``name``."""
    return lookup("output activation", name, OUTPUTS)()
