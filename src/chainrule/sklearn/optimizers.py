"""scikit-learn's SGD update and its ``invscaling`` schedule, on chainrule's flat ``theta``.

:class:`ScikitLearnSGD` keeps the velocity in scikit-learn's form, ``v = mu v - alpha g``,
where :class:`chainrule.SGD` keeps PyTorch's, ``v = mu v + g``; the two agree while the rate
is constant and part when it changes (``invscaling``, ``adaptive``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.core.arrays import namespace_of
from chainrule.core.validation import check_fraction
from chainrule.train.optimizers import Optimizer
from chainrule.train.schedules import Schedule


class ScikitLearnSGD(Optimizer):
    """SGD with momentum exactly as scikit-learn's MLP applies it.

    ``v = mu v - alpha g``; then ``theta += v``, or with Nesterov's momentum
    ``theta += mu v - alpha g`` (``v`` starts at zero).
    """

    name = "sklearn_sgd"

    def __init__(self, learning_rate: float = 0.1, momentum: float = 0.9, nesterov: bool = True):
        super().__init__(learning_rate)
        self.momentum = check_fraction("momentum", momentum)
        self.nesterov = bool(nesterov)

    @property
    def state_names(self) -> tuple[str, ...]:  # type: ignore[override]
        """``mu = 0``: ``v = -alpha g`` and ``theta += v``, Nesterov or not, which is plain
        gradient descent bit for bit; no velocity is kept, and the update is one pass, not six."""
        return ("velocity",) if self.momentum else ()

    def _update(self, theta: np.ndarray, g: np.ndarray, work: np.ndarray, *v: np.ndarray) -> None:
        xp = namespace_of(theta)
        if not self.momentum:
            theta -= xp.multiply(self.learning_rate, g, out=work)  # U1
            return
        (v,) = v
        v *= self.momentum
        v -= xp.multiply(self.learning_rate, g, out=work)  # v = mu v - alpha g
        if self.nesterov:
            theta += xp.multiply(self.momentum, v, out=work)
            theta -= xp.multiply(self.learning_rate, g, out=work)  # theta += mu v - alpha g
        else:
            theta += v

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }


class InvScaling(Schedule):
    """``alpha = alpha_0 / (t + 1)^power_t``, ``t`` the samples seen (scikit-learn's ``t_``),
    set at the end of every epoch. :meth:`start` tells it, before a call's epochs, how many
    samples were seen before and how many one epoch of this call goes through."""

    name = "invscaling"

    def __init__(self, power_t: float = 0.5) -> None:
        self.power_t = float(power_t)
        self.samples_before, self.epochs_before, self.samples_per_epoch = 0, 0, 0

    def start(self, samples_before: int, epochs_before: int, samples_per_epoch: int) -> None:
        self.samples_before = samples_before
        self.epochs_before = epochs_before
        self.samples_per_epoch = samples_per_epoch

    def rate(self, alpha_0: float, current: float, epochs_done: int) -> float:
        t = self.samples_before + (epochs_done - self.epochs_before) * self.samples_per_epoch
        return alpha_0 / (t + 1) ** self.power_t

    def hyperparameters(self) -> dict[str, Any]:
        return {"power_t": self.power_t}
