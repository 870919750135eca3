"""Optimisers: rules that turn the gradient into a parameter update, kept apart from the model.

Each optimiser updates the flat parameter vector ``theta`` in place from the flat gradient
``grad`` laid out the same way (see :class:`chainrule.network.Network`), so one expression
updates every ``W[l]`` and ``b[l]`` at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from chainrule.validation import check_positive


class Optimizer(ABC):
    """Updates parameters in place from their gradient."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive("learning_rate", learning_rate)

    @abstractmethod
    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """Apply one update to ``theta`` (modified in place) given ``grad = dJ/dtheta``."""


class GradientDescent(Optimizer):
    """The seed's update: ``W[l] -= alpha * dW[l]``, ``b[l] -= alpha * db[l]`` (eq. U1)."""

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        theta -= self.learning_rate * grad

    def __repr__(self) -> str:
        return f"GradientDescent(learning_rate={self.learning_rate})"
