"""The training loop: epochs of (mini-batch) forward, cost, backward and update.

:class:`Trainer` holds every piece of state a run has (optimiser buffers, the shuffling
generator, the early-stopping bookkeeping, the history), so a run can be checkpointed to a
model file and resumed to give exactly the parameters an uninterrupted run would.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from os import PathLike
from typing import Any

import numpy as np

from chainrule.core.arrays import NUMPY, host, is_foreign_array, namespace_of, placed_like
from chainrule.core.network import Network
from chainrule.core.validation import (
    check_instance,
    check_positive,
    check_positive_int,
)
from chainrule.errors import (
    ChainruleError,
    ConfigurationError,
    ModelFileError,
    TrainingDivergedError,
    shown,
)
from chainrule.io.modelfile import FileExtras, network_from_file, read_model_file, save_network
from chainrule.train.checkpoint import (
    TrainingState,
    extra_arrays,
    read_training_state,
    training_state,
)
from chainrule.train.history import History
from chainrule.train.optimizers import GradientDescent, Optimizer
from chainrule.train.schedules import Schedule, get_schedule
from chainrule.train.split import Validation, hold_out
from chainrule.train.steps import LocalGradient, StepStrategy

Callback = Callable[[Network, int, History], Any]


def batches(m: int, batch_size: int, order: np.ndarray | None) -> list[Any]:
    """Column selections of the mini-batches of an epoch: slices, or index arrays if shuffled."""
    # the last batch stops at m: the array API leaves slices past the end unspecified
    bounds = [(start, min(start + batch_size, m)) for start in range(0, m, batch_size)]
    if order is None:
        return [slice(start, stop) for start, stop in bounds]
    return [order[start:stop] for start, stop in bounds]


def clip_to_norm(g: Any, max_norm: float) -> None:
    """``g *= max_norm / ||g||`` where the global norm ``||g||`` exceeds ``max_norm``, in
    place; the norm is not brought back from the device."""
    xp = namespace_of(g)
    norm = xp.sqrt(xp.sum(g * g))
    g *= max_norm / xp.maximum(norm, max_norm)  # exactly 1 when ||g|| <= max_norm


class Trainer:
    """Trains a :class:`~chainrule.core.Network`; keeps all state between epochs.

    Parameters
    ----------
    optimizer:
        Any :class:`~chainrule.train.optimizers.Optimizer`; default plain gradient descent, 0.1.
    batch_size:
        ``None`` for full batch (the seed's algorithm), the mini-batch size, or ``"auto"``:
        ``min(200, m)`` for the ``m`` examples of each :meth:`fit` (scikit-learn's rule).
    shuffle:
        Reshuffle the examples every epoch (seeded by the network's generator).
    order:
        Where a shuffled epoch's order comes from: ``order(m)`` returns a permutation of
        ``range(m)``. Default: ``net.rng.permutation(m)``. The estimators pass scikit-learn's
        shuffle, so the same ``random_state`` visits the examples in scikit-learn's order.
    schedule:
        A :class:`~chainrule.train.schedules.Schedule` or its name; default constant.
    clip_norm:
        If set, rescale the gradient so its global norm ``||dtheta||`` is at most this.
    patience, tol:
        Stop (or, with the adaptive schedule, lower the rate) once the monitored score has
        not improved by ``tol`` for more than ``patience`` epochs. The score is the validation
        score when there is validation data (early stopping), else minus the training cost.
        ``patience=None`` (default) never stops early.
    monitor:
        What early stopping watches on the validation data: ``"score"`` (default; accuracy
        or R², as scikit-learn) or ``"cost"`` (the validation cost, which keeps falling while
        a small validation set's accuracy has long stopped changing).
    restore_best:
        With validation data, end with the parameters of the best validation score.
    callbacks:
        Called as ``callback(net, epoch, history)`` after every epoch; returning ``True``
        stops training.
    checkpoint, checkpoint_every:
        Write a resumable model file to ``checkpoint`` every ``checkpoint_every`` epochs.
    checkpoint_extras:
        A :class:`~chainrule.io.modelfile.FileExtras`: the kind, metadata and arrays every
        checkpoint stores beside the network (a :class:`chainrule.Model`'s ``file_extras()``
        makes a checkpoint that loads as that model).
    strategy:
        How a mini-batch's gradient is computed (:mod:`chainrule.train.steps`): by default
        in this process; :class:`chainrule.parallel.DataParallel` sums it over MPI ranks,
        each holding a shard of the examples. Only a strategy that ``writes_files`` writes
        checkpoints.

    Every argument is checked here and fixed for the trainer's life: the callbacks, the
    checkpoint settings, the strategy and the batch-size policy are read-only properties.
    What changes as it trains is :attr:`state` (a
    :class:`~chainrule.train.checkpoint.TrainingState`), the optimiser and the network.
    """

    def __init__(
        self,
        net: Network,
        optimizer: Optimizer | None = None,
        *,
        batch_size: int | str | None = None,
        shuffle: bool = True,
        order: Callable[[int], np.ndarray] | None = None,
        schedule: Schedule | str | None = None,
        clip_norm: float | None = None,
        patience: int | None = None,
        tol: float = 1e-4,
        monitor: str = "score",
        restore_best: bool = True,
        callbacks: Sequence[Callback] = (),
        checkpoint: str | PathLike[str] | None = None,
        checkpoint_every: int = 0,
        checkpoint_extras: FileExtras | None = None,
        strategy: StepStrategy | None = None,
    ) -> None:
        self.net = check_instance("net", net, Network, "a chainrule Network")
        self._strategy = check_instance(
            "strategy", strategy or LocalGradient(), StepStrategy, "a chainrule StepStrategy"
        )
        self.optimizer = check_instance(
            "optimizer",
            optimizer or GradientDescent(0.1),
            Optimizer,
            "an optimizer such as chainrule.Adam(0.001)",
        )
        if batch_size is None or batch_size == AUTO_BATCH:
            self._batch_size = batch_size
        else:
            self._batch_size = check_positive_int("batch_size", batch_size)
        self.shuffle = bool(shuffle)
        self.order = order
        if isinstance(schedule, str):
            schedule = get_schedule(schedule)
        self.schedule = check_instance(
            "schedule",
            schedule or Schedule(),
            Schedule,
            "a schedule name (constant, step, exponential, adaptive) or an instance such as "
            "chainrule.StepDecay(30, 0.5)",
        )
        self.clip_norm = None if clip_norm is None else check_positive("clip_norm", clip_norm)
        self.patience = (
            None if patience is None else check_positive_int("patience", patience, allow_zero=True)
        )
        self.tol = check_positive("tol", tol, allow_zero=True)
        if monitor not in MONITORS:
            raise ConfigurationError(
                f"monitor must be one of {', '.join(MONITORS)}, got {shown(monitor)}"
            )
        self.monitor = monitor
        self.restore_best = bool(restore_best)
        self._callbacks = tuple(callbacks)
        if not all(callable(callback) for callback in self._callbacks):
            raise ConfigurationError("callbacks must be functions callback(net, epoch, history)")
        self._checkpoint = checkpoint
        self._checkpoint_every = check_positive_int(
            "checkpoint_every", checkpoint_every, allow_zero=True
        )
        if self._checkpoint_every and checkpoint is None:
            raise ConfigurationError("checkpoint_every needs a checkpoint path")
        self._checkpoint_extras = check_instance(
            "checkpoint_extras",
            checkpoint_extras or FileExtras(),
            FileExtras,
            "a chainrule.io.modelfile.FileExtras(kind, metadata, arrays)",
        )
        self.initial_learning_rate = self.optimizer.learning_rate
        self.state = TrainingState()
        self._draws = True

    @classmethod
    def from_state(
        cls,
        net: Network,
        optimizer: Optimizer | None,
        state: TrainingState,
        **settings: Any,
    ) -> Trainer:
        """A trainer that continues ``state`` (a resumed checkpoint, or an estimator's warm
        start with a fresh ``optimizer``); ``settings`` are the constructor's keywords."""
        trainer = cls(net, optimizer, **settings)
        trainer.state = check_instance(
            "state", state, TrainingState, "a chainrule.train.checkpoint.TrainingState"
        )
        if state.initial_learning_rate is not None:
            trainer.initial_learning_rate = float(state.initial_learning_rate)
        return trainer

    @property
    def batch_size(self) -> int | str | None:
        """``None`` (full batch), a size, or ``"auto"``: ``min(200, m)`` for each ``fit``'s
        ``m``, as scikit-learn chooses."""
        return self._batch_size

    @property
    def callbacks(self) -> tuple[Callback, ...]:
        return self._callbacks

    @property
    def checkpoint(self) -> str | PathLike[str] | None:
        return self._checkpoint

    @property
    def checkpoint_every(self) -> int:
        return self._checkpoint_every

    @property
    def checkpoint_extras(self) -> FileExtras:
        """What every checkpoint stores beside the network and the training state."""
        return self._checkpoint_extras

    @property
    def strategy(self) -> StepStrategy:
        return self._strategy

    @property
    def history(self) -> History:
        return self.state.history

    @property
    def epochs_done(self) -> int:
        return self.state.epochs_done

    def batch_for(self, m: int) -> int:
        """The mini-batch size of a ``fit`` on ``m`` examples."""
        if self._batch_size is None:
            return m
        if self._batch_size == AUTO_BATCH:
            return min(AUTO_BATCH_SIZE, m)
        return min(self._batch_size, m)

    # ------------------------------------------------------------------ the loop

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        epochs: int,
        *,
        sample_weight: np.ndarray | None = None,
        validation: tuple[np.ndarray, ...] | None = None,
    ) -> History:
        """Run ``epochs`` more epochs on ``X`` ``(n[0], m)``, ``Y`` ``(n[L], m)``.

        ``sample_weight`` is ``(m,)``, ``(1, m)`` or ``None``; ``validation`` is
        ``(X_val, Y_val)`` or ``(X_val, Y_val, w_val)`` (a weighted validation cost and
        score). The data is checked and converted to the network's dtype here, the same way
        on every path (``fit``, a resumed trainer, the estimators), so a resumed run sees
        exactly the numbers an uninterrupted one saw; arrays already of that dtype (or
        ``X_rows.T`` views of them) are not copied. Under a
        data-parallel strategy, ``X``, ``Y`` and ``sample_weight`` are this process's shard
        and ``validation`` is the same in every process.
        A non-finite cost raises :class:`~chainrule.errors.TrainingDivergedError` and leaves
        the network with the parameters of its last finite epoch. A ``KeyboardInterrupt``
        mid-epoch puts the parameters, the optimiser and the shuffling generator back as they
        were after the last completed epoch (so a checkpoint written then resumes exactly),
        records ``stop_reason = "interrupted"`` and propagates.
        """
        epochs = check_positive_int("epochs", epochs)
        self._follow(X, Y, sample_weight, validation)
        X, Y, w = self._checked(X, Y, sample_weight)
        if validation is not None:
            validation = self._checked(*validation)
        m = self.strategy.bind(self.net, X, Y, w)
        batch = self.batch_for(m)
        # whether an epoch draws from the network's generator (shuffling, dropout masks)
        self._draws = bool((self.shuffle and batch < m) or self.net.dropout)
        boundary = self._snapshot()  # the state after the last completed epoch
        try:
            # Overflow is detected and reported as one clear error, not a stream of warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                stop = self._epochs(m, epochs, validation, batch, boundary)
        except KeyboardInterrupt:
            self._restore(boundary)
            self.history.stop_reason = "interrupted"
            raise
        self.history.stop_reason = stop or "epochs"
        best = self.state.best_theta
        if validation is not None and self.restore_best and best is not None:
            self.net.theta[...] = best
        return self.history

    def _follow(self, X: Any, Y: Any, w: Any, validation: Any) -> None:
        """Move the network, and a resumed run's best parameters, to where ``X`` is: the
        namespace follows the data (:mod:`chainrule.core.arrays`). Data that mixes
        namespaces is refused first, so that a refused call moves nothing."""
        namespace_of(X, Y, w, *(validation or ()))
        net = self.net.to(X)
        if self.state.best_theta is not None:
            self.state.best_theta = placed_like(self.state.best_theta, net.theta)

    def _checked(
        self, X: Any, Y: Any, w: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if w is not None:
            w = w if is_foreign_array(w) else np.asarray(w)
            w = namespace_of(w).reshape(w, (-1,))
        return self.strategy.check_data(self.net, X, Y, w)

    def _epochs(
        self,
        m: int,
        epochs: int,
        validation: Validation | None,
        batch: int,
        boundary: dict[str, Any],
    ) -> str | None:
        """The epoch loop of :meth:`fit`; returns why it stopped early, if it did."""
        net = self.net
        stop = None
        for _ in range(epochs):
            epoch = self.state.epochs_done + 1
            cost = float(self._run_epoch(m, batch))  # off NumPy, the epoch's one wait
            # one sum (in float64, so large finite parameters cannot overflow it) checks theta
            theta_sum = float(net.xp.sum(net.theta, dtype=net.xp.float64))
            if not (math.isfinite(cost) and math.isfinite(theta_sum)):
                self._restore(boundary)
                previous = f"{self.history.cost[-1]:.6g}" if self.history.cost else "none yet"
                raise TrainingDivergedError(
                    f"training diverged at epoch {epoch}: the cost became {cost} "
                    f"(last finite cost: {previous}); try a lower learning rate. The "
                    "network keeps the parameters of the last finite epoch."
                )
            self.state.epochs_done = epoch
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

    def _run_epoch(self, m: int, batch: int) -> float:
        """One pass over the data: for each mini-batch, its gradient from the strategy, then
        the optimiser's step (eq. U1 for plain gradient descent). Returns the mean of the
        batch costs, weighted by the batches' weights: a float on NumPy, a 0-d array left
        on the device elsewhere, so that no step waits for the device."""
        net, gradient, grads = self.net, self.strategy, self.strategy.grads
        order = None
        if self.shuffle and batch < m:
            order = net.rng.permutation(m) if self.order is None else self.order(m)
            if net.xp is not NUMPY:  # the epoch's order goes to the device once, not per batch
                order = net.xp.asarray(order)
        total = weight = 0.0
        for columns in batches(m, batch, order):
            result = gradient(columns)
            if result is None:
                continue  # a batch of zero-weight examples carries no gradient
            cost, batch_weight = result
            total += cost * batch_weight
            weight += batch_weight
            if self.clip_norm is not None:
                clip_to_norm(grads, self.clip_norm)
            self.optimizer.step(net.theta, grads)
        return total / weight

    def _snapshot(self) -> dict[str, Any]:
        """Everything an epoch changes, to go back to if the next one is interrupted (taken
        after every epoch, so kept cheap: the generator's state only when an epoch draws)."""
        state = self.state
        return {
            "theta": self.net.xp.copy(self.net.theta),
            "optimizer": self.optimizer.snapshot(),
            "rng": self.net.rng.bit_generator.state if self._draws else None,
            "epochs_done": state.epochs_done,
            "recorded": len(state.history.cost),
            "dynamics": len(state.history.dynamics),
            "best": (state.best_score, state.best_theta, state.history.best_epoch),
            "no_improvement": state.no_improvement,
        }

    def _restore(self, snapshot: dict[str, Any]) -> None:
        self.net.theta[...] = snapshot["theta"]
        self.optimizer.restore(snapshot["optimizer"])
        if snapshot["rng"] is not None:
            self.net.rng.bit_generator.state = snapshot["rng"]
        state = self.state
        state.epochs_done = snapshot["epochs_done"]
        for record in (
            self.history.cost,
            self.history.learning_rate,
            self.history.val_cost,
            self.history.val_score,
        ):
            del record[snapshot["recorded"] :]
        del self.history.dynamics[snapshot["dynamics"] :]
        state.best_score, state.best_theta, state.history.best_epoch = snapshot["best"]
        state.no_improvement = snapshot["no_improvement"]

    def _record(self, cost: float, validation: Validation | None) -> None:
        self.history.cost.append(cost)
        self.history.learning_rate.append(self.optimizer.learning_rate)
        if validation is not None:
            X_val, Y_val, w_val = validation
            cache = self.strategy.forward(self.net, X_val)
            self.history.val_cost.append(float(self.strategy.cost(self.net, cache, Y_val, w_val)))
            self.history.val_score.append(self.net.output.score(cache.A[self.net.L], Y_val, w_val))

    def _end_of_epoch(self, validating: bool) -> str | None:
        """Track the best score, apply the schedule; the reason to stop, if any."""
        state = self.state
        if not validating:
            score = -state.history.cost[-1]
        elif self.monitor == "cost":
            score = -state.history.val_cost[-1]
        else:
            score = state.history.val_score[-1]
        if score < state.best_score + self.tol:
            state.no_improvement += 1
        else:
            state.no_improvement = 0
        if score > state.best_score:
            state.best_score = score
            state.history.best_epoch = state.epochs_done
            if validating and self.restore_best:
                state.best_theta = self.net.xp.copy(self.net.theta)

        self.optimizer.learning_rate = self.schedule.rate(
            self.initial_learning_rate, self.optimizer.learning_rate, state.epochs_done
        )
        if self.patience is not None and state.no_improvement > self.patience:
            lowered = self.schedule.on_stall(self.optimizer.learning_rate)
            if lowered is None:
                return "early_stopping" if validating else "converged"
            self.optimizer.learning_rate = lowered
            state.no_improvement = 0
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
            "monitor": self.monitor,
            "restore_best": self.restore_best,
            "checkpoint_every": self.checkpoint_every,
        }

    def save_checkpoint(self, path: str | PathLike[str]) -> None:
        """Write the network and the full training state to one model file (atomically),
        with the constructor's ``checkpoint_extras`` (the command line keeps its model's
        codec and feature scaling there). Under a strategy that does not write files (every
        MPI rank but 0) this does nothing.
        """
        if not self.strategy.writes_files:
            return  # the ranks hold identical state; one writes it
        extras = self.checkpoint_extras
        training, arrays = training_state(self)
        save_network(
            self.net,
            path,
            kind=extras.kind,
            metadata=extras.metadata,
            training=training,
            arrays={**arrays, **extras.arrays},
        )

    @classmethod
    def resume(cls, path: str | PathLike[str], **options: Any) -> Trainer:
        """Rebuild the network and trainer saved by :meth:`save_checkpoint`.

        ``trainer.fit(X, Y, epochs=total - trainer.epochs_done)`` then continues exactly as
        the interrupted run would have. ``options`` are the settings that may change on
        resuming: ``callbacks``, ``checkpoint`` (default: the same file), ``checkpoint_every``
        and ``strategy`` (continue data-parallel, on any number of ranks).
        """
        header, arrays = read_model_file(path)
        return cls.from_model_file(path, header, arrays, **options)

    @classmethod
    def from_model_file(
        cls,
        path: str | PathLike[str],
        header: dict[str, Any],
        arrays: dict[str, np.ndarray],
        net: Network | None = None,
        **options: Any,
    ) -> Trainer:
        """:meth:`resume` from a model file already read (``read_model_file``): the file is
        read once, whoever else needs its header (``net``: its network, if already built).
        The file's kind, metadata and extra arrays travel on in every later checkpoint."""
        training = header.get("training")
        if not training:
            raise ModelFileError(f"{path}: holds a model but no training state to resume from")
        unknown = set(options) - RESUME_OPTIONS
        if unknown:
            raise ConfigurationError(
                f"resuming keeps the saved settings; only {', '.join(sorted(RESUME_OPTIONS))} "
                f"may be given, not {', '.join(sorted(unknown))}"
            )
        net = net or network_from_file(path, header, arrays)
        options["checkpoint"] = options.get("checkpoint") or path
        options.setdefault(
            "checkpoint_extras",
            FileExtras(header.get("kind", "network"), header.get("metadata") or {},
                       extra_arrays(arrays)),
        )  # fmt: skip
        try:
            state, optimizer, settings = read_training_state(training, arrays)
            schedule = dict(settings.pop("schedule"))
            saved_every = settings.pop("checkpoint_every", 0)
            options.setdefault("checkpoint_every", saved_every)
            trainer = cls.from_state(
                net,
                optimizer,
                state,
                schedule=get_schedule(schedule.pop("name"), **schedule),
                **settings,
                **options,
            )
            net.rng.bit_generator.state = training["rng"]
        except (KeyError, TypeError, ValueError, OverflowError, ChainruleError) as exc:
            raise ModelFileError(f"{path}: the training state is incomplete ({exc})") from None
        return trainer


RESUME_OPTIONS = {"callbacks", "checkpoint", "checkpoint_every", "checkpoint_extras", "strategy"}
AUTO_BATCH = "auto"
#: What early stopping may watch on the validation data.
MONITORS = ("score", "cost")
AUTO_BATCH_SIZE = 200

FAR_FROM_UNIT_SCALE = 100.0


SCALE_SAMPLE = 4096  # examples looked at: enough to tell a scale of 100 from one of 1


def warn_if_far_from_unit_scale(X: np.ndarray) -> None:
    """Warn once (``UserWarning``) when a feature of ``X`` ``(n[0], m)`` has a standard
    deviation or a mean beyond 100: gradient descent with the usual learning rates then
    saturates units or takes steps of the wrong size, and a network can learn nothing.

    The scale is estimated on at most 4096 evenly spaced examples, so the check costs nothing
    next to training and allocates nothing of ``X``'s size."""
    sample = host(X[:, :: max(1, X.shape[1] // SCALE_SAMPLE)])
    mean = sample.mean(axis=1, dtype=np.float64)
    std = sample.std(axis=1, dtype=np.float64)
    worst = int(np.argmax(np.maximum(np.abs(mean), std)))
    if max(abs(mean[worst]), std[worst]) > FAR_FROM_UNIT_SCALE:
        warnings.warn(
            f"chainrule: feature {worst} of X has mean {mean[worst]:.4g} and standard deviation "
            f"{std[worst]:.4g}; features far from unit scale make gradient descent slow or "
            "stuck. Standardise X first: X = (X - X.mean(axis=1, keepdims=True)) / "
            "X.std(axis=1, keepdims=True), with the same mean and deviation for new data",
            UserWarning,
            stacklevel=3,
        )


def fit(
    net: Network,
    X: Any,
    Y: Any,
    *,
    epochs: int = 1000,
    learning_rate: float | None = None,
    optimizer: Optimizer | None = None,
    sample_weight: Any = None,
    validation_data: tuple[Any, ...] | None = None,
    validation_fraction: float | None = None,
    **settings: Any,
) -> History:
    """Train ``net`` by gradient descent; returns the :class:`History`.

    ``X`` is ``(n[0], m)`` and ``Y`` ``(n[L], m)``, validated here. With the defaults every
    epoch is one full-batch step ``theta -= learning_rate * dtheta``, the seed's algorithm.

    ``learning_rate`` is plain gradient descent's alpha (default 0.1); ``optimizer`` replaces
    plain gradient descent, and carries its own rate, so giving both is a
    :class:`~chainrule.errors.ConfigurationError`.
    ``validation_data=(X_val, Y_val)``, or ``validation_fraction`` of the examples held
    out by the seeded split of :mod:`chainrule.train.split`, adds a validation cost and score
    per epoch and, with ``patience``, early stopping on that score. Every other keyword
    (``batch_size``, ``shuffle``, ``schedule``, ``clip_norm``, ``patience``, ``tol``,
    ``restore_best``, ``callbacks``, ``checkpoint``, ``checkpoint_every``) is a
    :class:`Trainer` setting. Features far from unit scale (a mean or standard deviation
    beyond 100) get a ``UserWarning`` that says how to standardise them.
    """
    check_instance("net", net, Network, "a chainrule Network")
    namespace_of(X, Y, sample_weight, *(validation_data or ()))  # refused before any move
    net.to(X)  # the parameters go where the data is
    X, Y, w = net.check_data(X, Y, sample_weight)
    warn_if_far_from_unit_scale(X)
    if validation_data is not None and validation_fraction is not None:
        raise ConfigurationError("give validation_data or validation_fraction, not both")
    validation = None
    if validation_fraction is not None:
        X, Y, w, validation = hold_out(X, Y, w, validation_fraction, net.seed)
    elif validation_data is not None:
        validation = net.check_data(*validation_data)
    if optimizer is not None and learning_rate is not None:
        raise ConfigurationError(
            "give learning_rate or an optimizer, not both: the optimizer has its own rate "
            f"({optimizer!r}); write e.g. chainrule.Adam(learning_rate=...)"
        )
    if optimizer is None:
        optimizer = GradientDescent(0.1 if learning_rate is None else learning_rate)
    trainer = Trainer(net, optimizer, **settings)
    return trainer.fit(X, Y, epochs, sample_weight=w, validation=validation)
