"""Activation functions g, each with its value and its derivative side by side.

Every activation acts elementwise on a pre-activation ``Z`` of shape ``(n[l], m)``:

* ``value(Z)`` is ``A = g(Z)`` (derivation, eq. F2);
* ``derivative(Z, A)`` is ``g'(Z)``, given ``A = g(Z)`` too because some derivatives are
  cheapest in terms of the output (``sigmoid' = A (1 - A)``, ``tanh' = 1 - A**2``).

The backward pass multiplies it into the incoming gradient: ``dZ = dA * g'(Z)`` (eq. B4).

Softmax is not elementwise, so it is not in this table: it is only ever an output, where its
Jacobian is folded into the fused output gradient (see :mod:`chainrule.core.outputs`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from chainrule.core.arrays import namespace_of
from chainrule.core.validation import lookup


class Activation(ABC):
    """An elementwise activation g with value and derivative.

    ``init`` names the initialisation that keeps its layer's variance steady: ``"he"`` for the
    relu family, ``"glorot"`` for the saturating ones (see :mod:`chainrule.core.initializers`).
    """

    name: ClassVar[str]
    init: ClassVar[str] = "glorot"
    kink: ClassVar[float | None] = None  # where g has no derivative (the relu family: z = 0)

    @abstractmethod
    def value(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``A = g(Z)``, written into ``out`` when given."""

    @abstractmethod
    def derivative(self, Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``g'(Z)``, elementwise, same shape as ``Z``, written into ``out`` when given."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """``g(z) = 1 / (1 + e^-z)``, ``g'(z) = g(z) (1 - g(z))``."""

    name = "sigmoid"

    def value(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        # 1 / (1 + e^-z) in place, four passes. For z < 0, e^-z is large and the quotient
        # keeps full relative precision; below about -88 (float32) e^-z overflows to inf and
        # the value is 0, the limit (the overflow is expected, so it is not warned about).
        xp = namespace_of(Z)
        with np.errstate(over="ignore"):
            A = xp.multiply(Z, -1.0, out=out)
            A = xp.exp(A, out=A)
            A += 1.0
            return xp.divide(1.0, A, out=A)

    def derivative(self, Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        out = namespace_of(A).subtract(1.0, A, out=out)
        out *= A
        return out


class Tanh(Activation):
    """``g(z) = tanh z``, ``g'(z) = 1 - tanh(z)**2``."""

    name = "tanh"

    def value(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return namespace_of(Z).tanh(Z, out=out)

    def derivative(self, Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        xp = namespace_of(A)
        out = xp.multiply(A, A, out=out)
        return xp.subtract(1.0, out, out=out)


class ReLU(Activation):
    """``g(z) = max(z, 0)``, ``g'(z) = 1 if z > 0 else 0`` (0 taken at the kink)."""

    name = "relu"
    init = "he"
    kink = 0.0

    def value(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return namespace_of(Z).maximum(Z, 0.0, out=out)

    def derivative(self, Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        xp = namespace_of(Z)
        return xp.greater(Z, 0, out=xp.empty_like(Z) if out is None else out)


class LeakyReLU(Activation):
    """``g(z) = z if z > 0 else slope * z``, ``g'(z) = 1 if z > 0 else slope``."""

    name = "leaky_relu"
    init = "he"
    kink = 0.0

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = slope

    def value(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return namespace_of(Z).multiply(Z, self.derivative(Z, Z, out), out=out)

    def derivative(self, Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        xp = namespace_of(Z)
        out = xp.greater(Z, 0, out=xp.empty_like(Z) if out is None else out)  # 1 where z > 0
        out *= 1.0 - self.slope
        out += self.slope
        return out

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope})"


class Identity(Activation):
    """``g(z) = z``, ``g'(z) = 1``."""

    name = "identity"

    def value(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        xp = namespace_of(Z)
        if out is None:
            return xp.copy(Z)
        xp.copyto(out, Z)
        return out

    def derivative(self, Z: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = namespace_of(Z).empty_like(Z)
        out[...] = 1.0
        return out


HIDDEN_ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Identity, LeakyReLU, ReLU, Sigmoid, Tanh)
}


def get_activation(name: str, leaky_slope: float = 0.01) -> Activation:
    """Return the hidden-layer activation called ``name``.

    Raises :class:`~chainrule.errors.ConfigurationError` listing the valid names otherwise.
    """
    activation = lookup("activation", name, HIDDEN_ACTIVATIONS)
    return LeakyReLU(leaky_slope) if activation is LeakyReLU else activation()


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """``log softmax(Z)`` over the units of each example (axis 0), by log-sum-exp.

    ``log softmax(z)_k = z_k - max(z) - log sum_j e^(z_j - max(z))``: subtracting the column
    maximum makes every exponent <= 0, so nothing overflows and the largest term is exactly 1.
    """
    xp = namespace_of(Z)
    shifted = Z - xp.max(Z, axis=0, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=0, keepdims=True))


def softmax(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``softmax(Z)_k = e^(z_k) / sum_j e^(z_j)`` per column, computed stably.

    Shapes: ``Z`` and the result are ``(n[L], m)``; each result column sums to 1.
    """
    xp = namespace_of(Z)
    E = xp.subtract(Z, xp.max(Z, axis=0, keepdims=True), out=out)
    E = xp.exp(E, out=E)
    E /= xp.sum(E, axis=0, keepdims=True)
    return E
