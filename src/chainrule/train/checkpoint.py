"""Checkpoints: a trainer's whole state to and from the plain data a model file stores.

:func:`training_state` gives the ``training`` dict (JSON values) and the arrays (optimiser
buffers, the best parameters so far) that :mod:`chainrule.io.modelfile` writes beside the
network; :func:`restore_training_state` rebuilds a trainer from them that continues exactly
where the saved one stopped: same parameters, optimiser buffers, shuffling generator,
early-stopping bookkeeping and history.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.core.network import Network
from chainrule.train.history import History
from chainrule.train.optimizers import Optimizer
from chainrule.train.schedules import get_schedule

OPTIMIZER_PREFIX = "optimizer."
OWN_ARRAYS = ("theta", "best_theta")


def training_state(trainer: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(training, arrays)``: everything needed to continue ``trainer`` exactly."""
    optimizer = trainer.optimizer.state_dict()
    arrays = {f"{OPTIMIZER_PREFIX}{k}": v for k, v in optimizer.pop("state").items()}
    if trainer.best_theta is not None:
        arrays["best_theta"] = trainer.best_theta
    training = {
        "settings": trainer.settings(),
        "optimizer": optimizer,
        "alpha_0": trainer.alpha_0,
        "epochs_done": trainer.epochs_done,
        "best_score": trainer.best_score if math.isfinite(trainer.best_score) else None,
        "no_improvement": trainer.no_improvement,
        "history": vars(trainer.history).copy(),
        "rng": trainer.net.rng.bit_generator.state,
    }
    return training, arrays


def restore_training_state(
    trainer_class: type,
    net: Network,
    training: dict[str, Any],
    arrays: dict[str, np.ndarray],
    options: dict[str, Any],
) -> Any:
    """A ``trainer_class`` over ``net`` in the saved state; ``options`` are the trainer
    arguments that may change on resuming (callbacks, checkpoint path, strategy).

    Arrays of the file that are neither the network's nor the trainer's travel on in
    ``trainer.checkpoint_extras`` with the file's metadata, so later checkpoints keep them.
    """
    saved_optimizer = dict(training["optimizer"])
    saved_optimizer["state"] = {
        k.removeprefix(OPTIMIZER_PREFIX): v
        for k, v in arrays.items()
        if k.startswith(OPTIMIZER_PREFIX)
    }
    settings = dict(training["settings"])
    schedule = dict(settings.pop("schedule"))
    trainer = trainer_class(
        net,
        Optimizer.from_state_dict(saved_optimizer),
        schedule=get_schedule(schedule.pop("name"), **schedule),
        **settings,
        **options,
    )
    trainer.alpha_0 = float(training["alpha_0"])
    trainer.epochs_done = int(training["epochs_done"])
    best = training["best_score"]
    trainer.best_score = -math.inf if best is None else float(best)
    trainer.no_improvement = int(training["no_improvement"])
    trainer.history = History(**training["history"])
    trainer.best_theta = arrays.get("best_theta")
    net.rng.bit_generator.state = training["rng"]
    return trainer


def extra_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint that belong to neither the network nor the trainer."""
    return {
        k: v
        for k, v in arrays.items()
        if k not in OWN_ARRAYS and not k.startswith(OPTIMIZER_PREFIX)
    }
