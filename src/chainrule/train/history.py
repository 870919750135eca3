"""What a training run records, epoch by epoch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class History:
    """What training recorded, one entry per epoch.

    ``cost[k]`` is the training cost of epoch ``k + 1``: the mean of that epoch's mini-batch
    costs, each taken before its update and weighted by the batch's share of the examples
    (of the total sample weight, with weights); with full-batch descent it is exactly ``J``
    at the start of the epoch. ``val_cost`` and ``val_score`` (accuracy, or R^2 for an
    identity output) are filled when there is validation data. ``stop_reason`` says why
    training ended: ``"epochs"``, ``"converged"`` (the training cost stopped improving for
    ``patience`` epochs), ``"early_stopping"`` (the validation score did), ``"callback"`` or
    ``"interrupted"``. ``dynamics`` holds what a recorder such as
    :class:`chainrule.learn.dynamics.Dynamics` adds: one record every few epochs.
    """

    cost: list[float] = field(default_factory=list)
    val_cost: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    dynamics: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int | None = None
    stop_reason: str = "epochs"

    @property
    def epochs(self) -> int:
        return len(self.cost)
