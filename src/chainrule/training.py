"""The training loop: epochs of (mini-batch) forward, cost, backward and update."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.errors import ConfigurationError, TrainingDivergedError

if TYPE_CHECKING:
    from chainrule.network import Network
    from chainrule.optimizers import Optimizer


@dataclass
class History:
    """What training recorded, one entry per epoch.

    ``cost[k]`` is the training cost of epoch ``k + 1``: the mean over that epoch's
    mini-batches (weighted by their sizes) of the cost before each update. With full-batch
    descent it is exactly ``J`` at the start of the epoch.
    """

    cost: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.cost)


def batches(m: int, batch_size: int, order: np.ndarray | None) -> list[Any]:
    """Column selections of the mini-batches of an epoch: slices, or index arrays if shuffled."""
    starts = range(0, m, batch_size)
    if order is None:
        return [slice(start, start + batch_size) for start in starts]
    return [order[start : start + batch_size] for start in starts]


def train(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = True,
    callbacks: Sequence[Callable[..., Any]] = (),
) -> History:
    """Train ``net`` on validated ``X`` ``(n[0], m)`` and ``Y`` ``(n[L], m)``.

    Each step is: forward propagation, the cost from the logits, backpropagation into a reused
    gradient buffer, and ``optimizer.step``. A callback that returns ``True`` stops training
    after the current epoch. A non-finite cost raises
    :class:`~chainrule.errors.TrainingDivergedError` and leaves ``net`` with the parameters
    it had at the end of the last epoch whose cost was finite.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ConfigurationError(f"epochs must be a positive integer, got {epochs!r}")
    m = X.shape[1]
    batch = m if batch_size is None else int(batch_size)
    if batch < 1:
        raise ConfigurationError(f"batch_size must be a positive integer, got {batch_size!r}")
    batch = min(batch, m)

    history = History()
    grads = np.empty_like(net.theta)
    last_finite = net.theta.copy()
    # Overflow is detected below and reported as one clear error, not a stream of warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            order = net.rng.permutation(m) if shuffle and batch < m else None
            total = 0.0
            for columns in batches(m, batch, order):
                X_batch, Y_batch = X[:, columns], Y[:, columns]
                cache = net._forward(X_batch)
                total += net.output.cost(cache[0][net.L], Y_batch) * X_batch.shape[1]
                net._backward(cache, Y_batch, grads)
                optimizer.step(net.theta, grads)
            epoch_cost = total / m
            if not np.isfinite(epoch_cost) or not np.isfinite(net.theta).all():
                net.theta[...] = last_finite
                previous = f"{history.cost[-1]:.6g}" if history.cost else "none yet"
                raise TrainingDivergedError(
                    f"training diverged at epoch {epoch}: the cost became {epoch_cost} "
                    f"(last finite cost: {previous}); try a lower learning rate. The network "
                    "keeps the parameters of the last finite epoch."
                )
            last_finite[...] = net.theta
            history.cost.append(epoch_cost)
            if any([callback(net, epoch, history) is True for callback in callbacks]):
                break
    return history
