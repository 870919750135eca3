"""The training loop: epochs of (mini-batch) forward, cost, backward and update.

:class:`Trainer` holds every piece of state a run has (optimiser buffers, the shuffling
generator, the early-stopping bookkeeping, the history), so a run can be checkpointed to a
model file and resumed to give exactly the parameters an uninterrupted run would.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.distributed import Shard
from chainrule.errors import ConfigurationError, TrainingDivergedError
from chainrule.network import Cache
from chainrule.optimizers import GradientDescent, Optimizer
from chainrule.schedules import Schedule, get_schedule
from chainrule.validation import check_positive

if TYPE_CHECKING:
    from chainrule.network import Network

Callback = Callable[["Network", int, "History"], Any]


@dataclass
class History:
    """What training recorded, one entry per epoch.

    ``cost[k]`` is the training cost of epoch ``k + 1``: the mean over that epoch's
    mini-batches (weighted by their sizes) of the cost before each update; with full-batch
    descent it is exactly ``J`` at the start of the epoch. ``val_cost`` and ``val_score``
    (accuracy, or R^2 for an identity output) are filled when there is validation data.
    ``stop_reason`` says why training ended: ``"epochs"``, ``"converged"`` (no improvement
    for ``patience`` epochs), ``"callback"`` or ``"interrupted"``.
    """

    cost: list[float] = field(default_factory=list)
    val_cost: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stop_reason: str = "epochs"

    @property
    def epochs(self) -> int:
        return len(self.cost)


def batches(m: int, batch_size: int, order: np.ndarray | None) -> list[Any]:
    """Column selections of the mini-batches of an epoch: slices, or index arrays if shuffled."""
    starts = range(0, m, batch_size)
    if order is None:
        return [slice(start, start + batch_size) for start in starts]
    return [order[start : start + batch_size] for start in starts]


def _batch_size(columns: Any, m: int) -> int:
    """How many examples a batch from :func:`batches` selects."""
    if isinstance(columns, slice):
        return len(range(*columns.indices(m)))
    return len(columns)


def check_epochs(epochs: Any) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ConfigurationError(f"epochs must be a positive integer, got {epochs!r}")
    return int(epochs)


class Trainer:
    """Trains a :class:`~chainrule.network.Network`; keeps all state between epochs.

    Parameters
    ----------
    optimizer:
        Any :class:`~chainrule.optimizers.Optimizer`; default plain gradient descent, 0.1.
    batch_size:
        ``None`` for full batch (the seed's algorithm), else the mini-batch size.
    shuffle:
        Reshuffle the examples every epoch (seeded by the network's generator).
    schedule:
        A :class:`~chainrule.schedules.Schedule` or its name; default constant.
    clip_norm:
        If set, rescale the gradient so its global norm ``||dtheta||`` is at most this.
    patience, tol:
        Stop (or, with the adaptive schedule, lower the rate) once the monitored score has
        not improved by ``tol`` for more than ``patience`` epochs. The score is the validation
        score when there is validation data (early stopping), else minus the training cost.
        ``patience=None`` (default) never stops early.
    restore_best:
        With validation data, end with the parameters of the best validation score.
    callbacks:
        Called as ``callback(net, epoch, history)`` after every epoch; returning ``True``
        stops training.
    checkpoint, checkpoint_every:
        Write a resumable model file to ``checkpoint`` every ``checkpoint_every`` epochs.
    comm:
        An MPI communicator (mpi4py) for data-parallel training: each rank passes its shard
        of the examples to :meth:`fit`, and the mini-batch gradients are summed across ranks
        with one ``Allreduce`` per step (see :mod:`chainrule.distributed`). Only rank 0
        writes checkpoints.
    """

    def __init__(
        self,
        net: Network,
        optimizer: Optimizer | None = None,
        *,
        batch_size: int | None = None,
        shuffle: bool = True,
        schedule: Schedule | str | None = None,
        clip_norm: float | None = None,
        patience: int | None = None,
        tol: float = 1e-4,
        restore_best: bool = True,
        callbacks: Sequence[Callback] = (),
        checkpoint: str | PathLike[str] | None = None,
        checkpoint_every: int = 0,
        comm: Any = None,
    ) -> None:
        self.net = net
        self.comm = comm
        self._shard: Shard | None = None
        self.optimizer = optimizer or GradientDescent(0.1)
        if batch_size is not None and (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ConfigurationError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.schedule = (
            get_schedule(schedule) if isinstance(schedule, str) else schedule or Schedule()
        )
        self.clip_norm = None if clip_norm is None else check_positive("clip_norm", clip_norm)
        if patience is not None and (
            isinstance(patience, bool) or int(patience) != patience or patience < 0
        ):
            raise ConfigurationError(f"patience must be a non-negative integer, got {patience!r}")
        self.patience = patience
        self.tol = check_positive("tol", tol, allow_zero=True)
        self.restore_best = bool(restore_best)
        self.callbacks = list(callbacks)
        self.checkpoint = checkpoint
        self.checkpoint_every = int(checkpoint_every)
        if self.checkpoint_every and checkpoint is None:
            raise ConfigurationError("checkpoint_every needs a checkpoint path")

        self.alpha_0 = self.optimizer.learning_rate
        self.history = History()
        self.epochs_done = 0
        self.best_score = -math.inf
        self.best_theta: np.ndarray | None = None
        self.no_improvement = 0
        self._caches: dict[int, Cache] = {}
        self.checkpoint_extras: tuple[dict[str, Any], dict[str, np.ndarray]] = ({}, {})

    # ------------------------------------------------------------------ the loop

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        epochs: int,
        *,
        sample_weight: np.ndarray | None = None,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
        rows: Sequence[int] | np.ndarray | None = None,
    ) -> History:
        """Run ``epochs`` more epochs on validated ``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)``.

        ``sample_weight`` is ``(1, m)`` or ``None``; ``validation`` is ``(X_val, Y_val)``.
        With a communicator, ``X``, ``Y`` and ``sample_weight`` are this rank's shard and
        ``rows`` the indices of its columns among all examples (default: the ranks hold
        consecutive blocks in rank order); ``validation``, if any, is the same on every rank.
        A non-finite cost raises :class:`~chainrule.errors.TrainingDivergedError` and leaves
        the network with the parameters of its last finite epoch. A ``KeyboardInterrupt``
        mid-epoch puts the parameters, the optimiser and the shuffling generator back as they
        were after the last completed epoch (so a checkpoint written then resumes exactly),
        records ``stop_reason = "interrupted"`` and propagates.
        """
        epochs = check_epochs(epochs)
        net = self.net
        m = X.shape[1]
        if self.comm is not None:
            self._shard = self._make_shard(X, rows, sample_weight)
            m = self._shard.m
        batch = m if self.batch_size is None else min(self.batch_size, m)
        grads = np.empty_like(net.theta) if self._shard is None else self._shard.grads
        boundary = self._snapshot()  # the state after the last completed epoch
        try:
            # Overflow is detected and reported as one clear error, not a stream of warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                stop = self._epochs(X, Y, epochs, sample_weight, validation, batch, grads, boundary)
        except KeyboardInterrupt:
            self._restore(boundary)
            self.history.stop_reason = "interrupted"
            raise
        self.history.stop_reason = stop or "epochs"
        if validation is not None and self.restore_best and self.best_theta is not None:
            net.theta[...] = self.best_theta
        return self.history

    def _epochs(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        epochs: int,
        sample_weight: np.ndarray | None,
        validation: tuple[np.ndarray, np.ndarray] | None,
        batch: int,
        grads: np.ndarray,
        boundary: dict[str, Any],
    ) -> str | None:
        """The epoch loop of :meth:`fit`; returns why it stopped early, if it did."""
        net = self.net
        stop = None
        for _ in range(epochs):
            epoch = self.epochs_done + 1
            cost = self._run_epoch(X, Y, sample_weight, batch, grads)
            if not np.isfinite(cost) or not np.isfinite(net.theta).all():
                self._restore(boundary)
                previous = f"{self.history.cost[-1]:.6g}" if self.history.cost else "none yet"
                raise TrainingDivergedError(
                    f"training diverged at epoch {epoch}: the cost became {cost} "
                    f"(last finite cost: {previous}); try a lower learning rate. The "
                    "network keeps the parameters of the last finite epoch."
                )
            self.epochs_done = epoch
            self._record(cost, validation)
            stop = self._end_of_epoch(validation is not None)
            if any([callback(net, epoch, self.history) is True for callback in self.callbacks]):
                stop = stop or "callback"
            if self.checkpoint_every and epoch % self.checkpoint_every == 0:
                self.save_checkpoint(self.checkpoint)
            boundary.update(self._snapshot())  # one C call: a signal cannot split it
            if stop:
                break
        return stop

    def _make_shard(
        self, X: np.ndarray, rows: Sequence[int] | np.ndarray | None, w: np.ndarray | None
    ) -> Shard:
        """Set up data-parallel training: this rank's place among the examples."""
        net = self.net
        if rows is None:
            shard = Shard.contiguous(self.comm, X.shape[1], net.n_params, net.dtype)
        else:
            if len(rows) != X.shape[1]:
                raise ConfigurationError(
                    f"rows names {len(rows)} examples but this rank holds {X.shape[1]}"
                )
            shard = Shard(self.comm, np.asarray(rows), net.n_params, net.dtype)
        shard.check_identical(net.theta, net.rng)
        shard.gather_weights(w)
        # A rank's part of a batch varies in size: one cache for the whole batch, and views
        # of it for the sizes that occur (see _cache).
        batch = shard.m if self.batch_size is None else min(self.batch_size, shard.m)
        self._caches = {batch: Cache(net.layer_sizes, batch, net.dtype)}
        return shard

    def _snapshot(self) -> dict[str, Any]:
        """Everything an epoch changes, to go back to if the next one is interrupted."""
        return {
            "theta": self.net.theta.copy(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.net.rng.bit_generator.state,
            "epochs_done": self.epochs_done,
            "recorded": len(self.history.cost),
            "best": (self.best_score, self.best_theta, self.history.best_epoch),
            "no_improvement": self.no_improvement,
        }

    def _restore(self, snapshot: dict[str, Any]) -> None:
        self.net.theta[...] = snapshot["theta"]
        saved = snapshot["optimizer"]
        self.optimizer.learning_rate = saved["hyperparameters"]["learning_rate"]
        self.optimizer.t = saved["t"]
        self.optimizer.state = {name: buffer.copy() for name, buffer in saved["state"].items()}
        self.net.rng.bit_generator.state = snapshot["rng"]
        self.epochs_done = snapshot["epochs_done"]
        for record in (
            self.history.cost,
            self.history.learning_rate,
            self.history.val_cost,
            self.history.val_score,
        ):
            del record[snapshot["recorded"] :]
        self.best_score, self.best_theta, self.history.best_epoch = snapshot["best"]
        self.no_improvement = snapshot["no_improvement"]

    def _run_epoch(
        self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None, batch: int, grads: np.ndarray
    ) -> float:
        """One pass over the data; returns the size-weighted mean of the mini-batch costs.

        Data-parallel, a step works on this rank's columns of the global batch, divides by
        the whole batch's ``m`` (only rank 0 adds the L2 term), and sums the ranks' costs and
        gradients with one ``Allreduce`` before the update.
        """
        net, shard = self.net, self._shard
        m = X.shape[1] if shard is None else shard.m
        order = net.rng.permutation(m) if self.shuffle and batch < m else None
        total = 0.0
        for columns in batches(m, batch, order):
            batch_m, part, divisor, penalty = _batch_size(columns, m), None, None, True
            if shard is not None:
                columns, part, divisor = shard.part(columns)
                penalty = shard.rank == 0
                if divisor == 0:
                    continue  # a batch of zero-weight examples carries no gradient
            X_batch, Y_batch = X[:, columns], Y[:, columns]
            w_batch = None if w is None else w[:, columns]
            if shard is None and w_batch is not None and not w_batch.any():
                continue
            cache = self._cache(X_batch.shape[1])
            cache.batch = part
            net._forward(X_batch, training=True, cache=cache)
            cost = net._cost(cache, Y_batch, w_batch, divisor, penalty)
            net._backward(cache, Y_batch, grads, w_batch, divisor, penalty)
            if shard is not None:
                cost = shard.sum_gradients(cost)
            total += cost * batch_m
            if self.clip_norm is not None:
                norm = float(np.linalg.norm(grads))
                if norm > self.clip_norm:
                    grads *= self.clip_norm / norm
            self.optimizer.step(net.theta, grads)
        return total / m

    def _cache(self, m: int) -> Cache:
        """The reusable arrays for batches of ``m`` examples (at most two sizes per run).

        Data-parallel, every size is a view of the cache for the whole batch, the largest.
        """
        if m not in self._caches:
            if self._shard is not None:
                self._caches[m] = self._caches[max(self._caches)].resized(m)
            else:
                self._caches[m] = Cache(self.net.layer_sizes, m, self.net.dtype)
        return self._caches[m]

    def _record(self, cost: float, validation: tuple[np.ndarray, np.ndarray] | None) -> None:
        self.history.cost.append(cost)
        self.history.learning_rate.append(self.optimizer.learning_rate)
        if validation is not None:
            X_val, Y_val = validation
            self.history.val_cost.append(self.net._cost(self.net._forward(X_val), Y_val))
            self.history.val_score.append(self.net._score(X_val, Y_val))

    def _end_of_epoch(self, validating: bool) -> str | None:
        """Track the best score, apply the schedule; the reason to stop, if any."""
        score = self.history.val_score[-1] if validating else -self.history.cost[-1]
        if score < self.best_score + self.tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        if score > self.best_score:
            self.best_score = score
            self.history.best_epoch = self.epochs_done
            if validating and self.restore_best:
                self.best_theta = self.net.theta.copy()

        self.optimizer.learning_rate = self.schedule.rate(
            self.alpha_0, self.optimizer.learning_rate, self.epochs_done
        )
        if self.patience is not None and self.no_improvement > self.patience:
            lowered = self.schedule.on_stall(self.optimizer.learning_rate)
            if lowered is None:
                return "converged"
            self.optimizer.learning_rate = lowered
            self.no_improvement = 0
        return None

    # ------------------------------------------------------------------ checkpoints

    def settings(self) -> dict[str, Any]:
        """The trainer's configuration as JSON-ready values."""
        return {
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "schedule": {"name": self.schedule.name, **self.schedule.hyperparameters()},
            "clip_norm": self.clip_norm,
            "patience": self.patience,
            "tol": self.tol,
            "restore_best": self.restore_best,
            "checkpoint_every": self.checkpoint_every,
        }

    def save_checkpoint(self, path: str | PathLike[str]) -> None:
        """Write the network and the full training state to one model file (atomically).

        ``self.checkpoint_extras = (metadata, arrays)`` travel with every checkpoint (the
        command line keeps its data description and feature scaling there).
        """
        from chainrule.modelfile import save_network

        if self.comm is not None and self.comm.Get_rank() != 0:
            return  # the ranks hold identical state; one writes it
        metadata, extra_arrays = self.checkpoint_extras
        optimizer = self.optimizer.state_dict()
        arrays = {f"optimizer.{k}": v for k, v in optimizer.pop("state").items()}
        arrays.update(extra_arrays)
        if self.best_theta is not None:
            arrays["best_theta"] = self.best_theta
        training = {
            "settings": self.settings(),
            "optimizer": optimizer,
            "alpha_0": self.alpha_0,
            "epochs_done": self.epochs_done,
            "best_score": self.best_score if math.isfinite(self.best_score) else None,
            "no_improvement": self.no_improvement,
            "history": asdict(self.history),
            "rng": self.net.rng.bit_generator.state,
        }
        save_network(self.net, path, metadata=metadata, training=training, arrays=arrays)

    @classmethod
    def resume(
        cls,
        path: str | PathLike[str],
        *,
        callbacks: Sequence[Callback] = (),
        checkpoint: str | PathLike[str] | None = None,
        comm: Any = None,
    ) -> Trainer:
        """Rebuild the network and trainer saved by :meth:`save_checkpoint`.

        ``trainer.fit(X, Y, epochs=total - trainer.epochs_done)`` then continues exactly as
        the interrupted run would have. New checkpoints go to ``checkpoint`` (default: the
        same file); ``comm`` continues data-parallel, on any number of ranks.
        """
        from chainrule.errors import ModelFileError
        from chainrule.modelfile import read_network

        net, header, arrays = read_network(path)
        training = header.get("training")
        if not training:
            raise ModelFileError(f"{path}: holds a model but no training state to resume from")
        saved_optimizer = dict(training["optimizer"])
        saved_optimizer["state"] = {
            k.removeprefix("optimizer."): v for k, v in arrays.items() if k.startswith("optimizer.")
        }
        settings = dict(training["settings"])
        schedule = settings.pop("schedule")
        trainer = cls(
            net,
            Optimizer.from_state_dict(saved_optimizer),
            schedule=get_schedule(schedule.pop("name"), **schedule),
            callbacks=callbacks,
            checkpoint=checkpoint or path,
            comm=comm,
            **settings,
        )
        trainer.alpha_0 = float(training["alpha_0"])
        trainer.epochs_done = int(training["epochs_done"])
        best = training["best_score"]
        trainer.best_score = -math.inf if best is None else float(best)
        trainer.no_improvement = int(training["no_improvement"])
        trainer.history = History(**training["history"])
        trainer.best_theta = arrays.get("best_theta")
        net.rng.bit_generator.state = training["rng"]
        own = {"theta", "best_theta"}
        extra_arrays = {
            k: v for k, v in arrays.items() if k not in own and not k.startswith("optimizer.")
        }
        trainer.checkpoint_extras = (header.get("metadata") or {}, extra_arrays)
        return trainer


def train(net: Network, X: np.ndarray, Y: np.ndarray, *, epochs: int, **settings: Any) -> History:
    """Train ``net`` on validated data with a fresh :class:`Trainer`; returns its history."""
    fit_options = {k: settings.pop(k) for k in ("sample_weight", "validation") if k in settings}
    return Trainer(net, **settings).fit(X, Y, epochs, **fit_options)
