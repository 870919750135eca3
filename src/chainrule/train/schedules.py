"""Learning-rate schedules, applied by the trainer at the end of every epoch.

A schedule sets ``optimizer.learning_rate`` from the initial rate ``alpha_0`` and the number of
epochs done. :class:`Adaptive` also reacts to a stalled run (no improvement of the monitored
score by ``tol`` for ``patience`` epochs): it divides the rate by 5, as scikit-learn's
``learning_rate="adaptive"`` does, instead of letting the trainer stop.
"""

from __future__ import annotations

from typing import Any, ClassVar

from chainrule.core.validation import check_positive, check_positive_int, lookup


class Schedule:
    """Constant learning rate: ``alpha = alpha_0``."""

    name: ClassVar[str] = "constant"

    def rate(self, initial: float, current: float, epochs_done: int) -> float:
        """The learning rate for the next epoch."""
        return current

    def on_stall(self, current: float) -> float | None:
        """A stalled run: a new, lower rate to continue with, or ``None`` to stop training."""
        return None

    def hyperparameters(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


Constant = Schedule


class StepDecay(Schedule):
    """``alpha = alpha_0 * gamma ** (epochs_done // step_size)``."""

    name = "step"

    def __init__(self, step_size: int = 30, gamma: float = 0.5) -> None:
        self.step_size = check_positive_int("step_size", step_size)
        self.gamma = check_positive("gamma", gamma)

    def rate(self, initial: float, current: float, epochs_done: int) -> float:
        return initial * self.gamma ** (epochs_done // self.step_size)

    def hyperparameters(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialDecay(Schedule):
    """``alpha = alpha_0 * gamma ** epochs_done``."""

    name = "exponential"

    def __init__(self, gamma: float = 0.99) -> None:
        self.gamma = check_positive("gamma", gamma)

    def rate(self, initial: float, current: float, epochs_done: int) -> float:
        return initial * self.gamma**epochs_done

    def hyperparameters(self) -> dict[str, Any]:
        return {"gamma": self.gamma}


class Adaptive(Schedule):
    """Keep the rate while the run improves; divide it by ``factor`` each time it stalls.

    A stall that finds the rate already at or below ``min_rate`` stops training, as
    scikit-learn's ``learning_rate="adaptive"`` does (so the last rate used may be below it).
    """

    name = "adaptive"

    def __init__(self, factor: float = 5.0, min_rate: float = 1e-6) -> None:
        self.factor = check_positive("factor", factor)
        self.min_rate = check_positive("min_rate", min_rate)

    def on_stall(self, current: float) -> float | None:
        return None if current <= self.min_rate else current / self.factor

    def hyperparameters(self) -> dict[str, Any]:
        return {"factor": self.factor, "min_rate": self.min_rate}


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Schedule, StepDecay, ExponentialDecay, Adaptive)
}


def get_schedule(name: str, **hyperparameters: Any) -> Schedule:
    """Build the schedule ``name``: ``constant``, ``step``, ``exponential`` or ``adaptive``."""
    return lookup("learning-rate schedule", name, SCHEDULES)(**hyperparameters)
