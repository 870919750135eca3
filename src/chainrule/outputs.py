"""Output layers: an output activation paired with the cost it is trained on.

Each pair computes three things for the last layer ``L`` (``Z``, ``A`` and ``Y`` are all
``(n[L], m)``):

* ``activation(Z)``: ``A[L] = g[L](Z[L])`` (derivation, eq. F3);
* ``cost(Z, Y)``: the cost ``J`` averaged over the m examples, computed from the logits ``Z``
  so that it never takes ``log(0)`` (eqs. C1 to C3);
* ``dZ(A, Y)``: the fused output gradient ``dZ[L] = dJ/dZ[L] = (A[L] - Y) / m`` (eq. B1).
  For all three pairs the chain rule collapses to this one expression; the derivation shows
  how ``dJ/dA[L]`` and ``dA[L]/dZ[L]`` cancel.

The 1/m lives here, once: every gradient further back inherits it through ``dZ[L]``.

Both accept optional per-example ``weights`` of shape ``(1, m)``: the plain average
``1/m sum_i`` becomes the weighted average ``sum_i w_i (...) / sum_i w_i`` (eq. C4), which
equals the plain one when every ``w_i = 1``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from chainrule.activations import Identity, Sigmoid, log_softmax, softmax
from chainrule.errors import ConfigurationError, DataError


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
        m: float | None = None,
    ) -> float:
        """The cost ``J``: the losses summed over units, averaged over examples (C1 to C4).

        ``m`` is the divisor of the average: by default the number of columns (or the sum of
        the weights); data-parallel training passes the whole batch's, so that the parts
        computed on the shards of a batch sum to its cost.
        """
        losses = self.losses(Z, Y)
        if weights is None:
            return float(losses.sum() / (Z.shape[1] if m is None else m))
        return float((losses * weights).sum() / (weights.sum() if m is None else m))

    def dZ(
        self,
        A: np.ndarray,
        Y: np.ndarray,
        weights: np.ndarray | None = None,
        out: np.ndarray | None = None,
        m: float | None = None,
    ) -> np.ndarray:
        """Fused ``dZ[L] = (A[L] - Y) / m`` (eq. B1), shape ``(n[L], m)``.

        With weights: ``dZ[L] = (A[L] - Y) * w / sum_i w_i``. ``m`` overrides the divisor as
        in :meth:`cost`.
        """
        dZ = np.subtract(A, Y, out=out)
        # Both branches multiply by a per-example factor computed in A's dtype, so unit weights
        # reproduce the unweighted gradient bit for bit.
        if weights is None:
            dZ *= A.dtype.type(1) / A.dtype.type(A.shape[1] if m is None else m)
        else:
            dZ *= weights / (weights.sum() if m is None else A.dtype.type(m))
        return dZ

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
        return np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))

    def check_targets(self, Y: np.ndarray) -> None:
        if Y.size and (Y.min() < 0 or Y.max() > 1):
            raise DataError(
                "targets for a sigmoid output must be labels 0 or 1 (or probabilities in "
                f"[0, 1]); found values from {Y.min():g} to {Y.max():g}"
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
        return -(Y * log_softmax(Z))

    def check_targets(self, Y: np.ndarray) -> None:
        if Y.shape[0] < 2:
            raise DataError("a softmax output needs at least 2 units (one per class)")
        if Y.size and (Y.min() < 0 or not np.allclose(Y.sum(axis=0), 1.0, atol=1e-4)):
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
        return 0.5 * E * E

    def check_targets(self, Y: np.ndarray) -> None:
        """Any finite real value is a valid regression target."""


OUTPUTS: dict[str, type[Output]] = {
    cls.name: cls for cls in (SigmoidCrossEntropy, SoftmaxCrossEntropy, IdentitySquaredError)
}


def get_output(name: str) -> Output:
    """Return the output/cost pair for the output activation ``name``."""
    if name not in OUTPUTS:
        valid = ", ".join(sorted(OUTPUTS))
        raise ConfigurationError(f"unknown output activation {name!r}; choose one of: {valid}")
    return OUTPUTS[name]()
