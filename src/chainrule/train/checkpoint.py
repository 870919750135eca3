"""Checkpoints: a trainer's whole state to and from the plain data a model file stores.

:func:`training_state` gives the ``training`` dict (short JSON values) and the arrays
(optimiser buffers, the best parameters so far, the per-epoch history) that
:mod:`chainrule.io.modelfile` writes beside the network; :func:`read_training_state` reads
them back as a :class:`TrainingState` and an optimiser, from which
:meth:`chainrule.train.Trainer.from_state` builds a trainer that continues exactly where the
saved one stopped: same parameters, optimiser buffers, shuffling generator, early-stopping
bookkeeping and history.

The history is stored as arrays (``history.cost``, ``history.val_score``, ...; the learning
dynamics as ``dynamics.*`` tables of one row per record and one column per layer), so the
header stays small however long the run. Checkpoints of format version 1 kept it in the JSON,
and named the initial learning rate ``alpha_0``; both still load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.core.arrays import host
from chainrule.errors import ModelFileError
from chainrule.io.schema import JSON, NUMBER, ListOf, Range, Record, register_section
from chainrule.train.history import History
from chainrule.train.optimizers import Optimizer

OPTIMIZER_PREFIX = "optimizer."
HISTORY_PREFIX = "history."
DYNAMICS_PREFIX = "dynamics."
NONE_SUFFIX = ".none"
OWN_ARRAYS = ("theta", "best_theta")
RECORDS = ("cost", "val_cost", "val_score", "learning_rate")


RATE = Range(float, 0, open_low=True)
#: The ``training`` section of a checkpoint's header (:mod:`chainrule.io.schema`).
TRAINING = Record(
    fields={
        "settings": Record(
            fields={
                "batch_size": (None, "auto", Range(int, 1)),
                "shuffle": bool,
                "schedule": Record(fields={"name": str}, extra=float),
                "clip_norm": (None, RATE),
                "patience": (None, Range(int, 0)),
                "tol": Range(float, 0),
                "restore_best": bool,
            },
            optional={"checkpoint_every": Range(int, 0), "monitor": ("score", "cost")},
        ),
        "optimizer": Record(
            fields={
                "name": str,
                "hyperparameters": Record(fields={"learning_rate": RATE}, extra=(float, bool)),
                "t": Range(int, 0),
            }
        ),
        "epochs_done": Range(int, 0),
        "best_score": (None, NUMBER),
        "no_improvement": Range(int, 0),
        "history": Record(
            optional={
                "best_epoch": (None, Range(int, 0)),
                "stop_reason": str,
                # format version 1 kept the records in the header
                **{name: ListOf(NUMBER) for name in RECORDS},
                "dynamics": ListOf(JSON),
            }
        ),
        "rng": Record(
            fields={"bit_generator": str, "state": Record(extra=Range(int, 0))},
            optional={"has_uint32": Range(int, 0, 1), "uinteger": Range(int, 0)},
        ),
    },
    optional={"initial_learning_rate": RATE, "alpha_0": RATE},
)
register_section(("training",), TRAINING)


@dataclass
class TrainingState:
    """Where a run stands between epochs: what a resumed run or a warm start carries over.

    ``initial_learning_rate`` is the rate the schedule starts from (``None``: the
    optimiser's own, as for a fresh optimiser on a warm start); ``best_score`` and
    ``no_improvement`` are the early-stopping bookkeeping; ``best_theta`` the parameters of
    the best validation epoch so far (with ``restore_best``).
    """

    epochs_done: int = 0
    history: History = field(default_factory=History)
    best_score: float = -math.inf
    best_theta: np.ndarray | None = None
    no_improvement: int = 0
    initial_learning_rate: float | None = None


def training_state(trainer: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(training, arrays)``: everything needed to continue ``trainer`` exactly."""
    optimizer = trainer.optimizer.state_dict()
    arrays = {f"{OPTIMIZER_PREFIX}{k}": v for k, v in optimizer.pop("state").items()}
    state = trainer.state
    if state.best_theta is not None:
        arrays["best_theta"] = host(state.best_theta)
    arrays.update(history_arrays(state.history))
    training = {
        "settings": trainer.settings(),
        "optimizer": optimizer,
        "initial_learning_rate": trainer.initial_learning_rate,
        "epochs_done": state.epochs_done,
        "best_score": state.best_score if math.isfinite(state.best_score) else None,
        "no_improvement": state.no_improvement,
        "history": {
            "best_epoch": state.history.best_epoch,
            "stop_reason": state.history.stop_reason,
        },
        "rng": trainer.net.rng.bit_generator.state,
    }
    return training, arrays


def read_training_state(
    training: dict[str, Any], arrays: dict[str, np.ndarray]
) -> tuple[TrainingState, Optimizer, dict[str, Any]]:
    """The saved state, the optimiser with its buffers, and the trainer's saved settings."""
    saved_optimizer = dict(training["optimizer"])
    saved_optimizer["state"] = {
        k.removeprefix(OPTIMIZER_PREFIX): v
        for k, v in arrays.items()
        if k.startswith(OPTIMIZER_PREFIX)
    }
    best = training["best_score"]
    initial = training.get("initial_learning_rate", training.get("alpha_0"))
    if initial is None:
        raise ModelFileError("the initial learning rate is not recorded")
    best_theta = arrays.get("best_theta")
    if best_theta is not None and best_theta.shape != arrays["theta"].shape:
        raise ModelFileError("the best parameters do not have the shape of the parameters")
    state = TrainingState(
        epochs_done=int(training["epochs_done"]),
        history=read_history(training, arrays),
        best_score=-math.inf if best is None else float(best),
        best_theta=best_theta,
        no_improvement=int(training["no_improvement"]),
        initial_learning_rate=float(initial),
    )
    return state, Optimizer.from_state_dict(saved_optimizer), dict(training["settings"])


def history_arrays(history: History) -> dict[str, np.ndarray]:
    """The per-epoch records of ``history`` as named float64 arrays."""
    arrays = {
        f"{HISTORY_PREFIX}{name}": np.asarray(getattr(history, name), dtype=np.float64)
        for name in RECORDS
    }
    if history.dynamics:
        arrays.update(_dynamics_arrays(history.dynamics))
    return arrays


def read_history(training: dict[str, Any], arrays: dict[str, np.ndarray]) -> History:
    """The :class:`History` of a saved run: from its arrays, or from the JSON of a file of
    format version 1."""
    saved = training.get("history") or {}
    if not isinstance(saved, dict):
        raise ModelFileError("the training history is not described")
    if "cost" in saved:  # format version 1
        return History(**saved)
    records = {
        name: arrays[f"{HISTORY_PREFIX}{name}"].tolist()
        for name in RECORDS
        if f"{HISTORY_PREFIX}{name}" in arrays
    }
    return History(
        **records,
        dynamics=_read_dynamics(arrays),
        best_epoch=saved.get("best_epoch"),
        stop_reason=saved.get("stop_reason", "epochs"),
    )


def _dynamics_arrays(records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Learning-dynamics records (``{"epoch", "layers": [{"l", key: number or None}]}``) as
    one ``(records, layers)`` table per key; ``None`` entries are NaN, marked in a mask."""
    arrays = {f"{DYNAMICS_PREFIX}epoch": np.array([r["epoch"] for r in records], dtype=np.int64)}
    keys = [key for key in records[0]["layers"][0] if key != "l"]
    for key in keys:
        values = [[layer[key] for layer in r["layers"]] for r in records]
        missing = np.array([[v is None for v in row] for row in values], dtype=bool)
        table = np.array(
            [[np.nan if v is None else v for v in row] for row in values], dtype=np.float64
        )
        arrays[f"{DYNAMICS_PREFIX}{key}"] = table
        if missing.any():
            arrays[f"{DYNAMICS_PREFIX}{key}{NONE_SUFFIX}"] = missing
    return arrays


def _read_dynamics(arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    epochs = arrays.get(f"{DYNAMICS_PREFIX}epoch")
    if epochs is None:
        return []
    tables = {
        name.removeprefix(DYNAMICS_PREFIX): table
        for name, table in arrays.items()
        if name.startswith(DYNAMICS_PREFIX)
        and not name.endswith(NONE_SUFFIX)
        and name != f"{DYNAMICS_PREFIX}epoch"
    }
    records = []
    for i, epoch in enumerate(epochs.tolist()):
        layers = []
        for j in range(next(iter(tables.values())).shape[1] if tables else 0):
            layer: dict[str, Any] = {"l": j + 1}
            for key, table in tables.items():
                missing = arrays.get(f"{DYNAMICS_PREFIX}{key}{NONE_SUFFIX}")
                layer[key] = None if missing is not None and missing[i, j] else float(table[i, j])
            layers.append(layer)
        records.append({"epoch": int(epoch), "layers": layers})
    return records


def extra_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint that belong to neither the network nor the trainer."""
    own = (OPTIMIZER_PREFIX, HISTORY_PREFIX, DYNAMICS_PREFIX)
    return {k: v for k, v in arrays.items() if k not in OWN_ARRAYS and not k.startswith(own)}
